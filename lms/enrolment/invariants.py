"""The enrolment lifecycle's invariants, checked on a live database (``flask lms check``).

The invariants are stated in lms/enrolment/__init__.py. The database keeps the ones it
can (unique indexes and checks on the enrolment table); this module looks for every
violation, those included (an older database, a row written by hand), and says what is
wrong in words. ``repair`` sets the counters right: seats taken, the waitlist's length
and its places; everything else needs a person to decide.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from lms.auth.models import User
from lms.cohorts.models import Cohort, CohortStatus, Session, SessionStatus
from lms.enrolment.models import ACTIVE, Enrolment, EnrolmentStatus, seat_holding
from lms.enrolment.seats import lock_cohort
from lms.extensions import db
from lms.programmes.models import Programme

# Places are moved out of the way while a line is renumbered (the unique index checks each row).
_ASIDE = 1_000_000


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    cohort_id: int | None = None
    repairable: bool = False

    def __str__(self) -> str:
        return self.message


def _cohort_names(ids) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Cohort.id, Cohort.title).where(Cohort.id.in_(set(ids))))
    return {cohort_id: f"{title} (cohort {cohort_id})" for cohort_id, title in rows}


def _count(*criteria):
    return (
        sa.select(sa.func.count(Enrolment.id)).where(Enrolment.cohort_id == Cohort.id, *criteria)
        .correlate(Cohort).scalar_subquery()
    )


def _counter_mismatches() -> list[tuple[int, str, int, int, int, int]]:
    """(id, title, seats_taken, seat holders, waitlist_counter, waiting) of cohorts whose counters are off."""
    holders = _count(seat_holding())
    waiting = _count(Enrolment.status == EnrolmentStatus.WAITLISTED)
    return list(db.session.execute(
        sa.select(Cohort.id, Cohort.title, Cohort.seats_taken, holders, Cohort.waitlist_counter, waiting)
        .where(sa.or_(Cohort.seats_taken != holders, Cohort.waitlist_counter != waiting))
        .order_by(Cohort.id)
    ).all())


def _waitlists() -> dict[int, list[int | None]]:
    """Every cohort's waitlist places, in line order."""
    lines: dict[int, list[int | None]] = defaultdict(list)
    rows = db.session.execute(
        sa.select(Enrolment.cohort_id, Enrolment.waitlist_position)
        .where(Enrolment.status == EnrolmentStatus.WAITLISTED)
        .order_by(Enrolment.cohort_id, Enrolment.waitlist_position, Enrolment.id)
    )
    for cohort_id, place in rows:
        lines[cohort_id].append(place)
    return lines


def _bad_lines() -> dict[int, list[int | None]]:
    return {cohort_id: places for cohort_id, places in _waitlists().items()
            if places != list(range(1, len(places) + 1))}


def _counters() -> list[Violation]:
    found = []
    for cohort_id, title, taken, holders, counter, waiting in _counter_mismatches():
        name = f"{title} (cohort {cohort_id})"
        if taken != holders:
            found.append(Violation("seats", f"{name}: {taken} seats taken on record, but {holders} enrolments "
                                            f"hold a seat.", cohort_id, True))
        if counter != waiting:
            found.append(Violation("waitlist_length", f"{name}: the waitlist counter says {counter}, but "
                                                      f"{waiting} coaches are waiting.", cohort_id, True))
    bad = _bad_lines()
    names = _cohort_names(bad.keys())
    for cohort_id, places in bad.items():
        shown = ", ".join("none" if p is None else str(p) for p in places)
        found.append(Violation("waitlist_places", f"{names[cohort_id]}: waitlist places are {shown}; expected "
                                                  f"1 to {len(places)}, each once.", cohort_id, True))
    return found


def _one_active_per_programme() -> list[Violation]:
    rows = db.session.execute(
        sa.select(User.id, User.name, Programme.id, Programme.title, sa.func.count(Enrolment.id))
        .join(User, User.id == Enrolment.user_id).join(Programme, Programme.id == Enrolment.programme_id)
        .where(Enrolment.status.in_(ACTIVE))
        .group_by(User.id, User.name, Programme.id, Programme.title)
        .having(sa.func.count(Enrolment.id) > 1)
    ).all()
    return [Violation("one_active", f"{name} (user {user_id}) has {n} active enrolments in {title} "
                                    f"(programme {programme_id}); at most one is allowed.")
            for user_id, name, programme_id, title, n in rows]


def _first_session():
    return (
        sa.select(sa.func.min(Session.starts_at))
        .where(Session.cohort_id == Cohort.id, Session.status == SessionStatus.SCHEDULED)
        .correlate(Cohort).scalar_subquery()
    )


