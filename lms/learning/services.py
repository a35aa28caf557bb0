"""Lessons and quizzes: editing the content, following it, and who may see what.

What a coach finishes and what staff remove may complete enrolments: the services send
``progress_changed`` (lms/domain.py) and return the completion changes it brings back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from lms.audit.labels import register as register_audit
from lms.audit.services import record
from lms.auth.models import User
from lms.cohorts.models import Cohort, CohortStatus, Session, SessionStatus, cohort_trainer
from lms.domain import DomainError, gather, progress_changed
from lms.enrolment.completion import LEARNING
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.enrolment.queries import coach_enrolments
from lms.extensions import db
from lms.learning.models import Lesson, LessonCompletion, QuizAttempt, QuizOption, QuizQuestion
from lms.programmes.models import Module

# The summary of a move: the item's name and its position before and after.
MOVED = _l("%(name)s: position %(before)s → %(after)s")

register_audit(
    actions={
        "module.quiz_settings": (_l("Quiz settings changed"),),
        "lesson.create": (_l("Lesson added"),),
        "lesson.update": (_l("Lesson changed"),),
        "lesson.move": (_l("Lesson moved"), MOVED),
        "lesson.delete": (_l("Lesson deleted"),),
        "question.create": (_l("Quiz question added"),),
        "question.update": (_l("Quiz question changed"),),
        "question.move": (_l("Quiz question moved"), MOVED),
        "question.delete": (_l("Quiz question deleted"),),
    },
    objects={"lesson": _l("Lesson"), "quiz_question": _l("Quiz question")},
    fields={
        "body": _l("Text"),
        "text": _l("Question"),
        "explanation": _l("Explanation"),
        "options": _l("Answers"),
        "pass_mark": _l("Pass mark"),
        "max_attempts": _l("Maximum attempts"),
    },
)


class LearningError(DomainError):
    """A domain rule refused the action; ``message`` is for the user."""


def enrolment_load_options():
    """Eager loading for everything progress looks at (lms/completion), in a fixed number of queries.

    Not the coaches' roles and regions: progress does not look at them, and the user of the
    request has them already (the loader). Not the programmes' modules, lessons or quiz
    questions either: progress reads them as plain rows (``lms.learning.facts``). The cohorts'
    sessions come in a second statement: in the first one they would repeat every enrolment of
    a cohort once per session.
    """
    return (
        joinedload(Enrolment.user).lazyload(User.role_grants),
        joinedload(Enrolment.user).lazyload(User.coordinated_regions),
        joinedload(Enrolment.cohort).options(selectinload(Cohort.sessions), joinedload(Cohort.region)),
        joinedload(Enrolment.programme),
    )



def announce_progress(user: User, programme_id: int, now: datetime, actor: User) -> list:
    """Tell completion (lms/completion) the coach did something; its changes come back."""
    return gather(progress_changed, None, now=now, actor=actor, programme_id=programme_id, user_ids=[user.id])


# Who may see what ------------------------------------------------------------------------


def learner_enrolment(user: User, programme_id: int) -> Enrolment | None:
    """The enrolment through which the user follows this programme: enrolled first, else completed."""
    if not getattr(user, "is_authenticated", False):
        return None
    enrolments = db.session.execute(
        sa.select(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.programme_id == programme_id, Enrolment.status.in_(LEARNING))
        .order_by(Enrolment.created_at.desc(), Enrolment.id.desc())
    ).scalars().all()
    for status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED):
        for enrolment in enrolments:
            if enrolment.status == status:
                return enrolment
    return None


def teaches_programme(user: User, programme_id: int) -> bool:
    return db.session.execute(
        sa.select(Cohort.id)
        .join(cohort_trainer, cohort_trainer.c.cohort_id == Cohort.id)
        .where(cohort_trainer.c.user_id == user.id, Cohort.programme_id == programme_id)
        .limit(1)
    ).first() is not None


def can_read_content(user: User, programme_id: int) -> bool:
    """Staff, trainers of a cohort of the programme, and coaches enrolled in one."""
    if user.is_staff:
        return True
    return learner_enrolment(user, programme_id) is not None or teaches_programme(user, programme_id)


def can_view_cohort(user: User, cohort: Cohort) -> bool:
    """Staff, the cohort's trainers, and coordinators of its region (read-only)."""
    if user.is_staff:
        return True
    if any(trainer.id == user.id for trainer in cohort.trainers):
        return True
    return cohort.region_id in user.coordinated_region_ids


