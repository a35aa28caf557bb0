"""Expiry reminders: a mail to the holder once, some weeks before a certificate expires."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from lms.auth.models import User
from lms.certificates.facts import certified
from lms.certificates.models import Certificate
from lms.certificates.services import today_on
from lms.extensions import db
from lms.notifications.services import queue_mail

REMINDER_DAYS = 60


def due_for_reminder(now: datetime, within_days: int = REMINDER_DAYS):
    """Certificates in force that expire within ``within_days`` and were not yet reminded.

    A holder who already has a later certificate for the same programme is left alone.
    """
    today = today_on(now)
    newer = aliased(Certificate)
    return (
        sa.select(Certificate)
        .join(User, User.id == Certificate.user_id)
        .where(
            Certificate.revoked_at.is_(None),
            Certificate.expiry_reminded_at.is_(None),
            Certificate.valid_until.is_not(None),
            Certificate.valid_until >= today,
            Certificate.valid_until <= today + timedelta(days=within_days),
            User.is_active.is_(True),
            User.erased_at.is_(None),
            ~sa.exists().where(
                newer.user_id == Certificate.user_id,
                newer.programme_id == Certificate.programme_id,
                newer.id != Certificate.id,
                newer.revoked_at.is_(None),
                sa.or_(newer.valid_until.is_(None), newer.valid_until > Certificate.valid_until),
            ),
        )
        .options(joinedload(Certificate.user))
        .order_by(Certificate.valid_until, Certificate.id)
    )


def claim_reminder(certificate: Certificate, now: datetime) -> bool:
    """Mark the reminder as sent, unless another run already did: True for the one that may send."""
    result = db.session.execute(
        sa.update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.expiry_reminded_at.is_(None))
        .values(expiry_reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def send_expiry_reminders(now: datetime, url_for_certificate, within_days: int = REMINDER_DAYS) -> int:
    """Queue one mail per certificate that expires soon; returns how many were queued.

    ``url_for_certificate(certificate)`` gives the link for the mail (built by the caller,
    which knows the public address).
    """
    sent = 0
    for certificate in db.session.execute(due_for_reminder(now, within_days)).unique().scalars().all():
        if not claim_reminder(certificate, now):
            continue
        user = certificate.user
        queue_mail(
            kind="certificate_expiry",
            template="certificate_expiry",
            recipient=user.email,
            locale=user.locale,
            user_id=user.id,
            context={
                "user": user,
                "certificate": certificate,
                "facts": certified(certificate),
                "url": url_for_certificate(certificate),
            },
            dedupe_key=f"certificate-expiry:{certificate.id}",
            now=now,
        )
        sent += 1
    return sent
