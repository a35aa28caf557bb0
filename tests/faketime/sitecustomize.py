"""Loaded (through PYTHONPATH) by every Python process of `make test`'s 400-days-ahead run.

That run moves the wall clock with Debian's libfaketime and keeps the monotonic clock
real (FAKETIME_DONT_FAKE_MONOTONIC=1), because a faked monotonic clock makes every
timed lock wait hang. libfaketime 0.9.10 then refuses the absolute monotonic deadline
Python's ``time.sleep`` hands to clock_nanosleep (EINVAL), so sleeping goes through
``select`` here: the same pause, no clock involved.
"""

import os
import select
import time

if "faketime" in os.environ.get("LD_PRELOAD", ""):
    def _sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        select.select([], [], [], seconds)

    time.sleep = _sleep
