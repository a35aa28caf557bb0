"""The holder is told: certificate issued (link and PDF), revoked (public reason only), reissued (new link)."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask_babel import force_locale
from pypdf import PdfReader

from lms.audit.labels import summary_text
from lms.audit.models import AuditEvent
from lms.certificates.models import RevocationReason
from lms.certificates.services import issue_for_completion, reissue_certificate, revoke_certificate
from lms.extensions import db
from lms.notifications.models import OutboxMail
from lms.notifications.services import deliver_due
from tests.mailbox import html_of, text_of


def label(reason: RevocationReason) -> str:
    with force_locale("nl"):
        return str(reason.label)


def mails(kind: str) -> list[OutboxMail]:
    return list(db.session.execute(sa.select(OutboxMail).where(OutboxMail.kind == kind)).scalars())


def test_issued_mail_has_the_link_and_the_pdf(app, coach, complete, now, mailbox):
    enrolment = complete(coach)
    certificate = issue_for_completion(None, enrolment, now)
    db.session.commit()
    [queued] = mails("certificate_issued")
    assert queued.recipient == "cora@example.org" and queued.user_id == coach.id
    # The PDF is made when the mail goes out, not in the request that completed the coach.
    assert queued.attachments == [{"make": "certificate_pdf", "args": {"certificate_id": certificate.id, "locale": "nl"},
                                   "filename": f"certificaat-{certificate.number}.pdf",
                                   "content_type": "application/pdf"}]
    deliver_due(now)
    [message] = mailbox.wait_for("cora@example.org")
    for body in (text_of(message), html_of(message)):
        assert f"http://localhost/certificates/{certificate.id}" in body
        assert f"http://localhost/verify/{certificate.verification_id}" in body
        assert certificate.number in body
    [pdf] = [part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == f"certificaat-{certificate.number}.pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_content())).pages)
    assert certificate.number in text and "Cora Coach" in text


def test_the_pdf_is_left_out_when_the_certificate_is_gone(app, coach, complete, now, mailbox):
    certificate = issue_for_completion(None, complete(coach), now)
    db.session.commit()
    mail = mails("certificate_issued")[0]
    mail.attachments = [dict(mail.attachments[0], args={"certificate_id": certificate.id + 1000, "locale": "nl"})]
    db.session.commit()
    deliver_due(now)
    [message] = mailbox.wait_for("cora@example.org")
    assert not list(message.iter_attachments())


def test_revoked_mail_gives_the_public_reason_and_never_the_note(app, coach, issue, staff, now, mailbox):
    certificate = issue(coach)
    revoke_certificate(staff, certificate, "Intern: dubbel ingevoerd door Piet", now,
                       reason=RevocationReason.ISSUED_IN_ERROR)
    db.session.commit()
    deliver_due(now)
    [message] = mailbox.wait_for("cora@example.org")
    assert certificate.number in message["Subject"]
    for body in (text_of(message), html_of(message)):
        assert label(RevocationReason.ISSUED_IN_ERROR) in body
        assert "dubbel ingevoerd" not in body and "Piet" not in body
        assert f"http://localhost/verify/{certificate.verification_id}" in body


def test_reissued_mail_gives_the_new_link_and_no_revoke_mail(app, coach, issue, staff, now, mailbox):
    old = issue(coach)
    new = reissue_certificate(staff, old, "Naam gecorrigeerd", now)
    db.session.commit()
    assert mails("certificate_revoked") == []
    deliver_due(now)
    [message] = mailbox.wait_for("cora@example.org")
    body = text_of(message)
    assert f"http://localhost/certificates/{new.id}" in body and new.number in body and old.number in body
    assert "Naam gecorrigeerd" not in body


def test_no_mail_for_an_inactive_account(app, coach, issue, staff, now):
    certificate = issue(coach)
    coach.is_active = False
    db.session.commit()
    revoke_certificate(staff, certificate, "Fout", now)
    db.session.commit()
    assert mails("certificate_revoked") == []


def test_revoke_through_the_page_mails_the_holder(client, auth, coach, issue, staff, mailbox):
    certificate = issue(coach)
    auth.login(staff)
    response = client.post(f"/staff/certificates/{certificate.id}/revoke",
                           data={"reason": "Geen presentielijst", "public_reason": "requirements_not_met"})
    assert response.status_code == 303
    [message] = mailbox.wait_for("cora@example.org")
    assert label(RevocationReason.REQUIREMENTS_NOT_MET) in text_of(message)
    assert "presentielijst" not in text_of(message)


def test_the_audit_log_stores_the_code_and_shows_the_words(app, coach, issue, staff, now):
    certificate = issue(coach)
    revoke_certificate(staff, certificate, "Dubbel ingevoerd", now, reason=RevocationReason.ISSUED_IN_ERROR)
    db.session.commit()
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "certificate.revoke")).scalar_one()
    assert event.params == {"number": certificate.number, "public_reason": "issued_in_error",
                            "reason": "Dubbel ingevoerd"}
    assert event.after["public_reason"] == "issued_in_error" and event.after["revoke_reason"] == "Dubbel ingevoerd"
    with force_locale("nl"):
        assert summary_text(event) == f"{certificate.number}: {label(RevocationReason.ISSUED_IN_ERROR)} (Dubbel ingevoerd)"
