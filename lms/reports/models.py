"""The figures' summary: derived from enrolments, attendance and certificates, kept fresh on change.

The dashboard, its exports, the cohort drill-down and the start-page headline read these
small tables instead of aggregating over every enrolment and attendance record. Nothing
here is state of its own: `flask lms refresh-figures` rebuilds all of it from the data.

- ``report_stale_cohort``: cohorts whose figures may have changed. Database triggers
  (migration e1a7f0c3b2d4) add a cohort whenever an enrolment, attendance record,
  certificate, session or cohort changes in a way that can move its figures, or a coach
  of it moves municipality, so no write path can forget it. The summary recomputes them
  when figures are next read (lms/reports/summary.py) and in the scheduler's round.
- ``report_cohort_figures``: per cohort and coaches' municipality, one row per session
  position (0: the members' own measures; k: the k-th session of the cohort), zero rows left out.
- ``report_region_figures``: the same summed per programme, region and municipality over
  every cohort, for the dashboard without a period or cohort filter.

No foreign keys: a cohort's rows outlive its deletion until the next refresh, which needs
them to know which region totals to recompute.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db


class StaleCohort(db.Model):
    __tablename__ = "report_stale_cohort"

    cohort_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


class _Counts:
    """The figures of one bucket at one position (only the measures of that position are set)."""

    enrolled: Mapped[int] = mapped_column(default=0, server_default="0")
    waitlisted: Mapped[int] = mapped_column(default=0, server_default="0")
    completed: Mapped[int] = mapped_column(default=0, server_default="0")
    certified: Mapped[int] = mapped_column(default=0, server_default="0")
    attended: Mapped[int] = mapped_column(default=0, server_default="0")
    made_up: Mapped[int] = mapped_column(default=0, server_default="0")


class CohortFigures(_Counts, db.Model):
    __tablename__ = "report_cohort_figures"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(index=True)
    # The cohort's programme and region when these figures were computed.
    programme_id: Mapped[int]
    region_id: Mapped[int]
    municipality_id: Mapped[int | None]  # the coaches' own; None: unknown
    position: Mapped[int] = mapped_column(sa.SmallInteger)


class RegionFigures(_Counts, db.Model):
    __tablename__ = "report_region_figures"
    __table_args__ = (sa.Index("ix_report_region_figures_programme_region", "programme_id", "region_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int]
    region_id: Mapped[int]
    municipality_id: Mapped[int | None]
    position: Mapped[int] = mapped_column(sa.SmallInteger)


sa.Index("ix_report_cohort_figures_programme_region", CohortFigures.programme_id, CohortFigures.region_id)
