"""A coach completes all modules, a trainer marks attendance, and the coach sees "afgerond"."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from lms.auth.models import Role
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.i18n import to_local
from lms.learning.models import Lesson, QuizOption, QuizQuestion
from tests.conftest import NOW
from tests.factories import PASSWORD


def login(page, email):
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")


def logout(page):
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.locator(".flash")).to_contain_text("Je bent uitgelogd")


def test_coach_completes_trainer_registers_coach_sees_afgerond(page, make_programme, make_cohort, make_user):
    programme = make_programme()
    first_module, second_module = programme.modules
    first_module.lessons = [Lesson(position=1, title="Wat is Welzijn op Recept?", body="## Inleiding\n\nDe huisarts verwijst.")]
    question = QuizQuestion(position=1, text="Wie verwijst naar de welzijnscoach?")
    question.options = [QuizOption(position=1, text="De huisarts", is_correct=True),
                        QuizOption(position=2, text="De gemeente")]
    first_module.questions = [question]
    second_module.lessons = [Lesson(position=1, title="Samenwerken met de POH", body="Korte lijnen.")]
    trainer = make_user(Role.TRAINER, name="Tineke Trainer", email="tineke@example.org")
    coach = make_user(Role.COACH, name="Sanne Bakker", email="sanne@example.org")
    cohort = make_cohort(programme, first=to_local(NOW - timedelta(days=40)).date(), trainers=[trainer],
                         title="Groep Achterhoek")
    enrolled = cohort.starts_at - timedelta(days=20)
    db.session.add(Enrolment(cohort=cohort, user=coach, programme_id=programme.id, status=EnrolmentStatus.ENROLLED,
                             created_at=enrolled, enrolled_at=enrolled))
    cohort.seats_taken = 1
    db.session.commit()

    # The coach follows both modules.
    login(page, "sanne@example.org")
    page.get_by_role("link", name="Mijn leren").first.click()
    expect(page.get_by_role("heading", name="Nog nodig om af te ronden")).to_be_visible()
    page.get_by_role("link", name="Module 1").first.click()
    page.get_by_role("link", name="Wat is Welzijn op Recept?").click()
    expect(page.get_by_role("heading", name="Inleiding")).to_be_visible()
    page.get_by_role("button", name="Markeer als gedaan").click()
    expect(page.locator("#lesson-done")).to_contain_text("Gedaan")  # swapped in by htmx, no reload
    page.get_by_role("link", name="Volgende: de quiz").click()
    page.get_by_label("De huisarts").check()
    page.get_by_role("button", name="Antwoorden versturen").click()
    expect(page.locator(".quiz-score")).to_contain_text("Je score: 100%")
    expect(page.locator(".quiz-score")).to_contain_text("Gehaald.")
    page.get_by_role("button", name="Volgende module: Module 2").click()
    page.get_by_role("link", name="Samenwerken met de POH").click()
    page.get_by_role("button", name="Markeer als gedaan").click()
    expect(page.locator("#lesson-done")).to_contain_text("Gedaan")
    page.goto("/learn")
    expect(page.locator(".enrolment-status")).to_contain_text("Bezig")
    logout(page)

    # The trainer registers everyone present at each session, from the start page.
    login(page, "tineke@example.org")
    for session in cohort.sessions:
        page.goto(f"/sessions/{session.id}/attendance")
        expect(page.get_by_role("heading", level=1)).to_contain_text(session.title)
        page.get_by_role("button", name="Iedereen aanwezig").click()
        expect(page.locator("#attendance-list")).to_contain_text("Aanwezig: 1")
        expect(page.get_by_role("button", name="Iedereen aanwezig")).to_have_count(0)
    expect(page.locator(".flash-success").last).to_contain_text("Sanne Bakker heeft Basistraining welzijnscoach nu afgerond")
    logout(page)

    # The coach sees the training completed.
    login(page, "sanne@example.org")
    page.goto("/learn")
    expect(page.locator(".enrolment-status")).to_contain_text("Afgerond")
    expect(page.get_by_role("heading", name="Nog nodig om af te ronden")).to_have_count(0)
