"""Privacy (AVG/GDPR): erasure requests, which an admin decides on, and names taken out of the audit log.

The rest of privacy, also in the README: the data export (lms/privacy/export.py),
anonymising an account (lms/privacy/erasure.py) and retention (lms/privacy/retention.py),
each made of the features' own parts (lms/privacy/registry.py).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from lms.audit.labels import register as register_audit
from lms.audit.models import AuditEvent
from lms.audit.services import record
from lms.auth.models import User
from lms.auth.personal_data import ANONYMOUS_NAME
from lms.domain import DomainError
from lms.extensions import db
from lms.notifications.services import queue_mail, register_kinds
from lms.privacy.models import ErasureRequest, ErasureStatus
from lms.urls import external_url

register_kinds({
    "erasure_requested": _l("Removal of the account requested"),
    "erasure_rejected": _l("Removal request declined"),
})

register_audit(
    actions={
        "privacy.erasure_requested": (_l("Removal of the account requested"), _l("Request %(request)s")),
        "privacy.erasure_withdrawn": (_l("Removal request withdrawn"), _l("Request %(request)s")),
        "privacy.erasure_rejected": (_l("Removal request declined"), _l("Request %(request)s")),
    },
    fields={"request_id": _l("Request"), "note": _l("Note")},
)


class PrivacyError(DomainError):
    """A privacy rule refused an action; the message is for the user."""


def _record(actor: User, action: str, request: ErasureRequest, now: datetime, **after) -> None:
    record(actor, action, request.user, now=now, summary=f"#{request.id}", params={"request": request.id},
           after={"request_id": request.id, **after})


def _mail(request: ErasureRequest, kind: str, now: datetime) -> None:
    """Tell the user what happened to their request, with a link to their privacy page."""
    user = request.user
    queue_mail(kind=kind, template=kind, recipient=user.email, locale=user.locale, user_id=user.id, now=now,
               context={"user": user, "erasure": request, "url": external_url("privacy.index")})


def pending_request_of(user: User) -> ErasureRequest | None:
    return db.session.execute(
        sa.select(ErasureRequest).where(
            ErasureRequest.user_id == user.id, ErasureRequest.status == ErasureStatus.PENDING
        )
    ).scalar_one_or_none()


def request_erasure(user: User, reason: str | None, now: datetime) -> ErasureRequest:
    """Ask for the account to be erased; an admin decides. A confirmation mail is queued."""
    if user.erased_at is not None:
        raise PrivacyError(_("This account has already been removed."))
    if pending_request_of(user) is not None:
        raise PrivacyError(_("You have already asked for your account to be removed."))
    request = ErasureRequest(user=user, requested_at=now, reason=(reason or "").strip()[:1000] or None,
                             status=ErasureStatus.PENDING)
    db.session.add(request)
    db.session.flush()
    _record(user, "privacy.erasure_requested", request, now)
    _mail(request, "erasure_requested", now)
    return request


def withdraw_request(user: User, now: datetime) -> ErasureRequest:
    request = pending_request_of(user)
    if request is None:
        raise PrivacyError(_("There is no open request to withdraw."))
    request.status = ErasureStatus.WITHDRAWN
    request.decided_at = now
    request.decided_by_id = user.id
    _record(user, "privacy.erasure_withdrawn", request, now)
    return request


def reject_request(actor: User, request: ErasureRequest, note: str, now: datetime) -> ErasureRequest:
    """Decline a request, with the reason the user will read."""
    note = (note or "").strip()
    if not note:
        raise PrivacyError(_("Give the reason."), "note")
    if not request.is_pending:
        raise PrivacyError(_("This request has already been decided."))
    request.status = ErasureStatus.REJECTED
    request.decided_at = now
    request.decided_by_id = actor.id
    request.note = note[:1000]
    _record(actor, "privacy.erasure_rejected", request, now, note=request.note)
    _mail(request, "erasure_rejected", now)
    return request


def erasure_request_list_query(status: str = ErasureStatus.PENDING.value):
    stmt = (
        sa.select(ErasureRequest)
        .options(joinedload(ErasureRequest.user).selectinload(User.municipality),
                 joinedload(ErasureRequest.decided_by))
        .order_by(ErasureRequest.requested_at.desc(), ErasureRequest.id.desc())
    )
    if status in {s.value for s in ErasureStatus}:
        stmt = stmt.where(ErasureRequest.status == ErasureStatus(status))
    return stmt


def pending_count() -> int:
    return db.session.execute(
        sa.select(sa.func.count(ErasureRequest.id)).where(ErasureRequest.status == ErasureStatus.PENDING)
    ).scalar_one()


# The audit log -----------------------------------------------------------------------------

# Keys of before/after values that identify a person.
PERSONAL_KEYS = frozenset({"name", "email", "registration_number", "holder_name"})


def scrub(events, names: list[str], values: bool = True) -> None:
    """Put the anonymous name for these names and addresses in the events' summaries and
    parameters, and (with ``values``) blank personal before/after values.

    The audit log is append-only for the app (lms/audit/models.py refuses ORM changes);
    this and ``move_actor`` are the one deliberate exception, written as plain UPDATE
    statements: the GDPR's right to erasure outweighs keeping a removed person's name in the log.
    """
    names = [n for n in {n.strip() for n in names} if n]
    for event in list(events):
        changes = {}
        summary = event.summary or ""
        for n in names:
            summary = summary.replace(n, ANONYMOUS_NAME)
        if summary != (event.summary or ""):
            changes["summary"] = summary
        if isinstance(event.params, dict):
            params = {k: (ANONYMOUS_NAME if isinstance(v, str) and v.strip() in names else v)
                      for k, v in event.params.items()}
            if params != event.params:
                changes["params"] = params
        for attr in ("before", "after") if values else ():
            current = getattr(event, attr)
            if isinstance(current, dict) and PERSONAL_KEYS & current.keys():
                changes[attr] = {k: (None if k in PERSONAL_KEYS else v) for k, v in current.items()}
        if changes:
            db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == event.id).values(**changes))
            db.session.expire(event)


def move_actor(old_id: int, new_id: int, object_type: str, ids) -> None:
    """What ``old_id`` did to these objects is recorded as done by ``new_id`` (a placeholder)."""
    db.session.execute(sa.update(AuditEvent).where(
        AuditEvent.actor_id == old_id, AuditEvent.object_type == object_type,
        AuditEvent.object_id.in_(ids)).values(actor_id=new_id))