# Following the content --------------------------------------------------------------------


def module_for_learning(module_id: int) -> Module | None:
    return db.session.execute(
        sa.select(Module)
        .options(
            joinedload(Module.programme),
            selectinload(Module.lessons),
            selectinload(Module.questions).selectinload(QuizQuestion.options),
        )
        .where(Module.id == module_id)
    ).scalar_one_or_none()


def done_lesson_ids(user: User, lessons: Iterable[Lesson]) -> set[int]:
    ids = [lesson.id for lesson in lessons]
    if not ids:
        return set()
    return set(
        db.session.execute(
            sa.select(LessonCompletion.lesson_id).where(
                LessonCompletion.user_id == user.id, LessonCompletion.lesson_id.in_(ids)
            )
        ).scalars()
    )


def lessons_done(user_ids: Iterable[int], lesson_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(user id, lesson id) of the lessons these users marked done, among these lessons."""
    user_ids, lesson_ids = set(user_ids), set(lesson_ids)
    if not user_ids or not lesson_ids:
        return set()
    return {(user_id, lesson_id) for user_id, lesson_id in db.session.execute(
        sa.select(LessonCompletion.user_id, LessonCompletion.lesson_id)
        .where(LessonCompletion.user_id.in_(user_ids), LessonCompletion.lesson_id.in_(lesson_ids))
    )}


def quizzes_passed(user_ids: Iterable[int], module_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(user id, module id) of the quizzes these users passed, among these modules."""
    user_ids, module_ids = set(user_ids), set(module_ids)
    if not user_ids or not module_ids:
        return set()
    return {(user_id, module_id) for user_id, module_id in db.session.execute(
        sa.select(QuizAttempt.user_id, QuizAttempt.module_id).distinct()
        .where(QuizAttempt.user_id.in_(user_ids), QuizAttempt.module_id.in_(module_ids),
               QuizAttempt.is_passed.is_(True))
    )}


def mark_lesson_done(user: User, lesson: Lesson, now: datetime) -> list:
    """Record that the coach finished the lesson; returns the completion changes that follow."""
    if learner_enrolment(user, lesson.module.programme_id) is None:
        raise LearningError(_("Only coaches enrolled in this programme can mark lessons as done."))
    exists = db.session.execute(
        sa.select(LessonCompletion.id).where(
            LessonCompletion.user_id == user.id, LessonCompletion.lesson_id == lesson.id
        )
    ).first()
    if exists:
        return []
    try:
        with db.session.begin_nested():
            db.session.add(LessonCompletion(user_id=user.id, lesson_id=lesson.id, completed_at=now))
    except sa.exc.IntegrityError:
        return []  # a double click in another request got there first
    return announce_progress(user, lesson.module.programme_id, now, user)


# Editing the content (staff) --------------------------------------------------------------


def _renumber(items) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position


def save_lesson(actor: User, module: Module, lesson: Lesson | None, *, title: str, body: str, now: datetime) -> Lesson:
    if lesson is None:
        lesson = Lesson(title=title, body=body, updated_at=now)
        module.lessons.append(lesson)
        _renumber(module.lessons)  # the new lesson is appended last
        db.session.flush()
        record(actor, "lesson.create", lesson, now=now, summary=title, params={"name": title},
               after={"title": title, "body": body})
    else:
        before = {"title": lesson.title, "body": lesson.body}
        lesson.title, lesson.body, lesson.updated_at = title, body, now
        record(actor, "lesson.update", lesson, now=now, summary=title, params={"name": title}, before=before,
               after={"title": title, "body": body})
    module.updated_at = now
    return lesson


def move(items: list, item, direction: str) -> None:
    """Swap an item with its neighbour in the given direction ('up' or 'down')."""
    items = list(items)
    _renumber(items)
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index].position, items[other].position = items[other].position, items[index].position


