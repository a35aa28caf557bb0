"""``flask --app wsgi lms certificate-reminders``: run daily from the scheduler."""

from __future__ import annotations

import click

from lms import clock
from lms.certificates.reminders import REMINDER_DAYS, send_expiry_reminders
from lms.cli import lms_cli
from lms.urls import external_url
from lms.web import unit_of_work


@lms_cli.command("certificate-reminders")
@click.option("--days", default=REMINDER_DAYS, show_default=True, help="Remind when a certificate expires within this many days.")
def certificate_reminders_command(days: int) -> None:
    """Mail coaches whose certificate expires soon (once per certificate)."""
    with unit_of_work():
        queued = send_expiry_reminders(
            clock.now(),
            lambda certificate: external_url("certificates.show", certificate_id=certificate.id),
            within_days=days,
        )
    click.echo(f"queued {queued} certificate reminder(s); `flask --app wsgi lms send-mail` sends them")
