"""The outbox against a real SMTP server: atomic with the change, retried, never sent twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import g

from lms.auth.models import Role
from lms.extensions import db
from lms.notifications.models import MailStatus, OutboxMail
from lms.notifications.services import backoff, deliver_due, deliver_queued_after_request, due_ids, queue_mail, send_one
from lms.notifications.worker import run_sender
from tests.conftest import NOW
from tests.mailbox import html_of, text_of
from tests.notifications.conftest import outbox, run_together


def queue_welcome(user, **extra):
    extra.setdefault("now", NOW)
    return queue_mail(kind="welcome", template="welcome", recipient=user.email, locale=user.locale,
                      user_id=user.id, context={"user": user, "url": "http://localhost/"}, **extra)


@pytest.fixture
def cora(make_user):
    return make_user(Role.COACH, name="Cora Coach", email="cora@example.org")


def test_a_committed_mail_goes_out_with_text_html_and_attachment(app, cora, mailbox):
    queue_welcome(cora, attachments=[{"filename": "a.ics", "content_type": "text/calendar",
                                      "content": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"}])
    db.session.commit()
    assert deliver_due(NOW) == 1
    [message] = mailbox.wait_for("cora@example.org")
    assert message["Subject"] == "Welkom bij Welzijnscoach Academie"
    assert message["Message-ID"] == f"<outbox-{outbox()[0].id}@welzijnscoach-academie>"
    assert "Beste Cora Coach" in text_of(message) and "Welzijnscoach Academie" in text_of(message)
    assert "<p>Beste Cora Coach,</p>" in html_of(message)
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "a.ics" and attachment.get_content_type() == "text/calendar"
    [mail] = outbox()
    assert mail.status == MailStatus.SENT and mail.attempts == 1 and mail.sent_at is not None
    assert deliver_due(NOW) == 0  # nothing left, nothing twice
    assert len(mailbox.messages) == 1


def test_a_rolled_back_transaction_sends_nothing(app, cora, mailbox):
    queue_welcome(cora)
    db.session.flush()  # even written to the table, inside the transaction
    db.session.rollback()
    assert outbox() == []
    assert deliver_due(NOW) == 0
    assert mailbox.messages == []


def test_delivery_after_the_request_sends_only_what_was_committed(app, cora, mailbox):
    with app.test_request_context("/"):
        committed = queue_welcome(cora)
        db.session.commit()
        queue_mail(kind="welcome", template="welcome", recipient="rolled@example.org", context={"user": cora, "url": "x"},
                   now=NOW)
        db.session.flush()
        db.session.rollback()
        queue_mail(kind="welcome", template="welcome", recipient="forgotten@example.org",
                   context={"user": cora, "url": "x"}, now=NOW)
        db.session.flush()  # neither committed nor rolled back by the request
        deliver_queued_after_request()
        assert "queued_mail" not in g
    assert [m["To"] for m in mailbox.wait_for("cora@example.org")] == ["cora@example.org"]
    assert mailbox.to("rolled@example.org") == [] and mailbox.to("forgotten@example.org") == []
    # Sending commits; what the request left uncommitted must not be committed with it.
    assert [m.id for m in outbox()] == [committed.id]


def test_a_failed_attempt_is_retried_after_a_pause(app, cora, mailbox):
    queue_welcome(cora)
    db.session.commit()
    now = NOW
    mailbox.fail_next = 1  # the server answers 451: try again later
    assert deliver_due(now) == 0
    [mail] = outbox()
    assert mail.status == MailStatus.PENDING and mail.attempts == 1
    assert "451" in mail.last_error
    assert mail.next_attempt_at == now + backoff(1) == now + timedelta(minutes=1)
    assert deliver_due(now + timedelta(seconds=30)) == 0  # not due yet
    assert deliver_due(now + timedelta(minutes=1)) == 1
    db.session.refresh(mail)
    assert mail.status == MailStatus.SENT and mail.attempts == 2 and mail.last_error is None
    assert len(mailbox.wait_for("cora@example.org")) == 1


def test_backoff_doubles_up_to_six_hours():
    assert [backoff(n).total_seconds() / 60 for n in range(1, 11)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 360]


def test_a_mail_that_keeps_failing_ends_failed(app, cora, mailbox):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    queue_welcome(cora)
    db.session.commit()
    mailbox.fail_next = 10
    moment = NOW
    for _attempt in range(5):
        deliver_due(moment)
        moment += timedelta(hours=7)
    [mail] = outbox()
    assert mail.status == MailStatus.FAILED and mail.attempts == 3 and "451" in mail.last_error
    assert mailbox.messages == []


def test_a_refused_recipient_fails_at_once(app, cora, mailbox, monkeypatch):
    async def handle_RCPT(server, session, envelope, address, options):
        if address == "cora@example.org":
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    monkeypatch.setattr(mailbox.controller.handler, "handle_RCPT", handle_RCPT, raising=False)
    queue_welcome(cora)
    db.session.commit()
    assert deliver_due(NOW) == 0
    [mail] = outbox()
    assert mail.status == MailStatus.FAILED and mail.attempts == 1 and "550" in mail.last_error


def test_an_unreachable_server_is_recorded_and_retried(app, cora, mailbox):
    from tests.mailbox import free_port

    app.config["MAIL_PORT"] = free_port()  # nobody listens there
    queue_welcome(cora)
    db.session.commit()
    now = NOW
    assert deliver_due(now) == 0
    [mail] = outbox()
    assert mail.status == MailStatus.PENDING and "ConnectionRefusedError" in mail.last_error
    app.config["MAIL_PORT"] = mailbox.port
    assert deliver_due(now + timedelta(minutes=1)) == 1


def test_a_stale_claim_of_a_dead_sender_is_taken_over(app, cora, mailbox):
    mail = queue_welcome(cora)
    db.session.commit()
    now = NOW
    mail.status, mail.attempts, mail.locked_until = MailStatus.SENDING, 1, now + timedelta(minutes=5)
    db.session.commit()
    assert deliver_due(now) == 0  # another sender is on it
    assert deliver_due(now + timedelta(minutes=6)) == 1  # it died: taken over
    db.session.refresh(mail)
    assert mail.status == MailStatus.SENT and mail.attempts == 2


def test_a_sender_that_lost_its_claim_does_not_overwrite_the_outcome(app, cora, mailbox, monkeypatch):
    """A sender slower than the claim time finds its mail taken over and leaves the record alone."""
    import lms.notifications.services as services

    mail = queue_welcome(cora)
    db.session.commit()
    now = NOW
    real_send = services.send_message

    def slow_send(message):
        # While this sender talks to the server, its claim expires and another sender takes over.
        db.session.execute(sa.update(OutboxMail).values(attempts=OutboxMail.attempts + 1,
                                                        locked_until=now + timedelta(minutes=20)))
        db.session.commit()
        real_send(message)

    monkeypatch.setattr(services, "send_message", slow_send)
    assert send_one(mail.id, now) is True
    db.session.refresh(mail)
    assert mail.status == MailStatus.SENDING and mail.attempts == 2  # the newer claim stands


def test_the_same_dedupe_key_is_queued_once(app, cora):
    first = queue_welcome(cora, dedupe_key="welcome:1")
    assert first is not None
    assert queue_welcome(cora, dedupe_key="welcome:1") is None
    db.session.commit()
    assert queue_welcome(cora, dedupe_key="welcome:1") is None
    assert queue_welcome(cora, dedupe_key="welcome:2") is not None
    db.session.commit()
    assert [m.dedupe_key for m in outbox()] == ["welcome:1", "welcome:2"]


def test_two_senders_at_once_send_every_mail_exactly_once(app, make_user, mailbox):
    users = [make_user(Role.COACH, email=f"crowd{i}@example.org") for i in range(30)]
    for user in users:
        queue_welcome(user)
    db.session.commit()

    sent = run_together(app, 4, lambda _i: deliver_due(NOW))

    assert sum(sent) == 30
    assert len(mailbox.messages) == 30
    assert len({m["Message-ID"] for m in mailbox.messages}) == 30
    assert sorted(str(m["To"]) for m in mailbox.messages) == sorted(u.email for u in users)
    db.session.expire_all()
    assert {(m.status, m.attempts) for m in outbox()} == {(MailStatus.SENT, 1)}


def test_a_sender_behind_another_finds_nothing_left_to_send(app, cora, make_user, mailbox):
    """The second sender read the same due list, but every claim it tries is already taken."""
    queue_welcome(cora)
    queue_welcome(make_user(Role.COACH, email="bram@example.org"))
    db.session.commit()
    now = NOW
    late_list = due_ids(now)
    assert len(late_list) == 2
    assert run_together(app, 1, lambda _i: deliver_due(now)) == [2]
    assert [send_one(mail_id, now) for mail_id in late_list] == [False, False]
    assert len(mailbox.messages) == 2


def test_send_mail_command_sends_what_is_due(app, cora, mailbox):
    queue_welcome(cora)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["lms", "send-mail"])
    assert result.exit_code == 0, result.output
    assert "sent 1 mail(s)" in result.output
    assert len(mailbox.wait_for("cora@example.org")) == 1


def test_the_worker_keeps_sending_until_stopped(app, cora, mailbox):
    stop = threading.Event()
    done: list[int] = []

    def worker():
        with app.app_context():
            done.append(run_sender(loop=True, interval=0.05, echo=lambda _line: None, stop=stop))

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        queue_welcome(cora)
        db.session.commit()
        mailbox.wait_for("cora@example.org")
    finally:
        stop.set()
        thread.join(timeout=10)
    assert done == [1]
