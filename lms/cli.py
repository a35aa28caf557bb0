"""Operator commands: ``flask --app wsgi lms <command>``.

The ``lms`` group and the commands that belong to no feature (backup). Each feature adds
its own commands to ``lms_cli`` from its package (``lms/<feature>/cli.py``), and wraps
their work in ``lms.web.unit_of_work``.
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from lms import clock
from lms.backup import BackupError, backup_sqlite, default_path
from lms.extensions import db

lms_cli = AppGroup("lms", help="Welzijnscoach Academie commands.")


@lms_cli.command("backup")
@click.option("--output", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: instance/backups/lms-YYYYmmdd-HHMMSS.sqlite3, UTC).")
def backup_command(output: str | None) -> None:
    """Write a consistent copy of the SQLite database while the app runs; prints its path.

    On PostgreSQL it refuses: use pg_dump (see README, Backups and restore).
    """
    try:
        path = backup_sqlite(db.engine, output or default_path(current_app.instance_path, clock.now()))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(str(path))


def init_app(app: Flask) -> None:
    app.cli.add_command(lms_cli)
