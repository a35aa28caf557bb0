"""The outbox's part in privacy: a person's mails in their export, and dropped on erasure.

Privacy (a higher floor) calls these; see lms/privacy/registry.py.
"""

from __future__ import annotations

import sqlalchemy as sa

from lms.audit.services import plain
from lms.extensions import db
from lms.notifications.models import MailStatus, OutboxMail


def export_mails(user_id: int) -> list[dict]:
    mails = db.session.execute(
        sa.select(OutboxMail.kind, OutboxMail.subject, OutboxMail.recipient, OutboxMail.created_at,
                  OutboxMail.sent_at, OutboxMail.status)
        .where(OutboxMail.user_id == user_id)
        .order_by(OutboxMail.created_at, OutboxMail.id)
    ).all()
    return [
        {"kind": kind, "subject": subject, "to": recipient, "queued_at": plain(created), "sent_at": plain(sent),
         "status": plain(status)}
        for kind, subject, recipient, created, sent, status in mails
    ]


def drop_mails(user_id: int, address: str) -> None:
    """Mails not yet sent are dropped; sent ones keep kind, subject and times for the mail log,
    sent to ``address`` (one that receives nothing), without content."""
    db.session.execute(sa.delete(OutboxMail).where(
        OutboxMail.user_id == user_id, OutboxMail.status.in_([MailStatus.PENDING, MailStatus.FAILED])))
    db.session.execute(sa.update(OutboxMail).where(OutboxMail.user_id == user_id,
                                                   OutboxMail.status == MailStatus.SENT)
                       .values(recipient=address, body_text="", body_html=None, attachments=[]))
