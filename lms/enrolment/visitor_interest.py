"""Interest of visitors without an account: by e-mail, double opt-in, unsubscribe without login.

A visitor leaves an address for a region (and, if they like, one programme). They get a
mail with a signed confirmation link; only a confirmed wish is told when a group opens
there (``notify_visitors`` in lms/enrolment/interest.py), once. Every mail carries a
signed unsubscribe link that deletes the wish. The answer to the form is the same whether
the address was known or not, so it reveals nothing about who registered.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from lms.enrolment.models import VisitorInterest
from lms.extensions import db
from lms.notifications.services import queue_mail, register_kinds
from lms.programmes.models import Programme
from lms.regions.models import Region
from lms.urls import external_url

register_kinds({
    "interest_confirm": _l("Interest: confirm the address"),
    "interest_cohort_open": _l("New group in the region"),
})

CONFIRM_SALT = "visitor-interest-confirm"
UNSUBSCRIBE_SALT = "visitor-interest-unsubscribe"


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _digest(email: str) -> str:
    # Binds a link to the address too: a row id used again later does not answer an old link.
    return hashlib.sha256(email.encode()).hexdigest()[:16]


def token_for(interest: VisitorInterest, salt: str) -> str:
    return _serializer(salt).dumps([interest.id, _digest(interest.email)])


def interest_for_token(token: str, salt: str) -> VisitorInterest | None:
    """The wish a signed link names, or None when the link is forged or the wish is gone."""
    try:
        interest_id, digest = _serializer(salt).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    interest = db.session.get(VisitorInterest, interest_id) if isinstance(interest_id, int) else None
    if interest is None or _digest(interest.email) != digest:
        return None
    return interest


def is_signed(token: str, salt: str) -> bool:
    """Whether the link was made by us (the wish it names may be gone since)."""
    try:
        _serializer(salt).loads(token)
    except (BadSignature, ValueError, TypeError):
        return False
    return True


def confirmable(interest: VisitorInterest, now: datetime) -> bool:
    """A confirmation link works for VISITOR_INTEREST_CONFIRM_DAYS after the wish was left (by the app's clock)."""
    days = current_app.config["VISITOR_INTEREST_CONFIRM_DAYS"]
    return interest.is_confirmed or now - interest.created_at < timedelta(days=days)


def unsubscribe_url(interest: VisitorInterest) -> str:
    return external_url("enrolment.visitor_unsubscribe", token=token_for(interest, UNSUBSCRIBE_SALT))


def mail_visitor(interest: VisitorInterest, *, kind: str, template: str, now: datetime, context: dict) -> None:
    """Queue a mail to the visitor in the language they used, with the unsubscribe link."""
    queue_mail(kind=kind, template=template, recipient=interest.email, locale=interest.locale, now=now,
               context={"interest": interest, "unsubscribe_url": unsubscribe_url(interest), **context})


def normalise(email: str) -> str:
    return email.strip().lower()


def register_visitor_interest(email: str, region: Region, programme: Programme | None, locale: str,
                              now: datetime) -> VisitorInterest:
    """Ask the address to confirm the wish; a wish already confirmed and waiting is left as it is."""
    email = normalise(email)
    interest = db.session.execute(
        sa.select(VisitorInterest).where(
            VisitorInterest.email == email, VisitorInterest.region_id == region.id,
            VisitorInterest.programme_id.is_(None) if programme is None
            else VisitorInterest.programme_id == programme.id,
        ).order_by(VisitorInterest.id).limit(1)
    ).scalar_one_or_none()
    if interest is not None and interest.is_confirmed and interest.notified_at is None:
        return interest  # nothing to confirm: no mail, and the page says the same as always
    if interest is None:
        interest = VisitorInterest(email=email, region=region, programme=programme, created_at=now)
        db.session.add(interest)
    else:  # told before, or never confirmed: a new wish that needs (again) a confirmation
        interest.created_at, interest.confirmed_at, interest.notified_at = now, None, None
    interest.locale = locale
    db.session.flush()
    mail_visitor(interest, kind="interest_confirm", template="interest_confirm", now=now, context={
        "region": region, "programme": programme,
        "confirm_url": external_url("enrolment.visitor_confirm", token=token_for(interest, CONFIRM_SALT)),
        "days": current_app.config["VISITOR_INTEREST_CONFIRM_DAYS"],
    })
    return interest


def confirm_visitor_interest(interest: VisitorInterest, now: datetime) -> bool:
    """Confirm the address; False when it was confirmed already."""
    if interest.confirmed_at is not None:
        return False
    interest.confirmed_at = now
    return True


def unsubscribe_visitor(interest: VisitorInterest) -> None:
    db.session.delete(interest)


def purge_visitor_interest(now: datetime) -> int:
    """Delete wishes never confirmed within the confirmation time, and those told long enough ago."""
    days = current_app.config["VISITOR_INTEREST_CONFIRM_DAYS"]
    kept = current_app.config["VISITOR_INTEREST_KEEP_DAYS"]
    return db.session.execute(sa.delete(VisitorInterest).where(sa.or_(
        sa.and_(VisitorInterest.confirmed_at.is_(None), VisitorInterest.created_at < now - timedelta(days=days)),
        sa.and_(VisitorInterest.notified_at.is_not(None), VisitorInterest.notified_at < now - timedelta(days=kept)),
    ))).rowcount
