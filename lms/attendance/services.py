"""Registering attendance per session; completion follows through ``progress_changed``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from lms.attendance.models import Attendance, AttendanceStatus
from lms.audit.labels import register as register_audit
from lms.audit.services import record
from lms.auth.models import User
from lms.cohorts.models import Cohort, CohortStatus, Session, SessionStatus, cohort_trainer
from lms.domain import DomainError, gather, progress_changed, session_in_use
from lms.enrolment.completion import LEARNING, joined_after
from lms.enrolment.models import Enrolment
from lms.extensions import db

register_audit(
    actions={
        "attendance.set": (_l("Attendance registered"), _l("%(coach)s: %(session)s (%(date)s)")),
    },
    objects={"attendance": _l("Attendance")},
)


class AttendanceError(DomainError):
    """A rule refused the registration; ``message`` is for the user."""


def session_with_cohort(session_id: int) -> Session | None:
    return db.session.execute(
        sa.select(Session)
        .options(joinedload(Session.cohort).joinedload(Cohort.programme), joinedload(Session.cohort).joinedload(Cohort.region))
        .where(Session.id == session_id)
    ).scalar_one_or_none()


def can_register(user: User, session: Session) -> bool:
    """Staff, and the trainers of the session's cohort."""
    return user.is_staff or any(trainer.id == user.id for trainer in session.cohort.trainers)


def can_view(user: User, session: Session) -> bool:
    """Who may register, and coordinators of the cohort's region (read-only)."""
    return can_register(user, session) or session.cohort.region_id in user.coordinated_region_ids


def is_open(session: Session, now: datetime) -> bool:
    """Attendance is registered from the session's start, for sessions that take place."""
    return (
        now >= session.starts_at
        and session.status != SessionStatus.CANCELLED
        and session.cohort.status != CohortStatus.CANCELLED
    )


@dataclass
class Row:
    user: User
    enrolment: Enrolment | None  # None for a coach from another cohort (a make-up)
    attendance: Attendance | None
    joined_late: bool = False
    from_cohort: str | None = None

    @property
    def status(self) -> AttendanceStatus | None:
        return self.attendance.status if self.attendance else None


@dataclass
class Roster:
    session: Session
    members: list[Row]
    guests: list[Row]

    @property
    def unregistered(self) -> list[Row]:
        return [r for r in self.members if r.attendance is None and not r.joined_late]

    def counts(self) -> dict[str, int]:
        counts = {status.value: 0 for status in AttendanceStatus}
        for row in self.members + self.guests:
            if row.status is not None:
                counts[row.status.value] += 1
        return counts

    def row_for(self, user_id: int) -> Row | None:
        return next((r for r in self.members + self.guests if r.user.id == user_id), None)


def roster(session: Session) -> Roster:
    """The cohort's coaches and the coaches from elsewhere registered here, in three queries."""
    enrolments = db.session.execute(
        sa.select(Enrolment)
        .options(joinedload(Enrolment.user))
        .join(User, Enrolment.user_id == User.id)
        .where(Enrolment.cohort_id == session.cohort_id, Enrolment.status.in_(LEARNING))
        .order_by(User.name, User.id)
    ).scalars().all()
    attendances = {
        a.user_id: a
        for a in db.session.execute(
            sa.select(Attendance)
            .options(joinedload(Attendance.user), joinedload(Attendance.recorded_by))
            .where(Attendance.session_id == session.id)
        ).scalars()
    }
    members = [
        Row(e.user, e, attendances.get(e.user_id), joined_after(e, session)) for e in enrolments
    ]
    member_ids = {e.user_id for e in enrolments}
    guest_ids = [uid for uid in attendances if uid not in member_ids]
    origin: dict[int, str] = {}
    if guest_ids:
        for user_id, title in db.session.execute(
            sa.select(Enrolment.user_id, Cohort.title)
            .join(Cohort, Enrolment.cohort_id == Cohort.id)
            .where(
                Enrolment.user_id.in_(guest_ids),
                Enrolment.programme_id == session.cohort.programme_id,
                Enrolment.status.in_(LEARNING),
            )
            .order_by(Enrolment.id)
        ):
            origin[user_id] = title
    guests = sorted(
        (Row(attendances[uid].user, None, attendances[uid], False, origin.get(uid)) for uid in guest_ids),
        key=lambda r: (r.user.name, r.user.id),
    )
    return Roster(session, members, guests)


def register(actor: User, session: Session, user: User, status: AttendanceStatus, now: datetime) -> Attendance | None:
    """Create or change one registration; returns it, or None when nothing changed."""
    attendance = db.session.execute(
        sa.select(Attendance).where(Attendance.session_id == session.id, Attendance.user_id == user.id)
    ).scalar_one_or_none()
    before = attendance.status if attendance else None
    if before == status:
        return None
    if attendance is None:
        attendance = Attendance(session_id=session.id, user_id=user.id, status=status,
                                recorded_at=now, recorded_by_id=actor.id)
        try:
            with db.session.begin_nested():
                db.session.add(attendance)
        except sa.exc.IntegrityError:
            # Another trainer registered this coach a moment ago: change theirs instead.
            attendance = db.session.execute(
                sa.select(Attendance).where(Attendance.session_id == session.id, Attendance.user_id == user.id)
            ).scalar_one()
            before = attendance.status
            attendance.status, attendance.recorded_at, attendance.recorded_by_id = status, now, actor.id
    else:
        attendance.status, attendance.recorded_at, attendance.recorded_by_id = status, now, actor.id
    params = {"coach": user.name, "session": session.title, "date": session.starts_at.date().isoformat()}
    record(actor, "attendance.set", attendance, now=now, summary="{coach}: {session} ({date})".format(**params),
           params=params, before={"status": before}, after={"status": status})
    return attendance


