"""/admin/mail: recent mails with their status, filters, resending; only for admins."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.audit.models import AuditEvent
from lms.auth.models import Role
from lms.extensions import db
from lms.notifications.models import MailStatus, OutboxMail
from tests.conftest import NOW
from tests.notifications.conftest import outbox


def add_mail(user=None, *, recipient=None, kind="welcome", status=MailStatus.SENT, attempts=1, last_error=None,
             subject="Welkom bij Welzijnscoach Academie", body="Beste Cora Coach,\n\nWelkom.", created_at=None):
    mail = OutboxMail(kind=kind, recipient=recipient or user.email, user_id=user.id if user else None,
                      subject=subject, body_text=body, body_html=f"<p>{body}</p>", status=status, attempts=attempts,
                      last_error=last_error, sent_at=NOW if status == MailStatus.SENT else None,
                      created_at=created_at or NOW)
    db.session.add(mail)
    db.session.commit()
    return mail


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, name="Ada Admin", email="ada@example.org")


@pytest.fixture
def cora(make_user):
    return make_user(Role.COACH, name="Cora Coach", email="cora@example.org")


@pytest.fixture
def failed(cora):
    return add_mail(cora, kind="session_reminder", status=MailStatus.FAILED, attempts=8,
                    subject="Herinnering: Online dagdeel op dinsdag 16 maart 2027",
                    last_error="SMTPRecipientsRefused: {'cora@example.org': (550, b'No such user')}")


def test_admins_see_recent_mails_with_status_attempts_and_error(client, auth, admin, cora, failed):
    add_mail(cora)
    auth.login(admin)
    response = client.get("/admin/mail")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>E-mail</h1>" in page
    assert "Herinnering: Online dagdeel op dinsdag 16 maart 2027" in page
    assert "Mislukt" in page and "Verzonden" in page and "Herinnering bijeenkomst" in page
    assert "No such user" in page
    assert page.index("Herinnering") < page.index("Welkom bij")  # newest first
    assert 'aria-current="page">E-mail</a>' in page  # the admin sub-navigation


def test_filters_by_status_kind_and_recipient(client, auth, admin, cora, failed, make_user):
    bram = make_user(Role.COACH, email="bram@example.org")
    add_mail(bram, subject="Welkom Bram")
    auth.login(admin)
    by_status = client.get("/admin/mail?status=failed").get_data(as_text=True)
    assert "Herinnering" in by_status and "Welkom Bram" not in by_status
    by_kind = client.get("/admin/mail?kind=welcome").get_data(as_text=True)
    assert "Welkom Bram" in by_kind and "Herinnering:" not in by_kind
    by_recipient = client.get("/admin/mail?q=BRAM").get_data(as_text=True)
    assert "Welkom Bram" in by_recipient and "Herinnering:" not in by_recipient
    nonsense = client.get("/admin/mail?status=nonsense&kind=%3Cscript%3E")
    assert nonsense.status_code == 200 and "Welkom Bram" in nonsense.get_data(as_text=True)


def test_the_filtered_table_is_an_htmx_fragment(client, auth, admin, cora, failed):
    auth.login(admin)
    response = client.get("/admin/mail?status=failed", htmx=True)
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="mail-table">')
    assert "<html" not in body and "HX-Request" in response.headers["Vary"]


def test_the_list_is_paginated_in_a_constant_number_of_queries(client, auth, admin, cora, app):
    from tests.querycount import count_queries

    app.config["PAGE_SIZE"] = 5
    add_mail(cora)
    auth.login(admin)
    with count_queries() as few:
        client.get("/admin/mail")
    for i in range(11):
        add_mail(cora, subject=f"Mail {i}")
    with count_queries() as many:
        page = client.get("/admin/mail").get_data(as_text=True)
    assert len(many) == len(few)
    assert "Pagina 1 van 3" in page
    assert "Mail 10" in page and "Mail 5" not in page


def test_the_detail_page_shows_the_text_but_never_a_password_link(client, auth, admin, cora):
    welcome = add_mail(cora, body="Beste Cora Coach,\n\nJe account is aangemaakt.")
    reset = add_mail(cora, kind="password_reset", subject="Stel je wachtwoord in",
                     body="Beste Cora,\n\nhttp://localhost/password/reset/SECRET-TOKEN")
    auth.login(admin)
    page = client.get(f"/admin/mail/{welcome.id}").get_data(as_text=True)
    assert "Je account is aangemaakt." in page and "cora@example.org" in page
    page = client.get(f"/admin/mail/{reset.id}").get_data(as_text=True)
    assert "SECRET-TOKEN" not in page and "wachtwoordlink" in page
    assert "Verstuur opnieuw" not in page and "Verstuur een kopie" not in page
    assert client.get("/admin/mail/999999").status_code == 404


def test_resending_a_failed_mail_puts_the_same_mail_back_in_the_queue(client, auth, admin, cora, failed, mailbox):
    cora.email = "cora.coach@example.org"  # the address was wrong and has been corrected since
    db.session.commit()
    auth.login(admin)
    response = client.post(f"/admin/mail/{failed.id}/resend", data={"next": "/admin/mail?status=failed"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/mail?status=failed"
    [message] = mailbox.wait_for("cora.coach@example.org")
    assert message["Message-ID"] == f"<outbox-{failed.id}@welzijnscoach-academie>"
    [mail] = outbox()
    assert mail.id == failed.id and mail.status == MailStatus.SENT and mail.attempts == 1
    assert mail.recipient == "cora.coach@example.org"
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "mail.resend")).scalar_one()
    assert event.actor_id == admin.id and event.before["status"] == "failed"
    page = client.get("/admin/mail?status=failed").get_data(as_text=True)
    assert "teruggezet" in page or "wachtrij" in page  # the flash


def test_resending_a_sent_mail_queues_a_copy_and_keeps_the_original(client, auth, admin, cora, mailbox):
    original = add_mail(cora)
    auth.login(admin)
    response = client.post(f"/admin/mail/{original.id}/resend")
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/mail/{original.id}"
    [message] = mailbox.wait_for("cora@example.org")
    mails = outbox()
    assert [m.id for m in mails] == [original.id, mails[1].id]
    assert mails[0].status == MailStatus.SENT and mails[1].status == MailStatus.SENT
    assert mails[1].subject == original.subject and mails[1].dedupe_key is None
    assert message["Message-ID"] == f"<outbox-{mails[1].id}@welzijnscoach-academie>"


def test_resend_with_htmx_returns_the_row(client, auth, admin, cora, failed, app):
    app.config["MAIL_DELIVER_AFTER_REQUEST"] = False
    auth.login(admin)
    response = client.post(f"/admin/mail/{failed.id}/resend", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="mail-{failed.id}">')
    assert "Wacht" in body and 'id="flashes"' in body
    assert "HX-Request" in response.headers["Vary"]


def test_password_mails_and_mails_in_progress_are_not_resent(client, auth, admin, cora):
    reset = add_mail(cora, kind="password_reset", status=MailStatus.FAILED, attempts=8)
    busy = add_mail(cora, status=MailStatus.SENDING)
    fresh = add_mail(cora, status=MailStatus.PENDING, attempts=0)
    auth.login(admin)
    for mail, explanation in ((busy, "wordt op dit moment verstuurd"), (fresh, "nog niet geprobeerd"),
                              (reset, "“Wachtwoord vergeten?”")):
        client.post(f"/admin/mail/{mail.id}/resend")
        assert explanation in client.get(f"/admin/mail/{mail.id}").get_data(as_text=True)
    assert len(outbox()) == 3
    assert [m.status for m in outbox()] == [MailStatus.FAILED, MailStatus.SENDING, MailStatus.PENDING]


def test_a_mail_waiting_for_its_retry_can_be_tried_now(client, auth, admin, cora, mailbox):
    waiting = add_mail(cora, status=MailStatus.PENDING, attempts=3, last_error="SMTPServerDisconnected")
    waiting.next_attempt_at = NOW + timedelta(hours=1)
    db.session.commit()
    auth.login(admin)
    assert "Probeer nu" in client.get("/admin/mail").get_data(as_text=True)
    client.post(f"/admin/mail/{waiting.id}/resend")
    mailbox.wait_for("cora@example.org")


def test_admins_see_failed_mails_on_their_start_page(client, auth, admin, cora, failed, now):
    add_mail(cora, status=MailStatus.FAILED, created_at=NOW - timedelta(days=45))  # old news
    auth.login(admin)
    page = client.get("/").get_data(as_text=True)
    assert 'id="panel-mail-failed"' in page
    assert "1 e-mail kon de afgelopen 30 dagen niet worden bezorgd." in page
    assert "/admin/mail?status=failed" in page


def test_nobody_else_sees_mail(client, auth, make_user, cora, failed):
    for role in (Role.COACH, Role.TRAINER, Role.STAFF, Role.COORDINATOR):
        auth.login(make_user(role))
        assert client.get("/admin/mail").status_code == 403
        assert client.get(f"/admin/mail/{failed.id}").status_code == 403
        assert client.post(f"/admin/mail/{failed.id}/resend").status_code == 403
        assert 'id="panel-mail-failed"' not in client.get("/").get_data(as_text=True)
        auth.logout()
    assert [m.status for m in outbox()] == [MailStatus.FAILED]
