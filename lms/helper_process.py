"""A helper process for work whose libraries a web worker should not keep in memory (the PDF).

WeasyPrint, with Pango and the fonts it loads, adds 30-65 MiB to the peak memory of the
process that renders, and a gunicorn worker that served one PDF kept it for good (issue 20).
A HelperProcess runs such calls in one process of its own: a ProcessPoolExecutor with one
process, started the first time a call needs it and kept for the next calls. It is started
with "spawn", a fresh interpreter, not forked: a fork would carry the worker's memory and
its open database connections. The functions it runs live in the ``helper`` package,
outside ``lms``, since importing ``lms`` would build the whole app in the helper. As with
any "spawn" start, the program's main module must guard its top level with
``if __name__ == "__main__"`` (gunicorn, flask and pytest do).

A helper that died (killed, out of memory, crashed) is replaced and the call made again,
once. A call that takes longer than ``timeout`` stops the helper (the next call starts a
new one) and raises HelperUnavailable, rather than keeping the request waiting. The helper
ends with its parent, and only then: concurrent.futures stops it when the parent's
interpreter exits, and helper.start ends it when the parent was killed (see there).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import weakref
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

import helper

log = logging.getLogger(__name__)
T = TypeVar("T")


class HelperUnavailable(RuntimeError):
    """The helper process gave no answer: it died twice during one call, or ran out of time."""


class HelperProcess:
    """One helper process, started on first use, for ``call(function, *args)``."""

    def __init__(self, name: str, *, timeout: float) -> None:
        self.name = name
        self.timeout = timeout
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._pid: int | None = None
        _ALL.add(self)

    @property
    def pid(self) -> int | None:
        """The helper's process id while one runs (None before the first call)."""
        return self._pid if self._pool is not None else None

    def call(self, function: Callable[..., T], *args) -> T:
        """``function(*args)`` in the helper; ``function`` and the arguments must pickle."""
        try:
            return self._call(function, args)
        except BrokenProcessPool:
            log.warning("the %s died; starting a new one", self.name)
        try:
            return self._call(function, args)
        except BrokenProcessPool as error:
            raise HelperUnavailable(f"the {self.name} died twice during one call") from error

    def close(self) -> None:
        """Stop the helper (a later call starts a new one)."""
        self._discard(self._pool)

    def _call(self, function: Callable[..., T], args: tuple) -> T:
        pool = self._running()
        try:
            return pool.submit(function, *args).result(timeout=self.timeout)
        except BrokenProcessPool:
            self._discard(pool)
            raise
        except TimeoutError as error:
            self._discard(pool, kill=True)
            raise HelperUnavailable(
                f"the {self.name} gave no answer within {self.timeout:g} s and was stopped") from error

    def _running(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                known = {process.pid for process in multiprocessing.active_children()}
                # max_tasks_per_child stays unset: the helper stays warm from one call to the next.
                pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=helper.start)
                try:
                    # Its process id, to stop it by should a call hang; asking starts it.
                    self._pid = pool.submit(os.getpid).result(timeout=self.timeout)
                except TimeoutError as error:
                    _kill(process.pid for process in multiprocessing.active_children() if process.pid not in known)
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise HelperUnavailable(f"the {self.name} did not start within {self.timeout:g} s") from error
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
                self._pool = pool
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor | None, *, kill: bool = False) -> None:
        if pool is None:
            return
        with self._lock:
            pid = self._pid
            if self._pool is pool:
                self._pool = self._pid = None
        if kill:
            _kill([pid])
        pool.shutdown(wait=True, cancel_futures=True)

    def _forget(self) -> None:
        """In a forked child: the parent's helper is not this process's to use."""
        self._lock = threading.Lock()
        self._pool = self._pid = None


def _kill(pids: Iterable[int | None]) -> None:
    """Kill these children of this process (through multiprocessing, which knows whether each still runs)."""
    doomed = set(pids)
    for process in multiprocessing.active_children():
        if process.pid in doomed:
            process.kill()


# A forked child (a gunicorn worker, should its master ever have made a PDF) starts its own.
_ALL: weakref.WeakSet[HelperProcess] = weakref.WeakSet()


def _forget_all() -> None:
    for each in list(_ALL):
        each._forget()


os.register_at_fork(after_in_child=_forget_all)
