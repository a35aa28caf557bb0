"""The sender behind ``flask --app wsgi lms send-mail``: one round, or a long-lived worker."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

import click

from lms import clock
from lms.cli import lms_cli
from lms.extensions import db
from lms.notifications.services import deliver_due

log = logging.getLogger(__name__)


def run_sender(*, loop: bool, interval: float, echo: Callable[[str], None] = print,
               stop: threading.Event | None = None) -> int:
    """Send what is due; with ``loop`` keep doing so every ``interval`` seconds until stopped.

    A worker survives a database or mail server that is away for a while: the round is
    logged and tried again after the interval. Returns how many mails were sent.
    """
    stop = stop or threading.Event()
    if loop and threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_args: stop.set())
    total = 0
    while not stop.is_set():
        try:
            sent = deliver_due(clock.now(), should_stop=stop.is_set)
        except Exception:  # noqa: BLE001 - a worker keeps going; a single round reports the error
            db.session.rollback()
            if not loop:
                raise
            log.exception("sending mail failed; trying again in %s s", interval)
            sent = 0
        finally:
            db.session.remove()
        total += sent
        if sent:
            echo(f"sent {sent} mail(s)")
        if not loop:
            break
        stop.wait(interval)
    return total


@lms_cli.command("send-mail")
@click.option("--loop", is_flag=True, help="Keep running as a worker and send new mails as they arrive.")
@click.option("--interval", default=10, show_default=True, help="Seconds between rounds with --loop.")
def send_mail_command(loop: bool, interval: int) -> None:
    """Send the mails waiting in the outbox (retrying failures with back-off).

    Safe to run from a scheduler and as several workers at once: each mail is claimed by
    one sender only. With --loop, SIGTERM or Ctrl+C stops after the mail being sent.
    """
    run_sender(loop=loop, interval=interval, echo=click.echo)
