"""Notifications: the mail outbox is for admins only (bodies hold other people's personal data)."""

from __future__ import annotations

from tests.access import ADMIN, Route, p


def extend_world(w: dict) -> None:
    from lms.extensions import db
    from lms.notifications.models import MailStatus, OutboxMail

    coach = w["users"]["coach"]
    sent = OutboxMail(kind="welcome", recipient=coach.email, user_id=coach.id, subject="Welkom",
                      body_text="Hallo Cora", body_html="<p>Hallo Cora</p>", status=MailStatus.SENT, attempts=1)
    failed = OutboxMail(kind="session_reminder", recipient=coach.email, user_id=coach.id, subject="Herinnering",
                        body_text="Hallo Cora", body_html="<p>Hallo Cora</p>", status=MailStatus.FAILED,
                        attempts=8, last_error="SMTPDataError: (451, b'Try again later')")
    db.session.add_all([sent, failed])
    db.session.flush()
    w["mail_id"] = sent.id
    w["failed_mail_id"] = failed.id


ROUTES = [
    Route("notifications.outbox", "GET", p("/admin/mail"), ADMIN),
    Route("notifications.mail", "GET", p("/admin/mail/{mail_id}"), ADMIN),
    Route("notifications.resend_view", "POST", p("/admin/mail/{failed_mail_id}/resend"), ADMIN),
]
