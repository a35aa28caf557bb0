"""The helper process (lms/helper_process.py): started on first use, replaced when it died, stopped when it
hangs, and never outliving the process that started it."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest

from lms.helper_process import HelperProcess, HelperUnavailable
from tests.servers import ROOT, is_running


@pytest.fixture
def helper():
    made = HelperProcess("test helper", timeout=30)
    yield made
    made.close()


def _gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while is_running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_calls_run_in_one_other_process_kept_between_calls(helper):
    assert helper.pid is None  # nothing started before it is needed
    first = helper.call(os.getpid)
    assert first != os.getpid() and helper.pid == first
    assert helper.call(os.getpid) == first
    assert helper.call(divmod, 7, 2) == (3, 1)


def test_an_exception_in_the_call_reaches_the_caller_and_the_helper_stays(helper):
    first = helper.call(os.getpid)
    with pytest.raises(ZeroDivisionError):
        helper.call(divmod, 1, 0)
    assert helper.call(os.getpid) == first


def test_a_helper_that_died_is_replaced(helper):
    first = helper.call(os.getpid)
    os.kill(first, signal.SIGKILL)
    assert _gone(first)
    second = helper.call(os.getpid)
    assert second not in (first, os.getpid()) and helper.pid == second


def test_a_call_that_kills_the_helper_twice_gets_a_clear_error(helper):
    with pytest.raises(HelperUnavailable, match="the test helper died twice during one call"):
        helper.call(os._exit, 3)
    assert helper.pid is None
    assert helper.call(os.getpid) != os.getpid()  # and the next call has a helper again


def test_a_helper_that_hangs_is_stopped_and_the_caller_gets_an_error_in_time():
    helper = HelperProcess("slow helper", timeout=1)
    try:
        first = helper.call(os.getpid)
        started = time.monotonic()
        with pytest.raises(HelperUnavailable, match="the slow helper gave no answer within 1 s and was stopped"):
            helper.call(time.sleep, 60)
        assert time.monotonic() - started < 10
        assert _gone(first)
        assert helper.call(os.getpid) not in (first, None)
    finally:
        helper.close()


def test_a_helper_that_does_not_start_in_time_is_stopped():
    helper = HelperProcess("sluggish helper", timeout=0.001)  # no interpreter starts that fast
    before = set(multiprocessing.active_children())
    with pytest.raises(HelperUnavailable, match="the sluggish helper did not start within 0.001 s"):
        helper.call(os.getpid)
    assert set(multiprocessing.active_children()) <= before and helper.pid is None


def test_close_stops_the_helper(helper):
    pid = helper.call(os.getpid)
    helper.close()
    assert helper.pid is None and _gone(pid)


# The parent's last line: either it ends normally, or it is killed as gunicorn kills a stuck worker.
PARENT = """
import os, signal, sys
from lms.helper_process import HelperProcess
helper = HelperProcess("orphan test helper", timeout=30)
print(helper.call(os.getpid), flush=True)
if sys.argv[1] == "killed":
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.slow  # a Python process that imports the app, per case
@pytest.mark.parametrize("end", ["exits", "killed"])
def test_the_helper_ends_with_the_process_that_started_it(end):
    parent = subprocess.run([sys.executable, "-c", PARENT, end], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert parent.returncode == (-signal.SIGKILL if end == "killed" else 0), parent.stderr
    pid = int(parent.stdout)
    assert _gone(pid)
