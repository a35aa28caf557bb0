"""Telling the holder: a certificate issued (with its PDF), revoked (with the public reason), reissued.

The internal note of a revocation never goes into these mails; the public reason does,
in the holder's language. Nobody is mailed for an account that is inactive or removed.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from lms.auth.models import User
from lms.certificates.facts import certified
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.notifications.services import queue_mail, register_kinds
from lms.urls import external_url

register_kinds({
    "certificate_issued": _l("Certificate issued"),
    "certificate_revoked": _l("Certificate revoked"),
    "certificate_reissued": _l("Certificate reissued"),
    "certificate_expiry": _l("Certificate expires"),  # lms/certificates/reminders.py
})


def _holder(certificate: Certificate) -> User | None:
    user = db.session.get(User, certificate.user_id) if certificate.user_id is not None else None
    if user is None or not user.is_active or user.erased_at is not None:
        return None
    return user


def _page(certificate: Certificate) -> str:
    return external_url("certificates.show", certificate_id=certificate.id)


def _verify(certificate: Certificate) -> str:
    return external_url("certificates.verify", verification_id=certificate.verification_id)


def _badge(certificate: Certificate) -> str:
    return external_url("certificates.openbadge", verification_id=certificate.verification_id, form="png")


def _send(kind: str, certificate: Certificate, user: User, now: datetime, attachments=None, **context) -> None:
    queue_mail(
        kind=kind, template=kind, recipient=user.email, locale=user.locale, user_id=user.id,
        context={"user": user, "certificate": certificate, "facts": certified(certificate),
                 "url": _page(certificate), "verify_url": _verify(certificate),
                 "badge_url": _badge(certificate), **context},
        attachments=attachments, dedupe_key=f"{kind}:{certificate.id}", now=now,
    )


def tell_issued(certificate: Certificate, now: datetime) -> None:
    """The link to the certificate, with the PDF attached (made when the mail goes out)."""
    user = _holder(certificate)
    if user is None:
        return
    pdf = {"make": "certificate_pdf", "args": {"certificate_id": certificate.id, "locale": user.locale},
           "filename": certificate.pdf_filename, "content_type": "application/pdf"}
    _send("certificate_issued", certificate, user, now, attachments=[pdf])


def tell_revoked(certificate: Certificate, now: datetime) -> None:
    """The certificate no longer counts, and why (the public reason only)."""
    user = _holder(certificate)
    if user is not None:
        _send("certificate_revoked", certificate, user, now, reason=certificate.public_reason.label)


def tell_reissued(replacement: Certificate, old: Certificate, now: datetime) -> None:
    """The new certificate's link; the old one now says it was replaced."""
    user = _holder(replacement)
    if user is not None:
        _send("certificate_reissued", replacement, user, now, old=old)
