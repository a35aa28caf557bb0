"""What runs in a helper process (lms/helper_process.py): the certificate PDF (helper/pdf.py).

This package is outside ``lms`` on purpose: the helper imports the functions it runs by
name, and importing anything under ``lms`` would build the whole app in the helper. The
web worker imports it too, to name those functions, so it imports only the standard
library at the top; WeasyPrint is imported where a PDF is rendered, in the helper alone.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading


def start() -> None:
    """How a helper process begins: it ends with its parent, and only then.

    The parent stops its helper when it exits normally; a parent that was killed (gunicorn
    kills a stuck worker) cannot, and the helper would wait for work forever. So a thread
    watches the parent's end of the pipe it was started through, and ends the helper when
    that closes. Ctrl+C in a terminal, or a service manager's SIGTERM, may reach the whole
    process group: the helper leaves them to its parent, which may still be finishing a
    request that needs it (a parent that gives up on a call kills its helper outright).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent.sentinel,), daemon=True, name="end-with-parent").start()


def _end_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)
