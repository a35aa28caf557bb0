"""The coach's enrol-and-quiz journey and the trainer's attendance journey with the keyboard alone.

Nothing is clicked: focus moves with Tab, links and buttons are used with Enter, choices with
Space, and text is typed. Every element that gets the focus must be in view (not hidden or
covered), so a keyboard user can see where they are.
"""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from lms.auth.models import Role
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.i18n import to_local
from lms.learning.models import Lesson, QuizOption, QuizQuestion
from tests.conftest import NOW
from tests.factories import PASSWORD

FOCUSED_NAME = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return '';
  const label = e.labels && e.labels.length ? e.labels[0].innerText : '';
  return [e.innerText, e.value, label, e.getAttribute('aria-label')].filter(Boolean).join(' ');
}"""


def tab_to(page, text: str, max_steps: int = 120) -> None:
    """Press Tab until the focused element's name contains ``text``; it must be visible where it is."""
    for _ in range(max_steps):
        page.keyboard.press("Tab")
        try:
            name = page.evaluate(FOCUSED_NAME)
        except PlaywrightError:  # the previous Enter is still loading the next page: start there
            page.wait_for_load_state()
            continue
        if text in name:
            focused = page.locator(":focus")
            expect(focused).to_be_visible()
            expect(focused).to_be_in_viewport()
            return
    raise AssertionError(f"{text!r} cannot be reached with Tab")


def activate(page, text: str) -> None:
    tab_to(page, text)
    page.keyboard.press("Enter")
    page.wait_for_load_state()


def keyboard_login(page, email: str) -> None:
    page.goto("/login")
    tab_to(page, "E-mailadres")
    page.keyboard.type(email)
    tab_to(page, "Wachtwoord")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")


def test_coach_enrols_and_takes_a_quiz_with_the_keyboard(page, make_programme, make_cohort, make_user, now):
    programme = make_programme()
    module = programme.modules[0]
    module.lessons = [Lesson(position=1, title="Wat is Welzijn op Recept?", body="De huisarts verwijst.")]
    question = QuizQuestion(position=1, text="Wie verwijst naar de welzijnscoach?")
    question.options = [QuizOption(position=1, text="De huisarts", is_correct=True),
                        QuizOption(position=2, text="De gemeente")]
    module.questions = [question]
    db.session.commit()
    make_cohort(programme, title="Achterhoek najaar 2027", enrol_opens_at=now - timedelta(days=5))
    make_user(Role.COACH, name="Sanne Bakker", email="sanne@example.org")

    keyboard_login(page, "sanne@example.org")
    activate(page, "Trainingen")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Trainingen")
    activate(page, "Achterhoek najaar 2027")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Achterhoek najaar 2027")
    activate(page, "Inschrijven")
    expect(page.locator("#enrol-panel")).to_contain_text("Je bent ingeschreven voor deze groep.")

    activate(page, "Mijn leren")
    activate(page, "Module 1")
    activate(page, "Wat is Welzijn op Recept?")
    activate(page, "Markeer als gedaan")
    expect(page.locator("#lesson-done")).to_contain_text("Gedaan")
    activate(page, "Volgende: de quiz")
    tab_to(page, "De huisarts")
    page.keyboard.press("Space")
    expect(page.get_by_label("De huisarts")).to_be_checked()
    activate(page, "Antwoorden versturen")
    expect(page.locator(".quiz-score")).to_contain_text("Je score: 100%")


def test_trainer_registers_attendance_with_the_keyboard(page, make_programme, make_cohort, make_user):
    programme = make_programme()
    trainer = make_user(Role.TRAINER, name="Tineke Trainer", email="tineke@example.org")
    cohort = make_cohort(programme, first=to_local(NOW - timedelta(days=40)).date(), trainers=[trainer],
                         title="Groep Achterhoek")
    for name in ("Sanne Bakker", "Ruud de Vries"):
        coach = make_user(Role.COACH, name=name)
        since = cohort.starts_at - timedelta(days=20)
        db.session.add(Enrolment(cohort=cohort, user=coach, programme_id=programme.id,
                                 status=EnrolmentStatus.ENROLLED, created_at=since, enrolled_at=since))
    cohort.seats_taken = 2
    db.session.commit()
    first = cohort.sessions[0]

    keyboard_login(page, "tineke@example.org")
    page.goto(f"/sessions/{first.id}/attendance")  # typed in the address bar
    expect(page.get_by_role("heading", level=1)).to_contain_text(first.title)
    tab_to(page, "Aanwezig")  # the first coach's row, in name order: Ruud de Vries
    page.keyboard.press("Enter")
    expect(page.locator("#attendance-list")).to_contain_text("Aanwezig: 1")
    activate(page, "Iedereen aanwezig")
    expect(page.locator("#attendance-list")).to_contain_text("Aanwezig: 2")
