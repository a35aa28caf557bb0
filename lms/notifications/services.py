"""The transactional outbox: mails are rows written with the change that causes them.

``queue_mail`` only adds a row to the caller's transaction, so a rolled-back change
sends nothing and a committed one is never lost. Senders (``flask lms send-mail``,
and in development the request itself) claim one row at a time with a conditional
UPDATE that only one of them can win, so two senders never send the same mail.

Delivery is at least once: a sender that dies after the SMTP server accepted a mail
but before it recorded that leaves a stale claim, which is taken over after
CLAIM_SECONDS and sent again (with the same Message-ID, so mail clients can tell).

A failed attempt is retried with back-off; a mail refused for good (a 5xx for the
recipient or the content) or failing MAIL_MAX_ATTEMPTS times ends ``failed``, which
admins see on /admin/mail and on their start page.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from lms import clock
from lms.audit.labels import register as register_audit
from lms.audit.services import record
from lms.domain import DomainError
from lms.extensions import db
from lms.mail import build_message, send_message
from lms.notifications.kinds import register_kinds as register_kinds  # for the features that queue mail
from lms.notifications.models import MailStatus, OutboxMail
from lms.web import after_commit

register_audit(
    actions={
        "mail.resend": (_l("Mail sent again"), _l("%(kind)s #%(mail)s → %(recipient)s")),
    },
    objects={"outboxmail": _l("Mail")},
    fields={
        "recipient": _l("Recipient"),
        "attempts": _l("Attempts"),
        "copy_of": _l("Copy of mail"),
    },
)

log = logging.getLogger(__name__)

# How long a claim holds before another sender may take the mail over; far longer than
# one SMTP conversation (MAIL_TIMEOUT is per socket operation).
CLAIM_SECONDS = 300
# Mails whose body carries a password link: never shown on the admin page, never resent.
SECRET_KINDS = frozenset({"password_reset", "invitation"})


class MailError(DomainError):
    """An admin action on a mail was refused; the message is for the user."""


# Queueing --------------------------------------------------------------------------------


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
    now: datetime,
) -> OutboxMail | None:
    """Render ``templates/mail/<template>.{subject.txt,txt,html}`` in the recipient's language and queue it.

    With a ``dedupe_key`` the mail is queued at most once, whatever runs at the same
    time: None means a mail with that key already exists (or is being queued by a
    transaction that has not committed yet).
    """
    context = dict(context or {})
    with force_locale(locale):
        subject = render_template(f"mail/{template}.subject.txt", **context).strip()
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", subject=subject, **context)
    values = {
        "created_at": now,
        "kind": kind,
        "recipient": recipient,
        "user_id": user_id,
        "subject": " ".join(subject.split())[:300],
        "body_text": text,
        "body_html": html,
        "attachments": attachments or [],
        "dedupe_key": dedupe_key,
        "status": MailStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
    }
    if dedupe_key is None:
        mail = OutboxMail(**values)
        db.session.add(mail)
    else:
        mail = _insert_once(values)
        if mail is None:
            return None
    _remember(mail)
    return mail


def _insert_once(values: dict) -> OutboxMail | None:
    """INSERT ... ON CONFLICT (dedupe_key) DO NOTHING, in the caller's transaction.

    A concurrent transaction inserting the same key makes this one wait for it and then
    do nothing (PostgreSQL), or wait for its write lock and then find the row (SQLite).
    """
    db.session.flush()  # rows this one refers to (a user made in the same transaction) go first
    table = OutboxMail.__table__
    dialect = db.session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
        stmt = insert.values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)
        new_id = db.session.execute(stmt).scalar_one_or_none()
        return db.session.get(OutboxMail, new_id) if new_id is not None else None
    try:  # other databases: the unique constraint still decides, inside a savepoint
        with db.session.begin_nested():
            mail = OutboxMail(**values)
            db.session.add(mail)
        return mail
    except sa.exc.IntegrityError:
        return None


def _remember(mail: OutboxMail) -> None:
    # For delivery right after the request (development); the worker does not need it.
    if "queued_mail" not in g:
        g.queued_mail = []
    g.queued_mail.append(mail)


# Sending ---------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes between attempts, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claimable(now: datetime):
    return sa.or_(
        sa.and_(OutboxMail.status == MailStatus.PENDING, OutboxMail.next_attempt_at <= now),
        # A sender that died mid-send leaves a stale claim behind; it may be taken over.
        sa.and_(OutboxMail.status == MailStatus.SENDING, OutboxMail.locked_until < now),
    )


def _claim(mail_id: int, now: datetime) -> int | None:
    """Take the mail for this sender; returns the attempt number, or None when another has it.

    One UPDATE with the claimable condition in its WHERE: PostgreSQL makes a second
    sender wait for the first one's row lock and then re-checks the condition (which no
    longer holds); SQLite lets one writer at a time. Either way only one UPDATE matches.
    """
    attempt = db.session.execute(
        sa.update(OutboxMail)
        .where(OutboxMail.id == mail_id, _claimable(now))
        .values(
            status=MailStatus.SENDING,
            locked_until=now + timedelta(seconds=CLAIM_SECONDS),
            attempts=OutboxMail.attempts + 1,
        )
        .returning(OutboxMail.attempts)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    db.session.commit()
    return attempt


def _settle(mail_id: int, attempt: int, **values) -> bool:
    """Record the outcome, unless the claim went stale and another sender took the mail over."""
    result = db.session.execute(
        sa.update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.status == MailStatus.SENDING, OutboxMail.attempts == attempt)
        .values(locked_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def is_permanent(exc: Exception) -> bool:
    """A refusal that trying again will not change: the recipient or the content refused with 5xx."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(code >= 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return False


