"""Change notices and the mail page in a real browser: staff cancel a session, an admin resends a failed mail."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from lms.auth.models import Role
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.notifications.models import MailStatus, OutboxMail
from tests.factories import PASSWORD
from tests.mailbox import text_of


def login(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")


def test_staff_cancel_a_session_and_the_coach_and_trainer_are_told(page, make_user, make_cohort, mailbox):
    make_user(Role.STAFF, email="stella@example.org", name="Stella Staf")
    trainer = make_user(Role.TRAINER, email="tim@example.org", name="Tim Trainer")
    coach = make_user(Role.COACH, email="cora@example.org", name="Cora Coach")
    cohort = make_cohort(first=date(2027, 3, 16), title="Groep Achterhoek", trainers=[trainer])
    db.session.add(Enrolment(cohort=cohort, user=coach, programme_id=cohort.programme_id,
                             status=EnrolmentStatus.ENROLLED))
    db.session.commit()
    meeting = cohort.sessions[1]

    login(page, "stella@example.org")
    page.goto(f"/staff/sessions/{meeting.id}/cancel")
    expect(page.locator(".confirm-box")).to_contain_text("Cora Coach")
    page.get_by_label("Reden").fill("De zaal is niet beschikbaar")
    page.get_by_role("button", name="Bijeenkomst annuleren").click()
    expect(page.locator(".flash-success")).to_contain_text("geannuleerd")

    [mail] = mailbox.wait_for("cora@example.org")
    assert mail["Subject"] == "Geannuleerd: Bijeenkomst 1 op 30 maart 2027 (Groep Achterhoek)"
    assert "Reden: De zaal is niet beschikbaar" in text_of(mail)
    assert "dinsdag 30 maart 2027, 13:30–17:00" in text_of(mail)
    [attachment] = list(mail.iter_attachments())
    assert b"STATUS:CANCELLED" in attachment.get_payload(decode=True)
    [trainer_mail] = mailbox.wait_for("tim@example.org")
    assert "Cora" not in text_of(trainer_mail)


def test_admin_finds_a_failed_mail_and_sends_it_again(page, make_user, mailbox):
    make_user(Role.ADMIN, email="ada@example.org", name="Ada Admin")
    coach = make_user(Role.COACH, email="cora@example.org", name="Cora Coach")
    failed = OutboxMail(kind="session_reminder", recipient=coach.email, user_id=coach.id,
                        subject="Herinnering: Online dagdeel op dinsdag 16 maart 2027 (Groep Achterhoek)",
                        body_text="Beste Cora Coach,\n\nBinnenkort is de volgende bijeenkomst.",
                        body_html="<p>Beste Cora Coach,</p>", status=MailStatus.FAILED, attempts=8,
                        last_error="SMTPServerDisconnected: Connection unexpectedly closed")
    sent = OutboxMail(kind="welcome", recipient="bram@example.org", subject="Welkom bij Welzijnscoach Academie",
                      body_text="Beste Bram,", body_html="<p>Beste Bram,</p>", status=MailStatus.SENT, attempts=1)
    db.session.add_all([failed, sent])
    db.session.commit()

    login(page, "ada@example.org")
    panel = page.locator("#panel-mail-failed")
    expect(panel).to_contain_text("1 e-mail kon de afgelopen 30 dagen niet worden bezorgd.")
    panel.get_by_role("link", name="Bekijk de mislukte e-mails").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("E-mail")
    table = page.locator("#mail-table")
    expect(table).to_contain_text("Connection unexpectedly closed")
    expect(table).not_to_contain_text("bram@example.org")

    page.wait_for_load_state()  # htmx listens from the load on: typing earlier would go unheard
    page.get_by_label("Ontvanger").fill("bram")  # filters as you type
    expect(table).to_contain_text("Geen e-mails gevonden met deze filters.")
    page.get_by_label("Status").select_option("")
    expect(table).to_contain_text("bram@example.org")
    page.get_by_label("Ontvanger").fill("cora")
    expect(table).not_to_contain_text("bram@example.org")

    row = page.locator(f"#mail-{failed.id}")
    row.get_by_role("button", name="Verstuur opnieuw").click()
    expect(page.locator(".flash-success")).to_contain_text("staat weer in de wachtrij")
    expect(page.locator(f"#mail-{failed.id}")).to_contain_text("Wacht")
    [message] = mailbox.wait_for("cora@example.org")
    assert str(message["Subject"]).strip().startswith("Herinnering: Online dagdeel")  # folded: 78 characters
    page.reload()
    expect(page.locator(f"#mail-{failed.id}")).to_contain_text("Verzonden")

    page.get_by_role("link", name="Herinnering: Online dagdeel").click()
    expect(page.locator(".mail-body")).to_contain_text("Binnenkort is de volgende bijeenkomst.")
