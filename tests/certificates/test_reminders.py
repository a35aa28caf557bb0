"""`flask lms certificate-reminders`: one mail per certificate that expires within 60 days."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from lms.certificates.reminders import send_expiry_reminders
from lms.extensions import db
from lms.notifications.models import OutboxMail
from lms.notifications.services import deliver_due


@pytest.fixture
def expiring(issue, complete, make_programme, make_cohort):
    """A certificate valid for one year, issued on 14 April 2026: valid until 14 April 2027."""

    def make(user):
        cohort = make_cohort(make_programme(validity_years=1), first=date(2026, 3, 10))
        return issue(user, enrolment=complete(user, cohort))

    return make


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 7, 0, tzinfo=timezone.utc)


def link(certificate) -> str:
    return f"http://localhost/certificates/{certificate.id}"


def mails() -> list[OutboxMail]:
    return db.session.execute(sa.select(OutboxMail).order_by(OutboxMail.id)).scalars().all()


def test_reminder_once_per_certificate_within_sixty_days(coach, expiring):
    certificate = expiring(coach)
    assert certificate.valid_until == date(2027, 4, 14)
    assert send_expiry_reminders(at(date(2027, 2, 12)), link) == 0  # 61 days before: not yet
    assert send_expiry_reminders(at(date(2027, 2, 13)), link) == 1
    db.session.commit()
    assert send_expiry_reminders(at(date(2027, 2, 20)), link) == 0
    assert send_expiry_reminders(at(date(2027, 4, 1)), link) == 0
    [mail] = mails()
    assert mail.recipient == "cora@example.org" and mail.dedupe_key == f"certificate-expiry:{certificate.id}"
    assert "14 april 2027" in mail.subject
    assert certificate.number in mail.body_text and link(certificate) in mail.body_text


def test_no_reminder_for_revoked_expired_or_renewed_certificates(coach, expiring, staff, make_user, issue,
                                                                 make_cohort, complete):
    from lms.certificates.services import revoke_certificate

    revoked = expiring(make_user(name="Rob Ingetrokken"))
    revoke_certificate(staff, revoked, "Fout", at(date(2026, 6, 1)))
    first = expiring(coach)
    db.session.commit()
    # Cora followed the training again: her newer certificate makes the reminder pointless.
    again = make_cohort(first.programme, first=date(2027, 1, 12))
    issue(coach, enrolment=complete(coach, again))
    assert send_expiry_reminders(at(date(2027, 3, 1)), link) == 0
    assert send_expiry_reminders(at(date(2027, 4, 15)), link) == 0  # already expired


def test_no_reminder_for_inactive_accounts(coach, expiring):
    expiring(coach)
    coach.is_active = False
    db.session.commit()
    assert send_expiry_reminders(at(date(2027, 3, 1)), link) == 0


def test_cli_command_queues_and_the_mail_arrives_in_the_coachs_language(app, coach, expiring, mailbox, clock):
    certificate = expiring(coach)
    coach.locale = "en"
    db.session.commit()
    import lms.certificates.cli  # noqa: F401

    clock.set(at(date(2027, 3, 1)))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "certificate-reminders"])
    assert result.exit_code == 0, result.output
    assert "queued 1" in result.output
    result = runner.invoke(args=["lms", "certificate-reminders"])
    assert "queued 0" in result.output
    db.session.expire_all()
    deliver_due(at(date(2027, 3, 1)) + timedelta(minutes=1))
    [message] = mailbox.wait_for("cora@example.org")
    assert "14 April 2027" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert certificate.number in body and f"http://localhost/certificates/{certificate.id}" in body
