"""A cohort's seat counters and waitlist, and an enrolment's status: how they change safely.

Every transition that changes a cohort's seats or waitlist first takes the cohort's row
lock (``lock_cohort``) and then reads what it decides on afresh: concurrent requests for
one cohort take turns, and each sees what the one before it committed. Lock order: the
cohort first (two cohorts by id), then its enrolments, so two transitions never wait for
each other. On top of the lock every change is a conditional UPDATE whose WHERE clause
says what must still hold (``seats_taken < capacity``, the enrolment still has the status
it was read with), so a transition that lost a race changes nothing instead of twice.

Waitlist places are 1..n without gaps: ``Cohort.waitlist_counter`` is n, a coach who joins
gets n + 1, and when one leaves the line everyone behind moves up one place.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from lms.cohorts.models import Cohort
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db

# What a transition decides on: read again once the lock is held.
LOCKED_FIELDS = ["status", "capacity", "seats_taken", "waitlist_counter", "enrol_opens_at", "enrol_closes_at"]
# Places are moved out of the way by this much while the line closes up, so that no two
# coaches share a place even for one row of the UPDATE (the unique index checks each row).
_ASIDE = 1_000_000


def lock_cohort(cohort: Cohort) -> None:
    """Hold the cohort's row until the transaction ends, and read its counters afresh.

    A no-op UPDATE is the lock on both databases: PostgreSQL locks the row until the
    commit, SQLite takes its single write lock (it has no SELECT ... FOR UPDATE). Its
    RETURNING clause reads the counters as they are once the lock is held.
    """
    row = db.session.execute(
        sa.update(Cohort).where(Cohort.id == cohort.id).values(updated_at=Cohort.updated_at)
        .returning(*(getattr(Cohort, name) for name in LOCKED_FIELDS))
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        db.session.expire(cohort, LOCKED_FIELDS)  # gone: reading it says so
        return
    # What the locked row holds now, read by the same statement that locked it.
    for name, value in zip(LOCKED_FIELDS, row, strict=True):
        set_committed_value(cohort, name, value)


def lock_cohorts(cohorts: Iterable[Cohort]) -> None:
    """Lock several cohorts, always in the same order (by id), so two moves never deadlock."""
    for cohort in sorted({c.id: c for c in cohorts}.values(), key=lambda c: c.id):
        lock_cohort(cohort)


def reread(enrolment: Enrolment) -> Enrolment:
    """The enrolment as committed now (call with the cohort locked)."""
    db.session.refresh(enrolment)
    return enrolment


def _change_counter(cohort: Cohort, column, *criteria, by: int) -> int:
    result = db.session.execute(
        sa.update(Cohort).where(Cohort.id == cohort.id, *criteria)
        .values({column: column + by})
        .execution_options(synchronize_session=False)
    )
    db.session.expire(cohort, [column.key])
    return result.rowcount


def take_seat(cohort: Cohort) -> bool:
    """Take a free seat; False when the cohort is full."""
    return _change_counter(cohort, Cohort.seats_taken, Cohort.seats_taken < Cohort.capacity, by=1) == 1


def force_seat(cohort: Cohort) -> None:
    """Take a seat beyond the capacity (staff overbook after a confirmation)."""
    _change_counter(cohort, Cohort.seats_taken, by=1)


def release_seat(cohort: Cohort) -> None:
    _change_counter(cohort, Cohort.seats_taken, Cohort.seats_taken > 0, by=-1)


def join_waitlist(cohort: Cohort) -> int:
    """The place at the end of the line (n + 1), counted in ``waitlist_counter``."""
    number = db.session.execute(
        sa.update(Cohort).where(Cohort.id == cohort.id)
        .values(waitlist_counter=Cohort.waitlist_counter + 1)
        .returning(Cohort.waitlist_counter)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    db.session.expire(cohort, ["waitlist_counter"])
    return number


def close_up(cohort: Cohort, place: int) -> None:
    """The coach at ``place`` left the line (already no longer waitlisted): those behind move up one."""
    _change_counter(cohort, Cohort.waitlist_counter, Cohort.waitlist_counter > 0, by=-1)
    line = (Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
    for criterion, shift in ((Enrolment.waitlist_position > place, _ASIDE),
                             (Enrolment.waitlist_position > _ASIDE, -_ASIDE - 1)):
        db.session.execute(
            sa.update(Enrolment).where(*line, criterion)
            .values(waitlist_position=Enrolment.waitlist_position + shift)
            .execution_options(synchronize_session=False)
        )
    _forget_places(cohort)


def _forget_places(cohort: Cohort) -> None:
    """Enrolments of the cohort this request has loaded read their place again when asked."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Enrolment) and obj.__dict__.get("cohort_id") == cohort.id:  # loaded, not loading
            db.session.expire(obj, ["waitlist_position"])


def empty_cohort(cohort: Cohort) -> None:
    """Nobody holds a seat or waits any more (the cohort was cancelled)."""
    db.session.execute(
        sa.update(Cohort).where(Cohort.id == cohort.id).values(seats_taken=0, waitlist_counter=0)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(cohort, ["seats_taken", "waitlist_counter"])


def claim(enrolment: Enrolment, from_statuses, *criteria, **values) -> bool:
    """Move an enrolment on only if it is still in one of ``from_statuses`` (and ``criteria`` hold)."""
    result = db.session.execute(
        sa.update(Enrolment)
        .where(Enrolment.id == enrolment.id, Enrolment.status.in_(list(from_statuses)), *criteria)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(enrolment)
    return result.rowcount == 1
