"""Telling staff and the coach by email that a completion no longer holds."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.auth.models import Role, User, UserRole
from lms.certificates.services import current_certificate_of
from lms.cohorts.models import Session
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.notifications.services import queue_mail, register_kinds
from lms.programmes.models import Programme
from lms.urls import external_url

register_kinds({
    "completion_withdrawn": _l("Completion withdrawn (staff)"),
    "completion_withdrawn_coach": _l("Completion withdrawn"),
})


def staff_recipients(programme: Programme) -> list[tuple[str, str, int | None]]:
    """(email, locale, user id): the programme's contact address, else every active staff member."""
    if programme.contact_email:
        return [(programme.contact_email, "nl", None)]
    staff = db.session.execute(
        sa.select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.STAFF, User.is_active.is_(True), User.erased_at.is_(None))
        .order_by(User.id)
    ).scalars().all()
    return [(user.email, user.locale, user.id) for user in staff]


def tell_staff(enrolment: Enrolment, missing: list[Session], reopened: bool, now: datetime) -> None:
    """Queue the mail: the sessions now missing, and whether the enrolment was opened again."""
    context = {
        "enrolment": enrolment,
        "coach": enrolment.user,
        "cohort": enrolment.cohort,
        "programme": enrolment.programme,
        "certificate": current_certificate_of(enrolment.id),
        "missing": missing,
        "reopened": reopened,
        "url": external_url("learning.cohort_progress", cohort_id=enrolment.cohort_id),
    }
    for email, locale, user_id in staff_recipients(enrolment.programme):
        queue_mail(kind="completion_withdrawn", template="completion_withdrawn", recipient=email,
                   locale=locale, user_id=user_id, context=context, now=now)


def tell_coach(enrolment: Enrolment, missing: list[Session], now: datetime) -> None:
    """The coach's own mail: the completion is withdrawn, what is still needed, where to see progress.

    Nothing about certificates: whether one is revoked is for staff to decide, and the coach
    is told by the certificate's own mail when it is.
    """
    coach = enrolment.user
    if not coach.is_active or coach.erased_at is not None:
        return
    queue_mail(kind="completion_withdrawn_coach", template="completion_withdrawn_coach", recipient=coach.email,
               locale=coach.locale, user_id=coach.id, now=now,
               context={"coach": coach, "cohort": enrolment.cohort, "programme": enrolment.programme,
                        "missing": missing, "url": external_url("learning.index")})
