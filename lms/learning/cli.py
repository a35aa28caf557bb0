"""``flask --app wsgi lms send-reminders``: run hourly (or at least daily) from the scheduler."""

from __future__ import annotations

import click
from flask import current_app

from lms import clock
from lms.cli import lms_cli
from lms.learning.reminders import REMIND_DAYS, queue_session_reminders
from lms.notifications.services import deliver_due
from lms.web import unit_of_work


@lms_cli.command("send-reminders")
@click.option("--days", default=REMIND_DAYS, show_default=True,
              help="Remind about sessions starting from now until the end of the day this many days ahead.")
def send_reminders_command(days: int) -> None:
    """Queue session reminders for coaches and trainers (once per person per session)."""
    now = clock.now()
    with unit_of_work():
        queued = queue_session_reminders(now, days=days)
    click.echo(f"queued {queued} session reminder(s); `flask --app wsgi lms send-mail` sends them")
    if current_app.config["MAIL_DELIVER_AFTER_REQUEST"]:
        deliver_due(now)
