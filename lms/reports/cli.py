"""``flask --app wsgi lms refresh-figures``: rebuild the figures' summary from the data."""

from __future__ import annotations

import click

from lms.cli import lms_cli
from lms.reports.summary import refresh_all
from lms.web import unit_of_work


@lms_cli.command("refresh-figures")
def refresh_figures_command() -> None:
    """Recompute the figures of every cohort (the summary is otherwise kept fresh on change)."""
    with unit_of_work():
        cohorts = refresh_all()
    click.echo(f"recomputed the figures of {cohorts} cohorts")
