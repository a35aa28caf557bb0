"""Anonymising an account (by an admin, on request or directly).

It removes what identifies the person and keeps the rows the figures are made of: the
enrolments, the attendance and the municipality stay, linked to the anonymised account, so
the figures per region and municipality of past cohorts stay exactly the same. Seats in
cohorts that have not ended are given up as if the coach cancelled (the waitlist moves up).
Certificates are revoked with the reason "Account verwijderd" and lose the holder's name and
registration number (see lms/certificates/personal_data.py).

Each feature does its own part (lms/privacy/registry.py); this module puts them in order.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.audit.labels import register as register_audit
from lms.audit.personal_data import events_about, events_by
from lms.audit.services import record
from lms.auth.models import Role, User, UserRole
from lms.auth.personal_data import ANONYMOUS_NAME, anonymise_account, placeholder_email
from lms.extensions import db
from lms.notifications.personal_data import drop_mails
from lms.privacy.models import ErasureRequest, ErasureStatus
from lms.privacy.registry import Erasure, Impact, steps
from lms.privacy.services import PrivacyError, pending_request_of, scrub

register_audit(
    actions={"user.anonymise": (_l("Account removed"), _l("%(name)s #%(user)s"))},
    fields={
        "cancelled_enrolments": _l("Enrolments cancelled"),
        "kept_enrolments": _l("Enrolments kept"),
        "certificates_revoked": _l("Certificates revoked"),
    },
)


def account_removed_reason() -> str:
    """The revocation and cancellation reason, stored in the platform's language (Dutch)."""
    with force_locale("nl"):
        return _("Account removed")


def anonymise_problem(actor: User, user: User) -> str | None:
    """Why ``actor`` may not anonymise ``user``, or None."""
    if user.erased_at is not None:
        return _("This account has already been removed.")
    if user.id == actor.id:
        return _("You cannot remove your own account.")
    if user.has_role(Role.ADMIN) and user.is_active:
        others = db.session.execute(
            sa.select(sa.func.count(User.id))
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.ADMIN, User.id != user.id, User.is_active.is_(True),
                   User.erased_at.is_(None))
        ).scalar_one()
        if not others:
            return _("This is the last active administrator; their account cannot be removed.")
    return None


def anonymise_impact(user: User, now: datetime) -> Impact:
    """What anonymising ``user`` now would do, as each feature tells it."""
    impact = Impact(pending_request=pending_request_of(user))
    for step in steps():
        if step.preview is not None:
            step.preview(user, now, impact)
    return impact


def _close_requests(actor: User, user: User, now: datetime, note: str) -> None:
    for request in db.session.execute(
        sa.select(ErasureRequest).where(ErasureRequest.user_id == user.id)
    ).scalars():
        request.reason = None
        if request.is_pending:
            request.status = ErasureStatus.DONE
            request.decided_at = now
            request.decided_by_id = actor.id
            request.note = (note or "").strip()[:1000] or None


def anonymise_user(actor: User, user: User, now: datetime, note: str = "") -> Impact:
    """Remove what identifies ``user`` and keep what the figures are made of.

    Kept, linked to the anonymised account: enrolments, attendance, learning progress and
    the municipality (the figures per region and municipality count them). Given up: seats
    in cohorts that have not ended (as if cancelled, so the waitlist moves up). Removed:
    name, address, registration number, organisation, password, sessions, roles, calendar
    token and follows, interest registrations, unsent mails, attendance notes. Certificates
    are revoked ("Account verwijderd") and lose the name and registration number.
    """
    problem = anonymise_problem(actor, user)
    if problem:
        raise PrivacyError(problem)
    impact = anonymise_impact(user, now)
    old_names = [user.name, user.email]
    erasure = Erasure(actor=actor, user=user, now=now, reason=account_removed_reason(), impact=impact)
    for step in steps():
        step.erase(erasure)
    # Mails not yet sent are dropped (also the cancellation notices just queued); sent ones
    # keep kind, subject and times for the mail log, without address and content.
    drop_mails(user.id, placeholder_email(user.id))
    db.session.flush()
    db.session.expire_all()

    user = db.session.get(User, user.id)
    anonymise_account(user, now)
    _close_requests(actor, user, now, note)
    about = [("user", [user.id])] + [step.about(user.id) for step in steps() if step.about is not None]
    scrub(events_about(about), old_names)
    # What the person did themselves may be about others: only their own name goes.
    scrub(events_by(user.id), old_names, values=False)
    db.session.flush()
    record(actor, "user.anonymise", user, now=now, summary=f"{ANONYMOUS_NAME} #{user.id}",
           params={"name": ANONYMOUS_NAME, "user": user.id},
           after={"cancelled_enrolments": len(impact.cancelled), "kept_enrolments": impact.kept_enrolments,
                  "certificates_revoked": impact.certificates_revoked,
                  "request_id": impact.pending_request.id if impact.pending_request else None})
    return impact
