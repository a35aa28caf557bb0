"""The demo data has cohorts across both changes of the clocks, whatever day it is seeded."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from lms.cohorts.models import Cohort, CohortStatus
from lms.demo import seed_demo
from lms.enrolment.invariants import violations
from lms.extensions import db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _offsets(cohort: Cohort) -> list[float]:
    return [s.starts_at.replace(tzinfo=timezone.utc).astimezone(AMSTERDAM).utcoffset().total_seconds() / 3600
            for s in sorted(cohort.sessions, key=lambda s: s.starts_at)]


@pytest.mark.parametrize("now", [
    datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc),   # the suite's day
    datetime(2027, 3, 28, 1, 30, tzinfo=timezone.utc),    # the morning summer time starts
    datetime(2027, 6, 15, 12, 0, tzinfo=timezone.utc),
    datetime(2027, 10, 31, 0, 30, tzinfo=timezone.utc),   # the night summer time ends
], ids=["november", "march-change", "june", "october-change"])
def test_demo_has_open_cohorts_across_both_changes_of_the_clocks(app, now):
    assert seed_demo(now)
    cohorts = db.session.execute(sa.select(Cohort).where(Cohort.status == CohortStatus.OPEN)).scalars().all()
    # Winter time (+1) then summer time (+2): across the March change; the reverse across October.
    spans = {tuple(dict.fromkeys(_offsets(c))) for c in cohorts}
    assert (1.0, 2.0) in spans, spans
    assert (2.0, 1.0) in spans, spans
    for cohort in cohorts:
        first = min(s.starts_at for s in cohort.sessions).replace(tzinfo=timezone.utc)
        assert first > now, cohort.title  # open cohorts lie ahead
        year = first.astimezone(AMSTERDAM).year
        assert str(year) in cohort.title or str(year + 1) in cohort.title, cohort.title
    titles = [c.title for c in db.session.execute(sa.select(Cohort)).scalars()]
    assert len(titles) == len(set(titles))
    assert violations(now) == []
