"""Accreditation lists: the coaches of a cohort who met the attendance rule, with their
registration numbers for the register's portal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lms.attendance.models import Attendance, AttendanceStatus
from lms.auth.models import User
from lms.cohorts.models import Cohort, Session
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.reports.figures import COUNTED, made_up, presence_ranges


@dataclass
class AccreditedCoach:
    user_id: int
    name: str
    registration_number: str | None
    missing: list[Session]  # required sessions neither attended nor made up


@dataclass
class AccreditationList:
    cohort: Cohort
    required: list[Session]
    met: list[AccreditedCoach]
    not_met: list[AccreditedCoach]
    sessions_to_come: list[Session]

    @property
    def with_number(self) -> list[AccreditedCoach]:
        return [c for c in self.met if c.registration_number]

    @property
    def without_number(self) -> list[AccreditedCoach]:
        return [c for c in self.met if not c.registration_number]

    def as_text(self) -> str:
        """Registration numbers, one per line, for the register's portal."""
        return "".join(f"{c.registration_number}\n" for c in self.with_number)


def accreditation_list(cohort: Cohort, now: datetime) -> AccreditationList:
    """The coaches who met the attendance rule: present, or made up, at every required session.

    ``cohort`` comes from ``load_cohort`` (sessions loaded). Two queries: the members and
    the (member, required session) pairs that were met.
    """
    required = [s for s in cohort.sessions if s.is_required and not s.is_cancelled]
    members = db.session.execute(
        sa.select(Enrolment.id, User.id, User.name, User.registration_number)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(COUNTED))
        .order_by(User.name, User.id)
    ).all()
    met_pairs: set[tuple[int, int]] = set()
    if required and members:
        required_session = aliased(Session)
        direct = aliased(Attendance)
        coaches = sa.select(Enrolment.user_id).where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(COUNTED))
        presence = presence_ranges(cohort.programme_id, coaches)
        pairs = (
            sa.select(Enrolment.id, required_session.id)
            .join(required_session, required_session.cohort_id == Enrolment.cohort_id)
            .outerjoin(
                direct,
                sa.and_(
                    direct.session_id == required_session.id,
                    direct.user_id == Enrolment.user_id,
                    direct.status == AttendanceStatus.PRESENT,
                ),
            )
            .outerjoin(
                presence,
                sa.and_(
                    presence.c.user_id == Enrolment.user_id,
                    presence.c.template_id == required_session.template_id,
                ),
            )
            .where(
                Enrolment.cohort_id == cohort.id,
                Enrolment.status.in_(COUNTED),
                required_session.id.in_([s.id for s in required]),
                sa.or_(direct.id.is_not(None), made_up(presence, Enrolment.cohort_id)),
            )
        )
        met_pairs = {(enrolment_id, session_id) for enrolment_id, session_id in db.session.execute(pairs)}
    met, not_met = [], []
    for enrolment_id, user_id, name, number in members:
        missing = [s for s in required if (enrolment_id, s.id) not in met_pairs]
        coach = AccreditedCoach(user_id, name, (number or "").strip() or None, missing)
        (not_met if missing else met).append(coach)
    to_come = [s for s in required if s.ends_at > now]
    return AccreditationList(cohort, required, met, not_met, to_come)
