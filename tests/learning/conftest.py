"""A small programme with lessons and a quiz, a cohort whose sessions lie in the past, and helpers."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from lms.attendance.models import Attendance, AttendanceStatus
from lms.auth.models import Role
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.i18n import to_local
from lms.learning.models import Lesson, LessonCompletion, QuizAttempt, QuizOption, QuizQuestion
from tests.conftest import NOW
from tests.factories import add_enrolment


@pytest.fixture
def course(app, make_programme, make_cohort, make_user, region):
    """Module 1: two lessons and a quiz (one single-answer and one multi-answer question);
    module 2: one lesson, no quiz. The cohort's three sessions are 40, 26 and 5 days ago."""
    programme = make_programme(contact_email="opleidingen@example.org")
    m1, m2 = programme.modules
    m1.pass_mark = 50
    m1.lessons = [Lesson(position=1, title="Wat is Welzijn op Recept?", body="## Inleiding\n\nTekst."),
                  Lesson(position=2, title="Jouw rol", body="- luisteren\n- doorvragen")]
    q1 = QuizQuestion(position=1, text="Wie verwijst?", explanation="De huisarts of POH verwijst.")
    q1.options = [QuizOption(position=1, text="De huisarts", is_correct=True), QuizOption(position=2, text="De gemeente")]
    q2 = QuizQuestion(position=2, text="Welke klachten passen?")
    q2.options = [QuizOption(position=1, text="Eenzaamheid", is_correct=True),
                  QuizOption(position=2, text="Geldzorgen", is_correct=True),
                  QuizOption(position=3, text="Een gebroken been")]
    m1.questions = [q1, q2]
    m2.lessons = [Lesson(position=1, title="Samenwerken", body="Korte lijnen.")]
    db.session.commit()
    trainer = make_user(Role.TRAINER, name="Tineke Trainer")
    first = to_local(NOW).date() - timedelta(days=40)
    cohort = make_cohort(programme, first=first, trainers=[trainer], title="Groep Achterhoek")
    return {"programme": programme, "m1": m1, "m2": m2, "q1": q1, "q2": q2, "cohort": cohort,
            "sessions": cohort.sessions, "trainer": trainer}


@pytest.fixture
def enrol(app):
    def make(cohort, user, at: datetime | None = None, status=EnrolmentStatus.ENROLLED) -> Enrolment:
        enrolment = add_enrolment(cohort, user, status, at=at or (cohort.starts_at - timedelta(days=30)))
        db.session.commit()
        return enrolment

    return make


@pytest.fixture
def finish_modules(app):
    """Mark every lesson done and pass every quiz of the programme for the user."""

    def finish(user, programme, when: datetime | None = None):
        when = when or NOW
        for module in programme.modules:
            for lesson in module.lessons:
                db.session.add(LessonCompletion(user_id=user.id, lesson_id=lesson.id, completed_at=when))
            if module.questions:
                db.session.add(QuizAttempt(user_id=user.id, module_id=module.id, submitted_at=when, score=100,
                                           is_passed=True, answers={}))
        db.session.commit()

    return finish


@pytest.fixture
def attend(app):
    def record(session, user, status=AttendanceStatus.PRESENT, by=None):
        db.session.add(Attendance(session_id=session.id, user_id=user.id, status=status,
                                  recorded_at=session.starts_at, recorded_by_id=by.id if by else None))
        db.session.commit()

    return record
