"""Quizzes: scoring, attempts and their limit, and another attempt granted by staff."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.audit.labels import register as register_audit
from lms.audit.services import record
from lms.auth.models import User
from lms.extensions import db
from lms.learning.models import QuizAttempt, QuizAttemptGrant, QuizQuestion
from lms.learning.services import LearningError, announce_progress, learner_enrolment
from lms.programmes.models import Module

register_audit(
    actions={
        "quiz.attempt_granted": (_l("Quiz attempt granted"), _l("%(coach)s: %(module)s")),
    },
    objects={"quiz_attempt_grant": _l("Quiz attempt granted")},
)


@dataclass
class QuestionResult:
    question: QuizQuestion
    chosen: set[int]
    correct_ids: set[int]

    @property
    def is_correct(self) -> bool:
        return self.chosen == self.correct_ids


@dataclass
class QuizResult:
    score: int
    is_passed: bool
    questions: list[QuestionResult]

    @property
    def correct_count(self) -> int:
        return sum(1 for q in self.questions if q.is_correct)


def pass_mark(module: Module) -> int:
    """The score needed to pass; a module without a pass mark passes on any submitted attempt."""
    return module.pass_mark if module.pass_mark is not None else 0


def score_quiz(module: Module, answers: Mapping[int, Iterable[int]]) -> QuizResult:
    """Score the answers: a question counts when exactly its correct options are chosen.

    The score is the percentage of correct questions, rounded half up.
    """
    if not module.questions:
        raise LearningError(_("This module has no quiz."))
    results = []
    for question in module.questions:
        option_ids = {o.id for o in question.options}
        chosen = {int(o) for o in answers.get(question.id, ())} & option_ids
        results.append(QuestionResult(question, chosen, {o.id for o in question.options if o.is_correct}))
    total = len(results)
    correct = sum(1 for r in results if r.is_correct)
    score = (200 * correct + total) // (2 * total)
    return QuizResult(score, score >= pass_mark(module), results)


def attempts_of(user: User, module: Module) -> list[QuizAttempt]:
    return list(
        db.session.execute(
            sa.select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.module_id == module.id)
            .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc())
        ).scalars()
    )


def attempts_left(module: Module, used: int, granted: int = 0) -> int | None:
    """How many attempts remain (the maximum plus those granted by staff), or None when unlimited."""
    if module.max_attempts is None:
        return None
    return max(module.max_attempts + granted - used, 0)


def granted_attempts(user: User, module: Module) -> int:
    """How many attempts staff granted this coach beyond the module's maximum."""
    return db.session.execute(
        sa.select(sa.func.count()).select_from(QuizAttemptGrant).where(
            QuizAttemptGrant.user_id == user.id, QuizAttemptGrant.module_id == module.id
        )
    ).scalar_one()


def attempts_left_for(user: User, module: Module, used: int) -> int | None:
    return attempts_left(module, used, granted_attempts(user, module)) if module.max_attempts is not None else None


def submit_quiz(
    user: User, module: Module, answers: Mapping[int, Iterable[int]], now: datetime
) -> tuple[QuizAttempt, QuizResult, list]:
    """Score and store an attempt; a pass may complete the enrolment."""
    if learner_enrolment(user, module.programme_id) is None:
        raise LearningError(_("Only coaches enrolled in this programme can take the quiz."))
    used = db.session.execute(
        sa.select(sa.func.count()).select_from(QuizAttempt).where(
            QuizAttempt.user_id == user.id, QuizAttempt.module_id == module.id
        )
    ).scalar_one()
    if attempts_left_for(user, module, used) == 0:
        raise LearningError(_("You have used all your attempts for this quiz."))
    result = score_quiz(module, answers)
    attempt = QuizAttempt(
        user_id=user.id,
        module_id=module.id,
        submitted_at=now,
        score=result.score,
        is_passed=result.is_passed,
        answers={str(r.question.id): sorted(r.chosen) for r in result.questions},
    )
    db.session.add(attempt)
    changes = announce_progress(user, module.programme_id, now, user) if result.is_passed else []
    return attempt, result, changes


def result_of(attempt: QuizAttempt, module: Module) -> QuizResult:
    """The feedback for a stored attempt, against the module's current questions."""
    answers = {int(k): v for k, v in (attempt.answers or {}).items()}
    result = score_quiz(module, answers)
    return QuizResult(attempt.score, attempt.is_passed, result.questions)


# Another attempt (staff) -----------------------------------------------------------------


@dataclass(frozen=True)
class AttemptCount:
    used: int
    granted: int
    passed: bool

    def left(self, module: Module) -> int | None:
        return attempts_left(module, self.used, self.granted)


def attempt_counts(user_ids: Iterable[int], modules: Iterable[Module]) -> dict[tuple[int, int], AttemptCount]:
    """(user id, module id) -> attempts used, granted and whether passed, for quizzes with a maximum; two queries."""
    user_ids = set(user_ids)
    module_ids = {m.id for m in modules if m.max_attempts is not None and m.questions}
    if not user_ids or not module_ids:
        return {}
    used: Counter = Counter()
    passed: set[tuple[int, int]] = set()
    any_passed = sa.func.max(sa.case((QuizAttempt.is_passed, 1), else_=0))
    for user_id, module_id, count, best in db.session.execute(
        sa.select(QuizAttempt.user_id, QuizAttempt.module_id, sa.func.count(), any_passed)
        .where(QuizAttempt.user_id.in_(user_ids), QuizAttempt.module_id.in_(module_ids))
        .group_by(QuizAttempt.user_id, QuizAttempt.module_id)
    ):
        used[(user_id, module_id)] = count
        if best:
            passed.add((user_id, module_id))
    granted: Counter = Counter({
        (user_id, module_id): count
        for user_id, module_id, count in db.session.execute(
            sa.select(QuizAttemptGrant.user_id, QuizAttemptGrant.module_id, sa.func.count())
            .where(QuizAttemptGrant.user_id.in_(user_ids), QuizAttemptGrant.module_id.in_(module_ids))
            .group_by(QuizAttemptGrant.user_id, QuizAttemptGrant.module_id)
        )
    })
    return {
        (user_id, module_id): AttemptCount(used[(user_id, module_id)], granted[(user_id, module_id)],
                                           (user_id, module_id) in passed)
        for user_id in user_ids for module_id in module_ids
    }


def grant_attempt(actor: User, user: User, module: Module, now: datetime) -> QuizAttemptGrant:
    """Give one coach one more attempt at a quiz whose attempts they have used up without passing."""
    if not module.questions or module.max_attempts is None:
        raise LearningError(_("This quiz has no maximum number of attempts."))
    if learner_enrolment(user, module.programme_id) is None:
        raise LearningError(_("%(name)s is not following this programme.", name=user.name))
    count = attempt_counts([user.id], [module])[(user.id, module.id)]
    if count.passed:
        raise LearningError(_("%(name)s has already passed this quiz.", name=user.name))
    if count.left(module):
        raise LearningError(_("%(name)s still has attempts left.", name=user.name))
    grant = QuizAttemptGrant(user_id=user.id, module_id=module.id, granted_at=now, granted_by_id=actor.id)
    db.session.add(grant)
    db.session.flush()
    params = {"coach": user.name, "module": module.title}
    record(actor, "quiz.attempt_granted", grant, now=now, summary="{coach}: {module}".format(**params), params=params,
           after={"user_id": user.id, "module_id": module.id, "attempts": count.used,
                  "max_attempts": module.max_attempts + count.granted + 1})
    return grant
