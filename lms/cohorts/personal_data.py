"""The cohorts' part in privacy: when a cohort ended, and a removed person leaves the cohorts to come.

Registered with lms/privacy/registry.py; loaded at app creation (RECEIVERS in lms/__init__.py).
"""

from __future__ import annotations

import sqlalchemy as sa

from lms.cohorts.models import Cohort, Session, cohort_follower, cohort_trainer
from lms.extensions import db
from lms.privacy.registry import Erasure, erasure_step


def cohort_end():
    """Per cohort: when it ended (its last session), or when it was cancelled or made (a subquery)."""
    last = (
        sa.select(Session.cohort_id, sa.func.max(Session.ends_at).label("ends_at"))
        .group_by(Session.cohort_id)
        .subquery("last_session")
    )
    ends_at = sa.func.coalesce(last.c.ends_at, Cohort.cancelled_at, Cohort.created_at)
    return sa.select(Cohort.id.label("cohort_id"), ends_at.label("ends_at")).outerjoin(
        last, last.c.cohort_id == Cohort.id
    ).subquery("cohort_end")


@erasure_step("cohorts", 30)
def _leave_cohorts(erasure: Erasure) -> None:
    """Taught cohorts still to come lose this person (past ones keep the anonymous trainer); no follows."""
    ends = cohort_end()
    not_ended = sa.select(ends.c.cohort_id).where(ends.c.ends_at > erasure.now)
    user_id = erasure.user.id
    db.session.execute(sa.delete(cohort_trainer).where(cohort_trainer.c.user_id == user_id,
                                                       cohort_trainer.c.cohort_id.in_(not_ended)))
    db.session.execute(sa.delete(cohort_follower).where(cohort_follower.c.user_id == user_id))
