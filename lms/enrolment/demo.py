"""Demo enrolments, written by their owner: seats, waitlists and completions as the demo
story has them (lms/demo.py tells the story)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from lms.cohorts.models import Cohort
from lms.enrolment.models import SEAT_HOLDING, Enrolment, EnrolmentStatus
from lms.extensions import db


def enrol(cohort: Cohort, user, at: datetime) -> Enrolment:
    """``user`` holds a seat in ``cohort`` since ``at``."""
    return _add(Enrolment(cohort_id=cohort.id, user_id=user.id, programme_id=cohort.programme_id,
                          status=EnrolmentStatus.ENROLLED, created_at=at, enrolled_at=at))


def waitlist(cohort: Cohort, user, at: datetime) -> Enrolment:
    """``user`` waits for a seat in ``cohort``, last in line."""
    cohort.waitlist_counter += 1
    return _add(Enrolment(cohort_id=cohort.id, user_id=user.id, programme_id=cohort.programme_id,
                          status=EnrolmentStatus.WAITLISTED, waitlist_position=cohort.waitlist_counter,
                          created_at=at))


def _add(enrolment: Enrolment) -> Enrolment:
    # Written here, by the owner: by ids, and flushed before anyone else's flush touches it.
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def complete(enrolment: Enrolment, at: datetime) -> None:
    enrolment.status = EnrolmentStatus.COMPLETED
    enrolment.completed_at = at


def recount_seats() -> None:
    """Every cohort's seat counter from the enrolments that hold a seat."""
    db.session.flush()
    counts = dict(
        db.session.execute(
            sa.select(Enrolment.cohort_id, sa.func.count())
            .where(Enrolment.status.in_(SEAT_HOLDING))
            .group_by(Enrolment.cohort_id)
        ).all()
    )
    for cohort in db.session.execute(sa.select(Cohort)).scalars():
        cohort.seats_taken = counts.get(cohort.id, 0)
