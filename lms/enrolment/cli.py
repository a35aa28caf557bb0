"""``flask --app wsgi lms process-waitlists``: run every few minutes from the scheduler."""

from __future__ import annotations

import click
from flask import current_app

from lms import clock
from lms.cli import lms_cli
from lms.domain import scheduler_round
from lms.enrolment.waitlist import process_waitlists
from lms.notifications.services import deliver_due
from lms.web import unit_of_work


@lms_cli.command("process-waitlists")
def process_waitlists_command() -> None:
    """Expire offers, offer free seats to the next in line, remind about expiring offers."""
    now = clock.now()
    with unit_of_work():
        result = process_waitlists(now)
    with unit_of_work():
        scheduler_round.send(None, now=now)  # derived data of higher floors (the report figures)
    click.echo("expired {expired}, offered {offered}, reminded {reminded}".format(**result))
    if current_app.config["MAIL_DELIVER_AFTER_REQUEST"]:
        deliver_due(now)
