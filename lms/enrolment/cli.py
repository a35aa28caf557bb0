"""Operator commands of the enrolment feature.

``flask --app wsgi lms process-waitlists``: run every few minutes from the scheduler.
``flask --app wsgi lms check``: run daily; says which enrolment invariant is broken, if any.
"""

from __future__ import annotations

import click
from flask import current_app

from lms import clock
from lms.cli import lms_cli
from lms.domain import scheduler_round
from lms.enrolment.interest import notify_opened_cohorts
from lms.enrolment.invariants import repair_counters, violations
from lms.enrolment.waitlist import process_waitlists
from lms.notifications.services import deliver_due
from lms.web import unit_of_work


@lms_cli.command("process-waitlists")
def process_waitlists_command() -> None:
    """Expire offers, offer free seats to the next in line, remind about expiring offers.

    Also tells coaches who asked for a group of a programme in their region once
    enrolment for one has opened.
    """
    now = clock.now()
    with unit_of_work():
        result = process_waitlists(now)
        told = notify_opened_cohorts(now)
    with unit_of_work():
        scheduler_round.send(None, now=now)  # derived data of higher floors (the report figures)
    click.echo("expired {expired}, offered {offered}, reminded {reminded}".format(**result)
               + f", told {told} about a group that opened")
    if current_app.config["MAIL_DELIVER_AFTER_REQUEST"]:
        deliver_due(now)


@lms_cli.command("check")
@click.option("--repair", is_flag=True,
              help="Set the counters right first: seats taken, the waitlist's length and its places.")
def check_command(repair: bool) -> None:
    """Check every enrolment invariant on the database; exit code 1 when one is broken (run daily)."""
    now = clock.now()
    with unit_of_work():
        if repair:
            for line in repair_counters():
                click.echo(f"Repaired: {line}")
        found = violations(now)
    for violation in found:
        click.echo(f"Problem: {violation}")
    if found:
        repairable = sum(1 for v in found if v.repairable)
        hint = f" ({repairable} repairable with --repair)" if repairable and not repair else ""
        click.echo(f"{len(found)} problem(s) found{hint}.")
        raise SystemExit(1)
    click.echo("All enrolment invariants hold.")
