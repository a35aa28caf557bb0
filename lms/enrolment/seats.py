"""A cohort's seat counters and an enrolment's status, changed only by conditional UPDATEs.

Every change here is one statement whose WHERE clause says what must still hold
(``seats_taken < capacity``, the enrolment still has the status it was read with), so
concurrent requests can never take more seats than there are, nor move one enrolment on
twice, on SQLite and PostgreSQL alike. Waitlist numbers come from
``Cohort.waitlist_counter`` the same way, so the line has a strict order.
"""

from __future__ import annotations

import sqlalchemy as sa

from lms.cohorts.models import Cohort
from lms.enrolment.models import Enrolment
from lms.extensions import db


def _change_seats(cohort: Cohort, *criteria, by: int) -> int:
    result = db.session.execute(
        sa.update(Cohort).where(Cohort.id == cohort.id, *criteria)
        .values(seats_taken=Cohort.seats_taken + by)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(cohort, ["seats_taken"])
    return result.rowcount


def take_seat(cohort: Cohort) -> bool:
    """Take a free seat; False when the cohort is full."""
    return _change_seats(cohort, Cohort.seats_taken < Cohort.capacity, by=1) == 1


def force_seat(cohort: Cohort) -> None:
    """Take a seat beyond the capacity (staff overbook after a confirmation)."""
    _change_seats(cohort, by=1)


def release_seat(cohort: Cohort) -> None:
    _change_seats(cohort, Cohort.seats_taken > 0, by=-1)


def free_all_seats(cohort: Cohort) -> None:
    """Nobody holds a seat any more (the cohort was cancelled)."""
    db.session.execute(
        sa.update(Cohort).where(Cohort.id == cohort.id).values(seats_taken=0)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(cohort, ["seats_taken"])


def next_waitlist_number(cohort: Cohort) -> int:
    number = db.session.execute(
        sa.update(Cohort).where(Cohort.id == cohort.id)
        .values(waitlist_counter=Cohort.waitlist_counter + 1)
        .returning(Cohort.waitlist_counter)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    db.session.expire(cohort, ["waitlist_counter"])
    return number


def claim(enrolment: Enrolment, from_statuses, **values) -> bool:
    """Move an enrolment on only if it is still in one of ``from_statuses`` (safe under concurrency)."""
    result = db.session.execute(
        sa.update(Enrolment)
        .where(Enrolment.id == enrolment.id, Enrolment.status.in_(list(from_statuses)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(enrolment)
    return result.rowcount == 1
