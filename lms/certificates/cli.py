"""``flask --app wsgi lms certificate-reminders``: run daily from the scheduler."""

from __future__ import annotations

import click

from lms.cli import lms_cli


@lms_cli.command("certificate-reminders")
@click.option("--days", default=60, show_default=True, help="Remind when a certificate expires within this many days.")
def certificate_reminders_command(days: int) -> None:
    """Mail coaches whose certificate expires soon (once per certificate)."""
    from lms import clock
    from lms.certificates.services import send_expiry_reminders
    from lms.extensions import db
    from lms.urls import external_url

    queued = send_expiry_reminders(
        clock.now(),
        lambda certificate: external_url("certificates.show", certificate_id=certificate.id),
        within_days=days,
    )
    db.session.commit()
    click.echo(f"queued {queued} certificate reminder(s); `flask --app wsgi lms send-mail` sends them")
