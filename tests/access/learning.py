"""Routes of learning: the coach's pages, content editing and the cohort progress grid."""

from __future__ import annotations

from decimal import Decimal

from lms.extensions import db
from lms.learning.models import Lesson, QuizAttempt
from lms.programmes.models import Module, Programme
from tests.access import COACH, LOGGED_IN, STAFF, Route, p

READERS = frozenset({"coach", "trainer", "staff", "admin"})  # enrolled coach, trainer of a cohort, staff
COHORT_VIEWERS = frozenset({"trainer", "staff", "admin", "coordinator"})


def extend_world(w):
    """A programme the coach is not enrolled in, and a quiz attempt of the coach."""
    other = Programme(title="Verdieping", slug="verdieping-learning-access", net_hours=Decimal("3"))
    module = Module(position=1, title="Andere module")
    module.lessons.append(Lesson(position=1, title="Andere les", body="Tekst"))
    other.modules.append(module)
    db.session.add(other)
    attempt = QuizAttempt(user_id=w["users"]["coach"].id, module_id=w["module_id"], score=0, is_passed=False,
                          answers={})
    db.session.add(attempt)
    db.session.flush()
    w.update(foreign_module_id=module.id, foreign_lesson_id=module.lessons[0].id, attempt_id=attempt.id,
             learner_id=w["users"]["coach"].id)


def _question(w):
    return {"text": "Nieuwe vraag?", "option_0": "Ja", "correct_0": "y", "option_1": "Nee"}


ROUTES: list[Route] = [
    # the coach's pages
    Route("learning.index", "GET", p("/learn"), LOGGED_IN),
    Route("learning.module", "GET", p("/learn/modules/{module_id}"), READERS),
    Route("learning.module", "GET", p("/learn/modules/{foreign_module_id}"), STAFF),
    Route("learning.lesson", "GET", p("/learn/lessons/{lesson_id}"), READERS),
    Route("learning.lesson", "GET", p("/learn/lessons/{foreign_lesson_id}"), STAFF),
    Route("learning.lesson_done", "POST", p("/learn/lessons/{lesson_id}/done"), COACH),
    Route("learning.lesson_done", "POST", p("/learn/lessons/{foreign_lesson_id}/done"), frozenset()),
    Route("learning.quiz", "GET", p("/learn/modules/{module_id}/quiz"), READERS),
    Route("learning.quiz", "POST", p("/learn/modules/{module_id}/quiz"), COACH,
          data=lambda w: {f"q{w['question_id']}": ""}),
    Route("learning.quiz_result", "GET", p("/learn/attempts/{attempt_id}"), COACH, denied_status=404),
    # content editing
    Route("learning.module_content", "GET", p("/learn/manage/modules/{module_id}"), STAFF),
    Route("learning.lesson_new", "GET", p("/learn/manage/modules/{module_id}/lessons/new"), STAFF),
    Route("learning.lesson_new", "POST", p("/learn/manage/modules/{module_id}/lessons/new"), STAFF,
          data=lambda w: {"title": "Nieuwe les", "body": "Tekst"}),
    Route("learning.lesson_edit", "GET", p("/learn/manage/lessons/{lesson_id}"), STAFF),
    Route("learning.lesson_edit", "POST", p("/learn/manage/lessons/{lesson_id}"), STAFF,
          data=lambda w: {"title": "Les 1", "body": "Andere tekst"}),
    Route("learning.lesson_move", "POST", p("/learn/manage/lessons/{lesson_id}/move"), STAFF,
          data=lambda w: {"direction": "down"}),
    Route("learning.lesson_delete", "GET", p("/learn/manage/lessons/{lesson_id}/delete"), STAFF),
    Route("learning.lesson_delete", "POST", p("/learn/manage/lessons/{lesson_id}/delete"), STAFF),
    Route("learning.preview", "POST", p("/learn/manage/preview"), STAFF, data=lambda w: {"body": "# Kop"}),
    Route("learning.quiz_settings", "POST", p("/learn/manage/modules/{module_id}/quiz"), STAFF,
          data=lambda w: {"pass_mark": "80", "max_attempts": ""}),
    Route("learning.question_new", "GET", p("/learn/manage/modules/{module_id}/questions/new"), STAFF),
    Route("learning.question_new", "POST", p("/learn/manage/modules/{module_id}/questions/new"), STAFF, data=_question),
    Route("learning.question_edit", "GET", p("/learn/manage/questions/{question_id}"), STAFF),
    Route("learning.question_edit", "POST", p("/learn/manage/questions/{question_id}"), STAFF, data=_question),
    Route("learning.question_move", "POST", p("/learn/manage/questions/{question_id}/move"), STAFF,
          data=lambda w: {"direction": "up"}),
    Route("learning.question_delete", "GET", p("/learn/manage/questions/{question_id}/delete"), STAFF),
    Route("learning.question_delete", "POST", p("/learn/manage/questions/{question_id}/delete"), STAFF),
    # the cohort's progress grid: trainers of the cohort, staff, coordinators of its region
    Route("learning.cohort_progress", "GET", p("/learn/manage/cohorts/{cohort_id}/progress"), COHORT_VIEWERS),
    Route("learning.cohort_progress", "GET", p("/learn/manage/cohorts/{other_cohort_id}/progress"), STAFF),
    # another quiz attempt for one coach: staff only
    Route("learning.grant_attempt", "POST",
          p("/learn/manage/cohorts/{cohort_id}/progress/{learner_id}/modules/{module_id}/attempt"), STAFF),
]
