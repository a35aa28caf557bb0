"""Completion: the programme's rule, evaluated the moment one of its facts changes.

The rule for an enrolment:

* every required module is done: all its lessons are marked done and, when the module
  has quiz questions, a quiz attempt passed;
* every required, not cancelled session of the cohort is attended: the coach was present
  at that session, or made it up by being present at the session with the same
  ``template_id`` in another cohort of the same programme.

Late enrolment. A coach who enrolled after a session started is never counted absent for
it: the attendance list does not count them in, "everyone present" leaves them alone and
their progress shows "joined later" instead of "absent". The session still counts for
their completion, though: they make it up in another cohort. That is what a training
provider expects: the certificate states the programme's hours and accreditation points,
and Registerplein points are for hours actually attended, so nobody gets the certificate
for a meeting they never had.

Make-ups. Attendance in another cohort counts, except in a cohort where the coach already
has a completed enrolment of their own: those sessions earned that certificate, and a coach
who follows the programme again (a refresher after the certificate expired) attends again.

Withdrawal. Lesson completions and passed quizzes are the coach's own and are never undone,
and content that staff add later does not take a finished coach's completion away. What can
be corrected is attendance: when a correction means a completed enrolment's sessions no
longer meet the rule, the completion is withdrawn (status back to ``enrolled``), and staff
are told that a certificate may need revoking; revoking is theirs to decide.

The rule runs when one of its facts changes: attendance, a lesson marked done, a quiz
passed, a session or the programme changed. The features where that happens send
``progress_changed`` (lms/domain.py); the receiver below re-evaluates and answers with
the completion changes, which the sender's route shows. Completing and withdrawing are
the enrolment feature's state changes (lms/enrolment/completion.py), issuing the
certificate the certificate feature's.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from lms.auth.models import User
from lms.certificates.services import issue_for_completion
from lms.completion.notices import tell_coach, tell_staff
from lms.completion.progress import Progress, progress_for
from lms.domain import progress_changed
from lms.enrolment.completion import LEARNING, complete, reopen
from lms.enrolment.models import ACTIVE, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.learning.services import enrolment_load_options


class ChangeKind(enum.StrEnum):
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    # The rule no longer holds, but the coach is active in another cohort of the programme,
    # so the enrolment cannot be reopened; staff are told all the same.
    NO_LONGER_MET = "no_longer_met"


@dataclass(frozen=True)
class CompletionChange:
    enrolment: Enrolment
    kind: ChangeKind


def _enrolments(*conditions, statuses=LEARNING) -> list[Enrolment]:
    return list(
        db.session.execute(
            sa.select(Enrolment)
            .options(*enrolment_load_options())
            .where(*conditions, Enrolment.status.in_(statuses))
            .order_by(Enrolment.id)
        )
        .unique()
        .scalars()
    )


def learning_enrolments(user_ids: Iterable[int], programme_id: int) -> list[Enrolment]:
    """The enrolments of these users in the programme that completion applies to."""
    user_ids = set(user_ids)
    if not user_ids:
        return []
    return _enrolments(Enrolment.user_id.in_(user_ids), Enrolment.programme_id == programme_id)


def evaluate(enrolment: Enrolment, now: datetime, actor: User | None = None) -> CompletionChange | None:
    """Apply the rule to one enrolment: complete it, withdraw its completion, or leave it."""
    changes = evaluate_many([enrolment], now, actor)
    return changes[0] if changes else None


def evaluate_many(enrolments: Iterable[Enrolment], now: datetime, actor: User | None = None) -> list[CompletionChange]:
    """Apply the rule to several enrolments at once (one batch of fact queries)."""
    enrolments = [e for e in enrolments if e.status in LEARNING]
    if not enrolments:
        return []
    db.session.flush()  # the facts just changed must be visible to the queries
    progress = progress_for(enrolments, now)
    changes = []
    for enrolment in enrolments:
        p = progress[enrolment.id]
        if enrolment.status == EnrolmentStatus.ENROLLED and p.rule_met:
            change = _complete(enrolment, now, actor)
        elif enrolment.status == EnrolmentStatus.COMPLETED and not p.sessions_met:
            change = _withdraw(enrolment, p, now, actor)
        else:
            continue
        if change is not None:
            changes.append(change)
    return changes


def _complete(enrolment: Enrolment, now: datetime, actor) -> CompletionChange | None:
    if not complete(enrolment, now, actor):
        return None  # another request completed it a moment ago
    issue_for_completion(actor, enrolment, now)
    return CompletionChange(enrolment, ChangeKind.COMPLETED)


def _has_other_active(enrolment: Enrolment) -> bool:
    return db.session.execute(
        sa.select(Enrolment.id).where(
            Enrolment.user_id == enrolment.user_id,
            Enrolment.programme_id == enrolment.programme_id,
            Enrolment.id != enrolment.id,
            Enrolment.status.in_(ACTIVE),
        )
    ).first() is not None


def _withdraw(enrolment: Enrolment, progress: Progress, now: datetime, actor) -> CompletionChange | None:
    if _has_other_active(enrolment):
        kind = ChangeKind.NO_LONGER_MET
    elif reopen(enrolment, now, actor):
        kind = ChangeKind.WITHDRAWN
    else:
        return None  # another request withdrew it a moment ago
    missing = [s.session for s in progress.missing_sessions]
    tell_staff(enrolment, missing, kind == ChangeKind.WITHDRAWN, now)
    if kind == ChangeKind.WITHDRAWN:
        tell_coach(enrolment, missing, now)
    return CompletionChange(enrolment, kind)


def reevaluate_cohort(cohort_id: int, now: datetime, actor: User | None = None) -> list[CompletionChange]:
    """Apply the rule again to a cohort's coaches, after its sessions changed (cancelled, restored, required)."""
    return evaluate_many(_enrolments(Enrolment.cohort_id == cohort_id), now, actor)


def reevaluate_programme(programme_id: int, now: datetime, actor: User | None = None, *,
                         enrolled_only: bool = False) -> list[CompletionChange]:
    """Apply the rule again to every coach of a programme, after its required modules changed.

    ``enrolled_only``: after content was removed, only coaches still on the way can be
    affected (they may complete); completed ones are left alone.
    """
    statuses = (EnrolmentStatus.ENROLLED,) if enrolled_only else LEARNING
    return evaluate_many(_enrolments(Enrolment.programme_id == programme_id, statuses=statuses), now, actor)


@progress_changed.connect
def on_progress_changed(_sender, *, now: datetime, actor: User | None = None, cohort_id: int | None = None,
                        programme_id: int | None = None, user_ids: Iterable[int] | None = None,
                        enrolled_only: bool = False, **_more) -> list[CompletionChange]:
    """Re-evaluate whom the change concerns (the contract is in lms/domain.py)."""
    db.session.flush()  # what the sender just changed must be visible to the queries
    if cohort_id is not None:
        return reevaluate_cohort(cohort_id, now, actor)
    if user_ids is not None:
        return evaluate_many(learning_enrolments(user_ids, programme_id), now, actor)
    if programme_id is not None:
        return reevaluate_programme(programme_id, now, actor, enrolled_only=enrolled_only)
    return []