def _move(actor: User, action: str, item, siblings: list, direction: str, name: str, now: datetime, **more) -> None:
    """Move a lesson or question up or down among its siblings, and record where it went."""
    before = item.position
    move(siblings, item, direction)
    siblings.sort(key=lambda sibling: sibling.position)  # the loaded collection in its new order (not a change)
    item.module.updated_at = now
    params = {"name": name, "before": before, "after": item.position}
    record(actor, action, item, now=now, summary="{name}: {before} → {after}".format(**params), params=params,
           before={"position": before}, after={"position": item.position}, **more)


def _remove(actor: User, item, siblings: list, now: datetime) -> list:
    """Take a lesson or question out of its module; coaches for whom it was the last thing left may complete."""
    module = item.module
    siblings.remove(item)  # delete-orphan: the row goes with the next flush
    _renumber(siblings)
    module.updated_at = now
    # Content was removed: nobody's completion can be withdrawn by it, so only coaches on the way are looked at.
    return gather(progress_changed, None, now=now, actor=actor, programme_id=module.programme_id, enrolled_only=True)


def move_lesson(actor: User, lesson: Lesson, direction: str, now: datetime) -> None:
    _move(actor, "lesson.move", lesson, lesson.module.lessons, direction, lesson.title, now)


def delete_lesson(actor: User, lesson: Lesson, now: datetime) -> list:
    """Delete a lesson; returns the completion changes that follow."""
    record(actor, "lesson.delete", lesson, now=now, summary=lesson.title, params={"name": lesson.title},
           before={"title": lesson.title, "body": lesson.body})
    return _remove(actor, lesson, lesson.module.lessons, now)


def update_quiz_settings(actor: User, module: Module, *, pass_mark: int, max_attempts: int | None, now: datetime) -> None:
    """Change the pass mark and attempt limit; earlier attempts keep their result."""
    before = {"pass_mark": module.pass_mark, "max_attempts": module.max_attempts}
    module.pass_mark, module.max_attempts, module.updated_at = pass_mark, max_attempts, now
    record(actor, "module.quiz_settings", module, now=now, summary=module.title, params={"name": module.title},
           before=before, after={"pass_mark": pass_mark, "max_attempts": max_attempts})


def save_question(
    actor: User,
    module: Module,
    question: QuizQuestion | None,
    *,
    text: str,
    explanation: str,
    options: list[tuple[str, bool]],
    now: datetime,
) -> QuizQuestion:
    """Create or replace a question with its options (at least two, at least one correct)."""
    options = [(t.strip(), bool(c)) for t, c in options if t and t.strip()]
    if len(options) < 2:
        raise LearningError(_("Give at least two answers."), "answers")
    if not any(correct for _t, correct in options):
        raise LearningError(_("Mark at least one answer as correct."), "answers")
    before = None
    if question is None:
        question = QuizQuestion(text=text)
        module.questions.append(question)
        _renumber(module.questions)
        action = "question.create"
    else:
        action = "question.update"
        before = {"text": question.text, "explanation": question.explanation,
                  "options": [(o.text, o.is_correct) for o in question.options]}
    question.text, question.explanation = text, explanation
    # Options are replaced as a whole; attempts store option ids, so old feedback may thin out.
    existing = list(question.options)
    for position, (option_text, correct) in enumerate(options, start=1):
        if position <= len(existing):
            option = existing[position - 1]
            option.text, option.is_correct, option.position = option_text, correct, position
        else:
            question.options.append(QuizOption(text=option_text, is_correct=correct, position=position))
    for option in existing[len(options):]:
        question.options.remove(option)
    module.updated_at = now
    db.session.flush()
    record(actor, action, question, now=now, summary=text[:300], params={"name": text[:300]},
           object_type="quiz_question", before=before,
           after={"text": text, "explanation": explanation, "options": options})
    return question


def move_question(actor: User, question: QuizQuestion, direction: str, now: datetime) -> None:
    _move(actor, "question.move", question, question.module.questions, direction, question.text[:300], now,
          object_type="quiz_question")


