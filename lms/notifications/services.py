"""The transactional outbox: mails are rows written with the change that causes them.

``queue_mail`` only adds a row to the current transaction, so a rolled-back change
sends nothing and a committed one is never lost. ``deliver_due`` claims rows one
at a time with a conditional UPDATE, so two senders never send the same mail.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g, render_template
from flask_babel import force_locale

from lms.db import utcnow
from lms.extensions import db
from lms.mail import build_message, send_message
from lms.notifications.models import MailStatus, OutboxMail

log = logging.getLogger(__name__)

CLAIM_SECONDS = 300


def queue_mail(
    *,
    kind: str,
    template: str,
    recipient: str,
    locale: str = "nl",
    user_id: int | None = None,
    context: dict | None = None,
    attachments: list[dict] | None = None,
    dedupe_key: str | None = None,
    now: datetime | None = None,
) -> OutboxMail:
    """Render ``templates/mail/<template>.{txt,html}`` in the recipient's language and queue it."""
    context = dict(context or {})
    with force_locale(locale):
        subject = render_template(f"mail/{template}.subject.txt", **context).strip()
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", subject=subject, **context)
    mail = OutboxMail(
        kind=kind,
        recipient=recipient,
        user_id=user_id,
        subject=" ".join(subject.split()),
        body_text=text,
        body_html=html,
        attachments=attachments or [],
        dedupe_key=dedupe_key,
        status=MailStatus.PENDING,
        next_attempt_at=now or utcnow(),
    )
    db.session.add(mail)
    if "queued_mail" not in g:
        g.queued_mail = []
    g.queued_mail.append(mail)
    return mail


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes between attempts, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claim(mail_id: int, now: datetime) -> bool:
    claimable = sa.or_(
        sa.and_(OutboxMail.status == MailStatus.PENDING, OutboxMail.next_attempt_at <= now),
        # A sender that died mid-send leaves a stale claim behind; it may be taken over.
        sa.and_(OutboxMail.status == MailStatus.SENDING, OutboxMail.locked_until < now),
    )
    result = db.session.execute(
        sa.update(OutboxMail)
        .where(OutboxMail.id == mail_id, claimable)
        .values(
            status=MailStatus.SENDING,
            locked_until=now + timedelta(seconds=CLAIM_SECONDS),
            attempts=OutboxMail.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def send_one(mail_id: int, now: datetime | None = None) -> bool:
    """Claim and send one mail; returns whether this call sent it."""
    now = now or utcnow()
    if not _claim(mail_id, now):
        return False
    mail = db.session.get(OutboxMail, mail_id, populate_existing=True)
    try:
        message = build_message(
            recipient=mail.recipient,
            subject=mail.subject,
            text=mail.body_text,
            html=mail.body_html,
            attachments=mail.attachments or [],
            message_id=f"<outbox-{mail.id}@welzijnscoach-academie>",
        )
        send_message(message)
    except Exception as exc:  # noqa: BLE001 - every transport failure is recorded and retried
        log.warning("mail %s to %s failed (attempt %s): %s", mail.id, mail.recipient, mail.attempts, exc)
        mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        mail.locked_until = None
        if mail.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            mail.status = MailStatus.FAILED
        else:
            mail.status = MailStatus.PENDING
            mail.next_attempt_at = utcnow() + backoff(mail.attempts)
        db.session.commit()
        return False
    mail.status = MailStatus.SENT
    mail.sent_at = utcnow()
    mail.locked_until = None
    mail.last_error = None
    db.session.commit()
    return True


def due_ids(now: datetime, limit: int = 100) -> list[int]:
    return list(
        db.session.execute(
            sa.select(OutboxMail.id)
            .where(
                sa.or_(
                    sa.and_(OutboxMail.status == MailStatus.PENDING, OutboxMail.next_attempt_at <= now),
                    sa.and_(OutboxMail.status == MailStatus.SENDING, OutboxMail.locked_until < now),
                )
            )
            .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
            .limit(limit)
        ).scalars()
    )


def deliver_due(now: datetime | None = None, limit: int = 100) -> int:
    """Send every mail that is due; returns how many this call sent."""
    now = now or utcnow()
    sent = 0
    for mail_id in due_ids(now, limit):
        if send_one(mail_id, now):
            sent += 1
    return sent


def deliver_queued_after_request() -> None:
    """Development and tests: send what this request queued, right after it committed."""
    queued = g.pop("queued_mail", None)
    if not queued or not current_app.config["MAIL_DELIVER_AFTER_REQUEST"]:
        return
    # A mail whose transaction was rolled back has no identity any more: nothing to send.
    identities = [sa.inspect(mail).identity for mail in queued]
    for mail_id in [identity[0] for identity in identities if identity]:
        try:
            send_one(mail_id)
        except Exception:  # noqa: BLE001 - the outbox keeps it; the worker retries later
            db.session.rollback()
            log.exception("delivering mail %s after the request failed", mail_id)
