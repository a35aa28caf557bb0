"""Operator commands: ``flask --app wsgi lms <command>``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

lms_cli = AppGroup("lms", help="Welzijnscoach Academie commands.")


@lms_cli.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo data; running it again adds nothing twice."""
    from lms import clock
    from lms.demo import DEMO_PASSWORD, seed_demo

    created = seed_demo(clock.now())
    click.echo("Demo data loaded." if created else "Demo data was already present; nothing added.")
    click.echo("")
    click.echo("Demo accounts (password for all: %s):" % DEMO_PASSWORD)
    for email, role in (
        ("admin@example.org", "admin"),
        ("staff@example.org", "staff"),
        ("trainer@example.org", "trainer"),
        ("coordinator@example.org", "coordinator (Achterhoek)"),
        ("coach@example.org", "coach"),
    ):
        click.echo(f"  {email:<28} {role}")


@lms_cli.command("send-mail")
@click.option("--loop", is_flag=True, help="Keep running as a worker and send new mails as they arrive.")
@click.option("--interval", default=10, show_default=True, help="Seconds between rounds with --loop.")
def send_mail_command(loop: bool, interval: int) -> None:
    """Send the mails waiting in the outbox (retrying failures with back-off).

    Safe to run from a scheduler and as several workers at once: each mail is claimed by
    one sender only. With --loop, SIGTERM or Ctrl+C stops after the mail being sent.
    """
    from lms.notifications.worker import run_sender

    run_sender(loop=loop, interval=interval, echo=click.echo)


@lms_cli.command("apply-retention")
@click.option("--dry-run", is_flag=True, help="Count what would be anonymised without changing anything.")
def apply_retention_command(dry_run: bool) -> None:
    """Anonymise enrolments of cohorts that ended more than RETENTION_YEARS ago (daily)."""
    from lms import clock
    from lms.extensions import db
    from lms.privacy.services import apply_retention

    years = current_app.config.get("RETENTION_YEARS") or 0
    if years <= 0:
        click.echo("RETENTION_YEARS is 0 or empty: retention is off, nothing done.")
        return
    result = apply_retention(clock.now(), years, dry_run=dry_run)
    if not dry_run:
        db.session.commit()
    click.echo(
        "{verb} {enrolments} enrolments, {attendance} attendance records and {certificates} certificates "
        "of {coaches} coaches in cohorts that ended before {cutoff}; {kept} kept for a certificate in force.".format(
            verb="would anonymise" if dry_run else "anonymised",
            enrolments=result.enrolments, attendance=result.attendance, certificates=result.certificates,
            coaches=result.coaches, cutoff=result.cutoff.date().isoformat(), kept=result.kept_for_certificate,
        )
    )


@lms_cli.command("backup")
@click.option("--output", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: instance/backups/lms-YYYYmmdd-HHMMSS.sqlite3, UTC).")
def backup_command(output: str | None) -> None:
    """Write a consistent copy of the SQLite database while the app runs; prints its path.

    On PostgreSQL it refuses: use pg_dump (see README, Backups and restore).
    """
    from lms import clock
    from lms.backup import BackupError, backup_sqlite, default_path
    from lms.extensions import db

    try:
        path = backup_sqlite(db.engine, output or default_path(current_app.instance_path, clock.now()))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(str(path))


def init_app(app: Flask) -> None:
    app.cli.add_command(lms_cli)