def message_for(mail: OutboxMail):
    return build_message(
        recipient=mail.recipient,
        subject=mail.subject,
        text=mail.body_text,
        html=mail.body_html,
        attachments=mail.attachments or [],
        # Stable per row: a mail sent twice after a crash is recognisably the same mail.
        message_id=f"<outbox-{mail.id}@welzijnscoach-academie>",
    )


def send_one(mail_id: int, now: datetime) -> bool:
    """Claim and send one mail; returns whether this call sent it."""
    attempt = _claim(mail_id, now)
    if attempt is None:
        return False
    mail = db.session.get(OutboxMail, mail_id, populate_existing=True)
    try:
        send_message(message_for(mail))
    except Exception as exc:  # noqa: BLE001 - every transport failure is recorded and retried
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if is_permanent(exc) or attempt >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            log.error("mail %s (%s) failed for good after %s attempt(s): %s", mail_id, mail.kind, attempt, error)
            _settle(mail_id, attempt, status=MailStatus.FAILED, last_error=error)
        else:
            log.warning("mail %s (%s) failed (attempt %s), retrying: %s", mail_id, mail.kind, attempt, error)
            _settle(mail_id, attempt, status=MailStatus.PENDING, last_error=error,
                    next_attempt_at=now + backoff(attempt))
        return False
    _settle(mail_id, attempt, status=MailStatus.SENT, sent_at=now, last_error=None)
    return True


def due_ids(now: datetime, limit: int = 100) -> list[int]:
    return list(
        db.session.execute(
            sa.select(OutboxMail.id)
            .where(_claimable(now))
            .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
            .limit(limit)
        ).scalars()
    )


def deliver_due(now: datetime, limit: int = 100,
                should_stop: Callable[[], bool] = lambda: False) -> int:
    """Send every mail that is due at ``now``, batch after batch; returns how many this call sent."""
    sent = 0
    tried: set[int] = set()
    while not should_stop():
        batch = [mail_id for mail_id in due_ids(now, limit) if mail_id not in tried]
        if not batch:
            break
        for mail_id in batch:
            if should_stop():
                break
            tried.add(mail_id)
            if send_one(mail_id, now):
                sent += 1
    return sent


@after_commit
def deliver_queued_after_request() -> None:
    """Development and tests: send what this request queued, right after it committed."""
    queued = g.pop("queued_mail", None)
    if not queued or not current_app.config["MAIL_DELIVER_AFTER_REQUEST"]:
        return
    # Whatever the request did not commit is given up here, as the teardown would; sending
    # commits, and must not commit that by accident. Mails added in the rolled-back
    # transaction lose their identity and are not sent.
    db.session.rollback()
    ids = [identity[0] for identity in (sa.inspect(mail).identity for mail in queued) if identity]
    for mail_id in ids:
        try:
            send_one(mail_id, clock.now())
        except Exception:  # noqa: BLE001 - the outbox keeps it; the worker retries later
            db.session.rollback()
            log.exception("delivering mail %s after the request failed", mail_id)


# The admin page --------------------------------------------------------------------------


