"""What coaches did in the modules of some programmes, and what those modules hold, as plain rows.

Progress (lms/completion) reads these facts for many enrolments at once, in one statement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from lms.extensions import db
from lms.learning.models import Lesson, LessonCompletion, QuizAttempt, QuizQuestion
from lms.programmes.models import Module


@dataclass(frozen=True)
class ModuleFacts:
    """What progress and its pages show of a module: plain values, not a Module object."""

    id: int
    programme_id: int
    position: int
    title: str
    is_required: bool
    max_attempts: int | None


@dataclass(frozen=True)
class LearningFacts:
    """What some coaches did in some programmes' modules, and what those modules hold."""

    modules_of: dict[int, list[ModuleFacts]]  # programme id: its modules, in their order
    lessons_done: set[tuple[int, int]]  # (user id, lesson id)
    quizzes_passed: set[tuple[int, int]]  # (user id, module id)
    modules_with_quiz: set[int]
    lessons_of: dict[int, tuple[int, ...]]  # module id: its lessons' ids, in their order


def _learning_facts_statement(with_users: bool) -> sa.CompoundSelect:
    """One statement of tagged rows; built once per shape (its cache key is kept with it)."""
    programmes = sa.bindparam("programme_ids", expanding=True)
    none = sa.literal_column("0")
    # Typed: PostgreSQL resolves a bare NULL of a DISTINCT branch as text, which a boolean cannot join.
    nothing = (sa.cast(sa.null(), sa.String), sa.cast(sa.null(), sa.Boolean), sa.cast(sa.null(), sa.Integer))
    of_programmes = Module.programme_id.in_(programmes)
    parts = [
        sa.select(sa.literal_column("'module'"), Module.programme_id, Module.id, Module.position,
                  Module.title, Module.is_required, Module.max_attempts)
        .where(of_programmes),
        sa.select(sa.literal_column("'quiz'"), none, QuizQuestion.module_id, none, *nothing)
        .join(Module, QuizQuestion.module_id == Module.id).where(of_programmes).distinct(),
        sa.select(sa.literal_column("'of'"), Lesson.module_id, Lesson.id, Lesson.position, *nothing)
        .join(Module, Lesson.module_id == Module.id).where(of_programmes),
    ]
    if with_users:
        users = sa.bindparam("user_ids", expanding=True)
        parts.append(
            sa.select(sa.literal_column("'passed'"), QuizAttempt.user_id, QuizAttempt.module_id, none,
                      *nothing).distinct()
            .join(Module, QuizAttempt.module_id == Module.id)
            .where(QuizAttempt.user_id.in_(users), of_programmes, QuizAttempt.is_passed.is_(True))
        )
        parts.append(
            sa.select(sa.literal_column("'lesson'"), LessonCompletion.user_id, LessonCompletion.lesson_id, none,
                      *nothing)
            .join(Lesson, LessonCompletion.lesson_id == Lesson.id)
            .join(Module, Lesson.module_id == Module.id)
            .where(LessonCompletion.user_id.in_(users), of_programmes)
        )
    return sa.union_all(*parts)


_LEARNING_FACTS = {with_users: _learning_facts_statement(with_users) for with_users in (False, True)}


def learning_facts(user_ids: Iterable[int], programme_ids: Iterable[int]) -> LearningFacts:
    """The modules of these programmes, their lessons and which have a quiz; the lessons these
    coaches did and the quizzes they passed: all in one statement, as plain rows (no objects)."""
    user_ids, programme_ids = set(user_ids), set(programme_ids)
    facts = LearningFacts({}, set(), set(), set(), {})
    if not programme_ids:
        return facts
    params = {"programme_ids": sorted(programme_ids)}
    if user_ids:
        params["user_ids"] = sorted(user_ids)
    modules: dict[int, list[ModuleFacts]] = defaultdict(list)
    lessons: dict[int, list[tuple[int, int]]] = defaultdict(list)
    pairs = {"passed": facts.quizzes_passed, "lesson": facts.lessons_done}
    for kind, first, second, position, title, is_required, max_attempts in db.session.execute(
        _LEARNING_FACTS[bool(user_ids)], params
    ):
        if kind == "module":
            modules[first].append(ModuleFacts(second, first, position, title, bool(is_required), max_attempts))
        elif kind == "quiz":
            facts.modules_with_quiz.add(second)
        elif kind == "of":
            lessons[first].append((position, second))
        else:
            pairs[kind].add((first, second))
    # As Programme.modules and Module.lessons order them: by position, then id.
    facts.modules_of.update({programme_id: sorted(items, key=lambda m: (m.position, m.id))
                             for programme_id, items in modules.items()})
    facts.lessons_of.update({module_id: tuple(lesson_id for _p, lesson_id in sorted(items))
                             for module_id, items in lessons.items()})
    return facts