def check_open(session: Session, now: datetime) -> None:
    if session.status == SessionStatus.CANCELLED or session.cohort.status == CohortStatus.CANCELLED:
        raise AttendanceError(_("This session has been cancelled; there is no attendance to register."))
    if now < session.starts_at:
        raise AttendanceError(_("Attendance can be registered from the start of the session."))


def _is_listed(session: Session, user: User) -> bool:
    """A coach of the cohort, or a coach from elsewhere who is already registered here."""
    return db.session.execute(
        sa.select(Enrolment.id).where(
            Enrolment.cohort_id == session.cohort_id, Enrolment.user_id == user.id, Enrolment.status.in_(LEARNING)
        )
    ).first() is not None or db.session.execute(
        sa.select(Attendance.id).where(Attendance.session_id == session.id, Attendance.user_id == user.id)
    ).first() is not None


def announce_progress(session: Session, user_ids: list[int], now: datetime, actor: User) -> list:
    """Tell completion (lms/completion) these coaches' attendance changed; its changes come back."""
    return gather(progress_changed, None, now=now, actor=actor, programme_id=session.cohort.programme_id,
                  user_ids=user_ids)


def set_attendance(actor: User, session: Session, user: User, status: AttendanceStatus, now: datetime) -> list:
    """Register one coach as present, absent or excused; returns the completion changes that follow."""
    check_open(session, now)
    if not _is_listed(session, user):
        raise AttendanceError(_("This coach is not on the list of this session."))
    if register(actor, session, user, status, now) is None:
        return []
    return announce_progress(session, [user.id], now, actor)


def mark_all_present(actor: User, session: Session, now: datetime) -> list:
    """Everyone of the cohort not registered yet is present; registrations already made stay.

    Coaches who enrolled after the session started are left out: they were not expected.
    """
    check_open(session, now)
    users = [row.user for row in roster(session).unregistered]
    for user in users:
        register(actor, session, user, AttendanceStatus.PRESENT, now)
    return announce_progress(session, [u.id for u in users], now, actor)


# Start page ------------------------------------------------------------------------------


@dataclass
class SessionToRegister:
    session: Session
    expected: int
    registered: int

    @property
    def missing(self) -> int:
        return max(self.expected - self.registered, 0)


def sessions_to_register(trainer: User, since: datetime, until: datetime) -> list[SessionToRegister]:
    """The trainer's sessions starting between ``since`` and ``until``, with the registrations still missing."""
    sessions = db.session.execute(
        sa.select(Session)
        .options(joinedload(Session.cohort))
        .join(Cohort, Session.cohort_id == Cohort.id)
        .join(cohort_trainer, cohort_trainer.c.cohort_id == Cohort.id)
        .where(
            cohort_trainer.c.user_id == trainer.id,
            Session.starts_at >= since,
            Session.starts_at < until,
            Session.status == SessionStatus.SCHEDULED,
            Cohort.status != CohortStatus.CANCELLED,
        )
        .order_by(Session.starts_at.desc())
    ).scalars().all()
    if not sessions:
        return []
    ids = [s.id for s in sessions]
    # Coaches who enrolled after the start are not expected (see lms.completion.services).
    expected_here = (
        Enrolment.status.in_(LEARNING),
        sa.func.coalesce(Enrolment.enrolled_at, Enrolment.created_at) <= Session.starts_at,
    )
    expected = dict(
        db.session.execute(
            sa.select(Session.id, sa.func.count(Enrolment.id))
            .join(Enrolment, Enrolment.cohort_id == Session.cohort_id)
            .where(Session.id.in_(ids), *expected_here)
            .group_by(Session.id)
        ).all()
    )
    registered = dict(
        db.session.execute(
            sa.select(Session.id, sa.func.count(Attendance.id))
            .join(Enrolment, Enrolment.cohort_id == Session.cohort_id)
            .join(Attendance, sa.and_(Attendance.session_id == Session.id, Attendance.user_id == Enrolment.user_id))
            .where(Session.id.in_(ids), *expected_here)
            .group_by(Session.id)
        ).all()
    )
    return [SessionToRegister(s, expected.get(s.id, 0), registered.get(s.id, 0)) for s in sessions]


@session_in_use.connect
def has_attendance(_sender, *, session: Session, **_kwargs) -> bool:
    """A session with attendance records is cancelled, not removed (cohorts asks before deleting)."""
    return db.session.execute(sa.select(Attendance.id).where(Attendance.session_id == session.id).limit(1)).first() \
        is not None
