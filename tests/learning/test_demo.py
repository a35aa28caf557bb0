"""The demo data agrees with the completion rule, so every screen shows a consistent picture."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from lms.certificates.models import Certificate
from lms.cohorts.models import CohortStatus
from lms.completion.progress import progress_for
from lms.demo import seed_demo
from lms.enrolment.completion import LEARNING
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.learning.services import enrolment_load_options


@pytest.mark.parametrize("now", [
    datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc),
    datetime(2027, 2, 2, 15, 0, tzinfo=timezone.utc),
])
def test_demo_is_consistent_with_the_completion_rule(app, now):
    seed_demo(now)
    enrolments = db.session.execute(
        sa.select(Enrolment).options(*enrolment_load_options()).where(Enrolment.status.in_(LEARNING))
    ).unique().scalars().all()
    progress = progress_for(enrolments, now)
    certified = set(db.session.execute(
        sa.select(Certificate.enrolment_id).where(Certificate.revoked_at.is_(None))).scalars())
    # The demo also shows a certificate revoked by staff: completed, but no certificate in force.
    revoked = set(db.session.execute(
        sa.select(Certificate.enrolment_id).where(Certificate.revoked_at.is_not(None))).scalars())
    completed = [e for e in enrolments if e.status == EnrolmentStatus.COMPLETED]
    assert len(completed) >= 20
    for enrolment in enrolments:
        p = progress[enrolment.id]
        if enrolment.status == EnrolmentStatus.COMPLETED:
            assert p.rule_met, (enrolment.user.name, enrolment.cohort.title)
            assert enrolment.completed_at is not None and enrolment.id in certified | revoked
        else:
            assert not p.rule_met, (enrolment.user.name, enrolment.cohort.title)
    # Coaches part-way through, with attendance registered, in the running cohort.
    running = [e for e in enrolments if e.cohort.status == CohortStatus.CLOSED]  # the one running now
    assert running and any(0 < p.modules_done < len(p.modules) for p in (progress[e.id] for e in running))
    assert any(p.sessions_attended for p in (progress[e.id] for e in running))
    # Every module of the demo programmes has lessons; every Basistraining module has a quiz.
    for enrolment in enrolments:
        for module in enrolment.programme.modules:
            assert module.lessons
            if enrolment.programme.slug == "basistraining-welzijnscoach":
                assert module.questions
