"""``flask --app wsgi lms apply-retention``: run daily from the scheduler."""

from __future__ import annotations

import click
from flask import current_app

from lms import clock
from lms.cli import lms_cli
from lms.privacy.retention import apply_retention, purge_short_lived
from lms.web import unit_of_work


@lms_cli.command("apply-retention")
@click.option("--dry-run", is_flag=True, help="Count what would be anonymised without changing anything.")
def apply_retention_command(dry_run: bool) -> None:
    """Delete short-lived personal data; anonymise enrolments of cohorts that ended more than RETENTION_YEARS ago (daily)."""
    if not dry_run:
        with unit_of_work():
            purged = purge_short_lived(clock.now())
        click.echo("deleted " + (", ".join(f"{n} {name}" for name, n in purged.items()) or "nothing short-lived"))
    years = current_app.config.get("RETENTION_YEARS") or 0
    if years <= 0:
        click.echo("RETENTION_YEARS is 0 or empty: retention is off, nothing done.")
        return
    with unit_of_work():
        result = apply_retention(clock.now(), years, dry_run=dry_run)
    click.echo(
        "{verb} {enrolments} enrolments, {attendance} attendance records and {certificates} certificates "
        "of {coaches} coaches in cohorts that ended before {cutoff}; {kept} kept for a certificate in force.".format(
            verb="would anonymise" if dry_run else "anonymised",
            enrolments=result.enrolments, attendance=result.attendance, certificates=result.certificates,
            coaches=result.coaches, cutoff=result.cutoff.date().isoformat(), kept=result.kept_for_certificate,
        )
    )
