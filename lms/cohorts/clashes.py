"""Double bookings: a trainer in two sessions at once, or one address booked twice at once.

Staff are warned, not stopped: two groups may share a building on purpose, and a trainer
may hand over. The checks read only; the pages that save cohorts and sessions show them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from lms.auth.models import User
from lms.cohorts.models import Cohort, CohortStatus, Session, SessionStatus, cohort_trainer
from lms.extensions import db
from lms.programmes.models import SessionKind


@dataclass(frozen=True)
class Clash:
    """``session`` overlaps ``other``: taught by ``trainer`` in both, or (no trainer) at the same address."""

    session: Session
    other: Session
    trainer: User | None = None


def _place(value: str | None) -> str:
    return " ".join((value or "").lower().replace(",", " ").split())


def _overlapping(session: Session):
    return sa.select(Session).join(Session.cohort).where(
        Session.id != session.id,
        Session.status == SessionStatus.SCHEDULED,
        Cohort.status != CohortStatus.CANCELLED,
        Session.starts_at < session.ends_at,
        Session.ends_at > session.starts_at,
    ).options(contains_eager(Session.cohort)).order_by(Session.starts_at, Session.id)


def clashes(sessions: Iterable[Session], trainers: Iterable[User]) -> list[Clash]:
    """What overlaps ``sessions`` (taught by ``trainers``) elsewhere: shared trainers and shared addresses."""
    trainer_ids = [t.id for t in trainers]
    found: list[Clash] = []
    for session in sessions:
        if session.status != SessionStatus.SCHEDULED or session.id is None:
            continue
        if trainer_ids:
            rows = db.session.execute(
                _overlapping(session).add_columns(cohort_trainer.c.user_id)
                .join(cohort_trainer, cohort_trainer.c.cohort_id == Session.cohort_id)
                .where(cohort_trainer.c.user_id.in_(trainer_ids), Session.cohort_id != session.cohort_id)
            ).unique().all()
            for other, user_id in rows:
                found.append(Clash(session, other, db.session.get(User, user_id)))
        place = _place(session.address)
        if session.kind == SessionKind.IN_PERSON and place:
            for other in db.session.execute(
                _overlapping(session).where(Session.kind == SessionKind.IN_PERSON, Session.address.is_not(None))
            ).unique().scalars():
                rooms = {_place(session.room), _place(other.room)}
                if _place(other.address) == place and (len(rooms) == 1 or "" in rooms):
                    found.append(Clash(session, other))
    return found
