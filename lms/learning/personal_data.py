"""Learning's part in privacy: lessons done and quiz attempts in the export (they stay on erasure:
the progress is the anonymised account's).

Registered with lms/privacy/registry.py; loaded at app creation (RECEIVERS in lms/__init__.py).
"""

from __future__ import annotations

import sqlalchemy as sa

from lms.audit.services import plain
from lms.extensions import db
from lms.learning.models import Lesson, LessonCompletion, QuizAttempt
from lms.privacy.registry import Export, export_section
from lms.programmes.models import Module


@export_section("learning", 40)
def _export(export: Export) -> dict:
    user_id = export.user.id
    lessons = db.session.execute(
        sa.select(LessonCompletion.completed_at, Lesson.title, Module.title)
        .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .where(LessonCompletion.user_id == user_id)
        .order_by(LessonCompletion.completed_at, LessonCompletion.id)
    ).all()
    attempts = db.session.execute(
        sa.select(QuizAttempt, Module.title)
        .join(Module, Module.id == QuizAttempt.module_id)
        .where(QuizAttempt.user_id == user_id)
        .order_by(QuizAttempt.submitted_at, QuizAttempt.id)
    ).all()
    return {
        "lessons_completed": [
            {"module": module, "lesson": lesson, "completed_at": plain(at)} for at, lesson, module in lessons
        ],
        "quiz_attempts": [
            {"module": module, "submitted_at": plain(a.submitted_at), "score": a.score, "passed": a.is_passed}
            for a, module in attempts
        ],
    }
