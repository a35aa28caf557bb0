"""Gunicorn as in production, for tests that need the real server (its logs, its worker processes)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.mailbox import free_port

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def gunicorn(tmp_path, app_spec: str, *, env: dict | None = None, pythonpath: Path | None = None):
    """Gunicorn with one worker, started in the repository root so that it reads gunicorn.conf.py.

    Yields the base URL, the paths of the access and error logs, and the master's process.
    """
    port = free_port()
    logs = {"access": tmp_path / "access.log", "error": tmp_path / "error.log"}
    command = [str(Path(sys.executable).parent / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}",
               "--access-logfile", str(logs["access"]), "--error-logfile", str(logs["error"])]
    if pythonpath:
        command += ["--pythonpath", str(pythonpath)]
    process = subprocess.Popen(command + [app_spec], cwd=ROOT, env={**os.environ, **(env or {})},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base, process, lambda: "gunicorn exited: " + (
            logs["error"].read_text() if logs["error"].exists() else ""))
        yield base, logs, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_for(base: str, process: subprocess.Popen, exited: Callable[[], str], tries: int = 300) -> None:
    """Wait until the server at ``base`` answers; fail with ``exited()`` if its process ends first."""
    for _ in range(tries):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if process.poll() is not None:
                pytest.fail(exited())
            time.sleep(0.1)
    pytest.fail(f"no answer from {base}")


def children(pid: int) -> list[int]:
    """The process ids of ``pid``'s children."""
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def is_running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting to be reaped is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")
