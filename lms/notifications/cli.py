"""``flask --app wsgi lms send-reminders``: run hourly (or at least daily) from the scheduler."""

from __future__ import annotations

import click
from flask import current_app

from lms.cli import lms_cli


@lms_cli.command("send-reminders")
@click.option("--days", default=2, show_default=True,
              help="Remind about sessions starting from now until the end of the day this many days ahead.")
def send_reminders_command(days: int) -> None:
    """Queue session reminders for coaches and trainers (once per person per session)."""
    from lms import clock
    from lms.extensions import db
    from lms.notifications.reminders import queue_session_reminders
    from lms.notifications.services import deliver_due

    now = clock.now()
    queued = queue_session_reminders(now, days=days)
    db.session.commit()
    click.echo(f"queued {queued} session reminder(s); `flask --app wsgi lms send-mail` sends them")
    if current_app.config["MAIL_DELIVER_AFTER_REQUEST"]:
        deliver_due(now)