def _row_rules(now: datetime) -> list[tuple[str, str, object]]:
    """(rule, what is wrong, condition on an enrolment joined with its cohort)."""
    waitlisted = Enrolment.status == EnrolmentStatus.WAITLISTED
    offered = Enrolment.status == EnrolmentStatus.OFFERED
    return [
        ("waitlist_place", "is on the waitlist without a place in line",
         sa.and_(waitlisted, Enrolment.waitlist_position.is_(None))),
        ("waitlist_place", "has a place in the waitlist without waiting",
         sa.and_(~waitlisted, Enrolment.waitlist_position.is_not(None))),
        ("offer_deadline", "is offered a seat without a deadline",
         sa.and_(offered, sa.or_(Enrolment.offer_expires_at.is_(None), Enrolment.offered_at.is_(None)))),
        ("offer_deadline", "has an offer deadline without an offer",
         sa.and_(~offered, Enrolment.offer_expires_at.is_not(None))),
        ("seat_released", "gave a seat back without being completed",
         sa.and_(Enrolment.status != EnrolmentStatus.COMPLETED, Enrolment.seat_released_at.is_not(None))),
        ("cancelled_cohort", "is still active in a cancelled cohort",
         sa.and_(Cohort.status == CohortStatus.CANCELLED, Enrolment.status.in_(ACTIVE))),
        ("completed_seat", "completed the programme but still holds a seat in a cohort that has not begun",
         sa.and_(Enrolment.status == EnrolmentStatus.COMPLETED, Enrolment.seat_released_at.is_(None),
                 Cohort.status.in_([CohortStatus.DRAFT, CohortStatus.OPEN, CohortStatus.CLOSED,
                                    CohortStatus.CANCELLED]),
                 sa.or_(Cohort.status == CohortStatus.CANCELLED, _first_session() > now))),
        ("programme", "belongs to another programme than its cohort",
         Enrolment.programme_id != Cohort.programme_id),
    ]


def _rows(now: datetime) -> list[Violation]:
    """Enrolments that break a rule of their own, in one query (a column per rule)."""
    rules = _row_rules(now)
    flags = [sa.case((condition, 1), else_=0).label(f"rule_{i}") for i, (_r, _w, condition) in enumerate(rules)]
    rows = db.session.execute(
        sa.select(Enrolment.id, Enrolment.status, Cohort.id, Cohort.title, User.name, *flags)
        .join(Cohort, Cohort.id == Enrolment.cohort_id).join(User, User.id == Enrolment.user_id)
        .where(sa.or_(*(condition for _r, _w, condition in rules)))
        .order_by(Enrolment.id)
    ).all()
    found = []
    for enrolment_id, status, cohort_id, title, name, *broken in rows:
        for (rule, wrong, _condition), flag in zip(rules, broken):
            if flag:
                found.append(Violation(rule, f"Enrolment {enrolment_id} of {name} in {title} (cohort {cohort_id}, "
                                             f"{status.value}) {wrong}.", cohort_id))
    return found


def violations(now: datetime) -> list[Violation]:
    """Every broken invariant, each said in words."""
    return _counters() + _one_active_per_programme() + _rows(now)


def repair_counters() -> list[str]:
    """Set seats taken, the waitlist's length and its places right, cohort by cohort (each locked)."""
    repaired = []
    cohort_ids = {row[0] for row in _counter_mismatches()} | set(_bad_lines())
    for cohort_id in sorted(cohort_ids):
        cohort = db.session.get(Cohort, cohort_id)
        lock_cohort(cohort)
        before = (cohort.seats_taken, cohort.waitlist_counter)
        line = list(db.session.execute(
            sa.select(Enrolment.id)
            .where(Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.WAITLISTED)
            .order_by(Enrolment.waitlist_position.nulls_last(), Enrolment.id)
        ).scalars())
        holders = db.session.execute(
            sa.select(sa.func.count(Enrolment.id)).where(Enrolment.cohort_id == cohort_id, seat_holding())
        ).scalar_one()
        mine = Enrolment.id.in_(line)
        db.session.execute(sa.update(Enrolment).where(mine).values(waitlist_position=Enrolment.id + _ASIDE)
                           .execution_options(synchronize_session=False))
        for place, enrolment_id in enumerate(line, start=1):
            db.session.execute(sa.update(Enrolment).where(Enrolment.id == enrolment_id)
                               .values(waitlist_position=place).execution_options(synchronize_session=False))
        db.session.execute(sa.update(Cohort).where(Cohort.id == cohort_id)
                           .values(seats_taken=holders, waitlist_counter=len(line))
                           .execution_options(synchronize_session=False))
        repaired.append(f"{cohort.title} (cohort {cohort_id}): seats taken {before[0]} -> {holders}, "
                        f"waitlist {before[1]} -> {len(line)}, places 1 to {len(line)}.")
    db.session.expire_all()
    return repaired