def outbox_query(*, status: str = "", kind: str = "", search: str = ""):
    """Recent mails first, filtered by status, kind and recipient."""
    stmt = sa.select(OutboxMail).order_by(OutboxMail.id.desc())
    if status in {s.value for s in MailStatus}:
        stmt = stmt.where(OutboxMail.status == MailStatus(status))
    if kind:
        stmt = stmt.where(OutboxMail.kind == kind)
    search = (search or "").strip().lower()
    if search:
        stmt = stmt.where(sa.func.lower(OutboxMail.recipient).like(f"%{search}%"))
    return stmt


def status_counts() -> dict[MailStatus, int]:
    rows = db.session.execute(sa.select(OutboxMail.status, sa.func.count()).group_by(OutboxMail.status)).all()
    counts = {status: 0 for status in MailStatus}
    counts.update({MailStatus(status): number for status, number in rows})
    return counts


def known_kinds() -> list[str]:
    return list(db.session.execute(sa.select(OutboxMail.kind).distinct().order_by(OutboxMail.kind)).scalars())


def failed_count(since: datetime | None = None) -> int:
    stmt = sa.select(sa.func.count()).select_from(OutboxMail).where(OutboxMail.status == MailStatus.FAILED)
    if since is not None:
        stmt = stmt.where(OutboxMail.created_at >= since)
    return db.session.execute(stmt).scalar_one()


def shows_body(mail: OutboxMail) -> bool:
    return mail.kind not in SECRET_KINDS


def current_address(mail: OutboxMail) -> str:
    """Where a resent mail goes: the account's address now (it may have been corrected), else the old one."""
    if mail.user_id is not None:
        user = mail.user
        if user is not None and user.is_active and user.erased_at is None and user.email:
            return user.email
    return mail.recipient


def can_resend(mail: OutboxMail) -> bool:
    """Sent and failed mails, and mails waiting for a retry; never one with a password link."""
    if mail.kind in SECRET_KINDS:
        return False
    return mail.status in (MailStatus.SENT, MailStatus.FAILED) or (
        mail.status == MailStatus.PENDING and mail.attempts > 0)


def _record_resend(actor, mail: OutboxMail, copy: OutboxMail, now: datetime, **values) -> None:
    params = {"kind": mail.kind, "mail": mail.id, "recipient": copy.recipient}
    record(actor, "mail.resend", copy, now=now, summary="{kind} #{mail} → {recipient}".format(**params),
           params=params, **values)


def resend(actor, mail: OutboxMail, now: datetime) -> OutboxMail:
    """Send a mail again, to the account's current address.

    A mail that has not gone out (failed, or waiting for its next attempt) goes back in
    the queue as it is, due now and with a fresh set of attempts: the same row, so it
    can never go out twice. A mail that was sent is queued again as a copy (a new row, no dedupe key),
    and the original keeps its history. Mails with a password link are refused: the
    link has expired by the time anyone resends it.
    """
    if mail.kind in SECRET_KINDS:
        raise MailError(_("This mail contains a password link, which expires. "
                          "The person can ask for a new one with “Forgot your password?” on the login page."))
    if mail.status == MailStatus.SENDING:
        raise MailError(_("This mail is being sent right now."))
    if mail.status == MailStatus.PENDING and mail.attempts == 0:
        raise MailError(_("This mail has not been tried yet; it goes out with the next round of the sender."))
    recipient = current_address(mail)
    if mail.status == MailStatus.SENT:
        copy = OutboxMail(
            created_at=now, kind=mail.kind, recipient=recipient, user_id=mail.user_id, subject=mail.subject,
            body_text=mail.body_text, body_html=mail.body_html, attachments=list(mail.attachments or []),
            status=MailStatus.PENDING, attempts=0, next_attempt_at=now,
        )
        db.session.add(copy)
        db.session.flush()
        _record_resend(actor, mail, copy, now, before={"copy_of": mail.id}, after={"recipient": recipient})
        _remember(copy)
        return copy
    before = {"status": mail.status.value, "attempts": mail.attempts, "recipient": mail.recipient}
    reset = db.session.execute(
        sa.update(OutboxMail)
        .where(OutboxMail.id == mail.id, OutboxMail.status.in_([MailStatus.FAILED, MailStatus.PENDING]))
        .values(status=MailStatus.PENDING, attempts=0, next_attempt_at=now, locked_until=None, recipient=recipient)
        .execution_options(synchronize_session=False)
    )
    if reset.rowcount != 1:
        raise MailError(_("This mail was changed in the meantime. Please reload the page."))
    db.session.expire(mail)
    _record_resend(actor, mail, mail, now, before=before,
                   after={"status": "pending", "attempts": 0, "recipient": recipient})
    _remember(mail)
    return mail