def delete_question(actor: User, question: QuizQuestion, now: datetime) -> list:
    """Delete a question (when it was the last, the module no longer has a quiz); returns the completion changes."""
    record(actor, "question.delete", question, now=now, object_type="quiz_question",
           summary=question.text[:300], params={"name": question.text[:300]})
    return _remove(actor, question, question.module.questions, now)


# Lists ---------------------------------------------------------------------------------------


def _learning_enrolments(*where):
    """Enrolments that have learning to show, with what their progress needs loaded."""
    return sa.select(Enrolment).options(*enrolment_load_options()).where(Enrolment.status.in_(LEARNING), *where)


def my_enrolments(user: User) -> list[Enrolment]:
    """The user's enrolments that have learning to show: enrolled first, then the latest cohort first.

    Taken from ``coach_enrolments``, which the start page loads once for all its panels.
    """
    return sorted(
        (e for e in coach_enrolments(user) if e.status in LEARNING),
        key=lambda e: (e.status != EnrolmentStatus.ENROLLED, -_timestamp(e.cohort.starts_at), -e.id),
    )


def _timestamp(moment: datetime | None) -> float:
    return moment.timestamp() if moment else float("-inf")  # a cohort without sessions yet: last


def cohort_enrolments(cohort: Cohort):
    """The coaches of a cohort that attendance and completion apply to."""
    return (
        _learning_enrolments(Enrolment.cohort_id == cohort.id)
        .join(User, Enrolment.user_id == User.id)
        .order_by(User.name, User.id)
    )


# How many make-up sessions the learning page names for each missed session.
MAKE_UP_SHOWN = 3


@dataclass(frozen=True)
class MakeUpOption:
    """An upcoming session of another cohort where a missed session can be made up."""

    id: int
    template_id: int
    cohort_id: int
    starts_at: datetime
    cohort_title: str


@lru_cache(maxsize=64)
def _make_up_statement(templates: int) -> sa.Select:
    """The first upcoming sessions of each of ``templates`` templates (bound as ``template_0``, ...),
    built once per number of templates.

    One part per template, each read in order of start and cut at ``per_template``: with the
    index of sessions by template and start (``ix_session_template_start``) the database reads a
    few sessions per template, not every session still to come in the country.
    """
    parts = [
        sa.select(Session.id, Session.template_id, Session.cohort_id, Session.starts_at,
                  Cohort.title.label("cohort_title"))
        .join(Cohort, Session.cohort_id == Cohort.id)
        .where(
            Session.template_id == sa.bindparam(f"template_{index}"),
            Session.starts_at > sa.bindparam("now"),
            Session.status == SessionStatus.SCHEDULED,
            Cohort.programme_id.in_(sa.bindparam("programmes", expanding=True)),
            Cohort.status.in_((CohortStatus.OPEN, CohortStatus.CLOSED)),
        )
        .order_by(Session.starts_at, Session.id)
        .limit(sa.bindparam("per_template"))
        .subquery(f"template_{index}")
        for index in range(templates)
    ]
    options = sa.union_all(*(sa.select(part) for part in parts)).subquery("options")
    return sa.select(options).order_by(options.c.starts_at, options.c.id)


def make_up_options(enrolments: Iterable[Enrolment], templates: set[int], now: datetime) -> dict[int, list[MakeUpOption]]:
    """The first upcoming sessions of other cohorts per template, where a missed session can be
    made up: enough per template that, without the sessions of the coach's own cohorts, each
    enrolment still has MAKE_UP_SHOWN (the country has hundreds; the page names a few)."""
    enrolments = list(enrolments)
    programme_ids = {e.programme_id for e in enrolments}
    if not templates or not programme_ids:
        return {}
    own = defaultdict(int)
    for enrolment in enrolments:
        for session in enrolment.cohort.sessions:
            own[session.template_id] += 1
    per_template = MAKE_UP_SHOWN + max((own[t] for t in templates), default=0)
    options: dict[int, list[MakeUpOption]] = {}
    params = {f"template_{index}": template for index, template in enumerate(sorted(templates))}
    params.update(now=now, programmes=sorted(programme_ids), per_template=per_template)
    for row in db.session.execute(_make_up_statement(len(templates)), params):
        option = MakeUpOption(*row)
        options.setdefault(option.template_id, []).append(option)
    return options
