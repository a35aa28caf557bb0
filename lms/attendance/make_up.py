"""Make-ups: a coach of another cohort of the programme attends a session here in place of their own.

The rules: the session has started (attendance is registered from the start), it belongs
to the same programme, and it was held on or after the coach's enrolment in the programme,
so it cannot make up for a meeting that happened before they joined. Staff may register an
exception to the last rule, only with a reason, which goes into the audit log; trainers may not.

The picker searches the coaches who could make the session up by name, those of the
session's region first, rather than listing everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from lms.attendance.models import Attendance, AttendanceStatus
from lms.attendance.services import AttendanceError, announce_progress, check_open, register
from lms.audit.labels import register as register_audit
from lms.audit.services import record
from lms.auth.models import User
from lms.cohorts.models import Cohort, Session
from lms.enrolment.completion import LEARNING, joined_after
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.i18n import to_local

register_audit(
    actions={
        "attendance.make_up_exception": (
            _l("Make-up registered as an exception"),
            _l("%(coach)s: %(session)s (%(date)s), before their enrolment: %(reason)s"),
        ),
    },
    fields={"enrolled_at": _l("Enrolled on"), "session_starts_at": _l("Session started")},
)

# Fewer letters than this find too many people to be useful.
MIN_SEARCH = 2
SEARCH_LIMIT = 15


@dataclass(frozen=True)
class Candidate:
    """A coach who could make this session up here."""

    user: User
    enrolment: Enrolment  # their own enrolment in the programme
    cohort_title: str
    same_region: bool
    # The session started before they enrolled: only staff can register it, with a reason.
    enrolled_after: bool


def candidates(session: Session, *, search: str = "", user_id: int | None = None,
               limit: int | None = SEARCH_LIMIT) -> list[Candidate]:
    """Coaches enrolled in another cohort of the programme who have not yet attended this session's counterpart.

    ``search`` matches part of the name; ``user_id`` asks about one coach. Those of the
    session's region (their own or their cohort's) come first, then by name.
    """
    if session.template_id is None:
        return []
    attended = (
        sa.select(Attendance.id)
        .join(Session, Attendance.session_id == Session.id)
        .where(
            Attendance.user_id == Enrolment.user_id,
            Attendance.status == AttendanceStatus.PRESENT,
            Session.template_id == session.template_id,
        )
    )
    here = sa.select(Attendance.id).where(Attendance.user_id == Enrolment.user_id, Attendance.session_id == session.id)
    own = aliased(Enrolment)
    member = sa.select(own.id).where(
        own.user_id == Enrolment.user_id, own.cohort_id == session.cohort_id, own.status.in_(LEARNING)
    )
    region_id = session.cohort.region_id
    same_region = sa.or_(User.region_id == region_id, Cohort.region_id == region_id)
    stmt = (
        sa.select(User, Enrolment, Cohort.title, same_region)
        .join(Enrolment, Enrolment.user_id == User.id)
        .join(Cohort, Enrolment.cohort_id == Cohort.id)
        .where(
            Enrolment.programme_id == session.cohort.programme_id,
            Enrolment.cohort_id != session.cohort_id,
            Enrolment.status == EnrolmentStatus.ENROLLED,
            ~sa.exists(attended),
            ~sa.exists(here),
            ~sa.exists(member),
        )
        .order_by(sa.case((same_region, 0), else_=1), User.name, User.id)
    )
    if user_id is not None:
        stmt = stmt.where(User.id == user_id)
    words = search.split()
    for word in words:
        stmt = stmt.where(sa.func.lower(User.name).contains(word.lower(), autoescape=True))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [
        Candidate(user, enrolment, title, bool(local), joined_after(enrolment, session))
        for user, enrolment, title, local in db.session.execute(stmt)
    ]


def search_candidates(session: Session, search: str) -> list[Candidate]:
    """The picker's answer: nothing until enough letters are typed."""
    search = (search or "").strip()
    if len(search) < MIN_SEARCH:
        return []
    return candidates(session, search=search[:100])


def add_make_up(actor: User, session: Session, user: User, now: datetime, reason: str = "") -> list:
    """Register a coach of another cohort as present here, making up their own session.

    ``reason`` is needed (and only staff may give one) when the session was held before
    the coach enrolled in the programme; the exception is recorded in the audit log.
    """
    check_open(session, now)
    found = candidates(session, user_id=user.id, limit=None)
    if not found:
        raise AttendanceError(_("This coach cannot make up this session here."))
    reason = (reason or "").strip()[:300]
    if found[0].enrolled_after:
        if not actor.is_staff:
            raise AttendanceError(_("%(name)s enrolled in the programme after this session took place, so it "
                                    "cannot count as a make-up. Staff can register an exception, with a reason.",
                                    name=user.name))
        if not reason:
            raise AttendanceError(_("%(name)s enrolled in the programme after this session took place. Give the "
                                    "reason to register it as a make-up all the same.", name=user.name), "reason")
    attendance = register(actor, session, user, AttendanceStatus.PRESENT, now)
    if found[0].enrolled_after and attendance is not None:
        params = {"coach": user.name, "session": session.title,
                  "date": to_local(session.starts_at).date().isoformat(), "reason": reason}
        record(actor, "attendance.make_up_exception", attendance, now=now,
               summary="{coach}: {session} ({date}): {reason}".format(**params), params=params,
               after={"enrolled_at": found[0].enrolment.enrolled_at or found[0].enrolment.created_at,
                      "session_starts_at": session.starts_at})
    return announce_progress(session, [user.id], now, actor)
