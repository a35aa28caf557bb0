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
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from lms.attendance.models import Attendance, AttendanceStatus
from lms.audit.labels import register as register_audit
from lms.audit.services import record
from lms.auth.models import Role, User, UserRole
from lms.cohorts.models import Cohort, Session, SessionStatus
from lms.enrolment.models import ACTIVE, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.learning.models import LessonCompletion, QuizAttempt
from lms.programmes.models import Module, Programme

register_audit(
    actions={
        "enrolment.completed": (_l("Programme completed"),),
        "enrolment.completion_withdrawn": (_l("Completion withdrawn"),),
    },
    fields={
        "completed_at": _l("Completed on"),
    },
)

# Enrolments whose coach follows the content and is registered at sessions.
LEARNING = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)


def enrolment_load_options():
    """Eager loading for everything the rule looks at, in a fixed number of queries."""
    return (
        joinedload(Enrolment.user),
        joinedload(Enrolment.cohort).selectinload(Cohort.sessions),
        joinedload(Enrolment.cohort).joinedload(Cohort.region),
        joinedload(Enrolment.programme).selectinload(Programme.modules).selectinload(Module.lessons),
        joinedload(Enrolment.programme).selectinload(Programme.modules).selectinload(Module.questions),
    )


class SessionState(enum.StrEnum):
    PRESENT = "present"
    MADE_UP = "made_up"
    ABSENT = "absent"
    EXCUSED = "excused"
    LATE = "late"  # enrolled after the session started: not absent, but still to make up
    UNREGISTERED = "unregistered"  # took place, nothing registered yet
    UPCOMING = "upcoming"
    CANCELLED = "cancelled"


@dataclass
class ModuleProgress:
    module: Module
    done_lesson_ids: set[int]
    quiz_passed: bool

    @property
    def lessons_total(self) -> int:
        return len(self.module.lessons)

    @property
    def lessons_done(self) -> int:
        return sum(1 for lesson in self.module.lessons if lesson.id in self.done_lesson_ids)

    @property
    def has_quiz(self) -> bool:
        return bool(self.module.questions)

    @property
    def steps_total(self) -> int:
        return self.lessons_total + (1 if self.has_quiz else 0)

    @property
    def steps_done(self) -> int:
        return self.lessons_done + (1 if self.has_quiz and self.quiz_passed else 0)

    @property
    def percent(self) -> int:
        return 100 if not self.steps_total else (100 * self.steps_done) // self.steps_total

    @property
    def is_done(self) -> bool:
        return self.steps_done == self.steps_total

    @property
    def lessons_left(self) -> int:
        return self.lessons_total - self.lessons_done

    @property
    def quiz_needed(self) -> bool:
        return self.has_quiz and not self.quiz_passed

    def next_lesson(self):
        """The first lesson not done yet, else None."""
        for lesson in self.module.lessons:
            if lesson.id not in self.done_lesson_ids:
                return lesson
        return None


@dataclass
class SessionProgress:
    session: Session
    state: SessionState
    status: AttendanceStatus | None = None  # what is registered at this session itself
    joined_late: bool = False
    made_up_at: Session | None = None
    made_up_cohort_title: str | None = None

    @property
    def is_required(self) -> bool:
        return self.session.is_required and not self.session.is_cancelled

    @property
    def is_met(self) -> bool:
        return self.state in (SessionState.PRESENT, SessionState.MADE_UP)


@dataclass
class Progress:
    enrolment: Enrolment
    modules: list[ModuleProgress] = field(default_factory=list)
    sessions: list[SessionProgress] = field(default_factory=list)

    @property
    def modules_met(self) -> bool:
        return all(m.is_done for m in self.modules if m.module.is_required)

    @property
    def sessions_met(self) -> bool:
        return all(s.is_met for s in self.sessions if s.is_required)

    @property
    def rule_met(self) -> bool:
        return self.modules_met and self.sessions_met

    @property
    def missing_modules(self) -> list[ModuleProgress]:
        return [m for m in self.modules if m.module.is_required and not m.is_done]

    @property
    def missing_sessions(self) -> list[SessionProgress]:
        return [s for s in self.sessions if s.is_required and not s.is_met]

    @property
    def modules_done(self) -> int:
        return sum(1 for m in self.modules if m.is_done)

    @property
    def required_sessions(self) -> list[SessionProgress]:
        return [s for s in self.sessions if s.is_required]

    @property
    def sessions_attended(self) -> int:
        return sum(1 for s in self.required_sessions if s.is_met)

    def for_module(self, module_id: int) -> ModuleProgress | None:
        return next((m for m in self.modules if m.module.id == module_id), None)

    def for_session(self, session_id: int) -> SessionProgress | None:
        return next((s for s in self.sessions if s.session.id == session_id), None)


def enrolled_since(enrolment: Enrolment) -> datetime | None:
    return enrolment.enrolled_at or enrolment.created_at


def joined_after(enrolment: Enrolment, session: Session) -> bool:
    """Whether the coach enrolled only after the session had started."""
    since = enrolled_since(enrolment)
    return since is not None and since > session.starts_at


@dataclass(frozen=True)
class _Record:
    session_id: int
    status: AttendanceStatus
    cohort_id: int
    template_id: int | None
    cohort_title: str


def progress_for(enrolments: Iterable[Enrolment], now: datetime) -> dict[int, Progress]:
    """The progress of each enrolment, keyed by enrolment id, in four queries whatever their number.

    The enrolments should be loaded with ``enrolment_load_options()``.
    """
    enrolments = list(enrolments)
    if not enrolments:
        return {}
    user_ids = {e.user_id for e in enrolments}
    programme_ids = {e.programme_id for e in enrolments}
    lesson_ids = {lesson.id for e in enrolments for m in e.programme.modules for lesson in m.lessons}
    module_ids = {m.id for e in enrolments for m in e.programme.modules}

    done: dict[int, set[int]] = defaultdict(set)
    if lesson_ids:
        for user_id, lesson_id in db.session.execute(
            sa.select(LessonCompletion.user_id, LessonCompletion.lesson_id).where(
                LessonCompletion.user_id.in_(user_ids), LessonCompletion.lesson_id.in_(lesson_ids)
            )
        ):
            done[user_id].add(lesson_id)

    passed: set[tuple[int, int]] = set()
    if module_ids:
        passed = {
            (user_id, module_id)
            for user_id, module_id in db.session.execute(
                sa.select(QuizAttempt.user_id, QuizAttempt.module_id)
                .where(
                    QuizAttempt.user_id.in_(user_ids),
                    QuizAttempt.module_id.in_(module_ids),
                    QuizAttempt.is_passed.is_(True),
                )
                .distinct()
            )
        }

    records: dict[int, list[_Record]] = defaultdict(list)
    session_by_id: dict[int, Session] = {}
    for attendance, session, cohort_title in db.session.execute(
        sa.select(Attendance, Session, Cohort.title)
        .join(Session, Attendance.session_id == Session.id)
        .join(Cohort, Session.cohort_id == Cohort.id)
        .where(
            Attendance.user_id.in_(user_ids),
            Cohort.programme_id.in_(programme_ids),
            Session.status != SessionStatus.CANCELLED,
        )
    ):
        session_by_id[session.id] = session
        records[attendance.user_id].append(
            _Record(session.id, attendance.status, session.cohort_id, session.template_id, cohort_title)
        )

    completed_cohorts: dict[int, set[int]] = defaultdict(set)
    for user_id, cohort_id in db.session.execute(
        sa.select(Enrolment.user_id, Enrolment.cohort_id).where(
            Enrolment.user_id.in_(user_ids),
            Enrolment.programme_id.in_(programme_ids),
            Enrolment.status == EnrolmentStatus.COMPLETED,
        )
    ):
        completed_cohorts[user_id].add(cohort_id)

    result: dict[int, Progress] = {}
    for enrolment in enrolments:
        progress = Progress(enrolment)
        user_done = done.get(enrolment.user_id, set())
        for module in enrolment.programme.modules:
            progress.modules.append(
                ModuleProgress(module, user_done, (enrolment.user_id, module.id) in passed)
            )
        own_records = records.get(enrolment.user_id, [])
        by_session = {r.session_id: r for r in own_records}
        # Cohorts whose sessions earned another completed enrolment do not count as make-ups.
        spent = completed_cohorts.get(enrolment.user_id, set()) - {enrolment.cohort_id}
        for session in enrolment.cohort.sessions:
            progress.sessions.append(
                _session_progress(enrolment, session, by_session, own_records, spent, session_by_id, now)
            )
        result[enrolment.id] = progress
    return result


def _session_progress(enrolment, session, by_session, own_records, spent, session_by_id, now) -> SessionProgress:
    late = joined_after(enrolment, session)
    if session.is_cancelled:
        return SessionProgress(session, SessionState.CANCELLED, joined_late=late)
    own = by_session.get(session.id)
    status = own.status if own else None
    if status == AttendanceStatus.PRESENT:
        return SessionProgress(session, SessionState.PRESENT, status, late)
    if session.template_id is not None:
        for r in own_records:
            if (
                r.session_id != session.id
                and r.template_id == session.template_id
                and r.status == AttendanceStatus.PRESENT
                and r.cohort_id not in spent
            ):
                return SessionProgress(
                    session, SessionState.MADE_UP, status, late, session_by_id[r.session_id], r.cohort_title
                )
    if session.starts_at > now:
        return SessionProgress(session, SessionState.UPCOMING, status, late)
    if late:
        return SessionProgress(session, SessionState.LATE, status, late)
    if status == AttendanceStatus.ABSENT:
        return SessionProgress(session, SessionState.ABSENT, status, late)
    if status == AttendanceStatus.EXCUSED:
        return SessionProgress(session, SessionState.EXCUSED, status, late)
    return SessionProgress(session, SessionState.UNREGISTERED, status, late)


# Evaluation ---------------------------------------------------------------------------


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


def learning_enrolments(user_ids: Iterable[int], programme_id: int) -> list[Enrolment]:
    """The enrolments of these users in the programme that completion applies to."""
    user_ids = set(user_ids)
    if not user_ids:
        return []
    return list(
        db.session.execute(
            sa.select(Enrolment)
            .options(*enrolment_load_options())
            .where(
                Enrolment.user_id.in_(user_ids),
                Enrolment.programme_id == programme_id,
                Enrolment.status.in_(LEARNING),
            )
            .order_by(Enrolment.id)
        )
        .unique()
        .scalars()
    )


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
            changes.append(_complete(enrolment, now, actor))
        elif enrolment.status == EnrolmentStatus.COMPLETED and not p.sessions_met:
            changes.append(_withdraw(enrolment, p, now, actor))
    return changes


def _complete(enrolment: Enrolment, now: datetime, actor) -> CompletionChange:
    from lms.certificates.services import issue_certificate

    enrolment.status = EnrolmentStatus.COMPLETED
    enrolment.completed_at = now
    db.session.flush()
    certificate = issue_certificate(enrolment, now)
    if certificate.id is None:  # new, not one already in force
        db.session.flush()
        record(actor, "certificate.issue", certificate, now=now,
               summary=f"{certificate.number}: {enrolment.user.name}",
               after={"number": certificate.number, "user_id": certificate.user_id,
                      "enrolment_id": certificate.enrolment_id, "valid_until": certificate.valid_until})
    record(actor, "enrolment.completed", enrolment, now=now,
           summary=f"{enrolment.user.name}: {enrolment.cohort.title}",
           before={"status": "enrolled"}, after={"status": "completed"})
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


def _withdraw(enrolment: Enrolment, progress: Progress, now: datetime, actor) -> CompletionChange:
    if _has_other_active(enrolment):
        kind = ChangeKind.NO_LONGER_MET
    else:
        kind = ChangeKind.WITHDRAWN
        record(actor, "enrolment.completion_withdrawn", enrolment, now=now,
               summary=f"{enrolment.user.name}: {enrolment.cohort.title}",
               before={"status": "completed", "completed_at": enrolment.completed_at},
               after={"status": "enrolled", "completed_at": None})
        enrolment.status = EnrolmentStatus.ENROLLED
        enrolment.completed_at = None
    _tell_staff(enrolment, progress, kind, now)
    return CompletionChange(enrolment, kind)


def staff_recipients(programme: Programme) -> list[tuple[str, str, int | None]]:
    """(email, locale, user id): the programme's contact address, else every active staff member."""
    if programme.contact_email:
        return [(programme.contact_email, "nl", None)]
    staff = db.session.execute(
        sa.select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.STAFF, User.is_active.is_(True), User.erased_at.is_(None))
        .order_by(User.id)
    ).scalars().all()
    return [(user.email, user.locale, user.id) for user in staff]


def _tell_staff(enrolment: Enrolment, progress: Progress, kind: ChangeKind, now: datetime) -> None:
    from lms.certificates.models import Certificate
    from lms.notifications.services import queue_mail
    from lms.urls import external_url

    certificate = db.session.execute(
        sa.select(Certificate).where(Certificate.enrolment_id == enrolment.id, Certificate.revoked_at.is_(None))
    ).scalars().first()
    context = {
        "enrolment": enrolment,
        "coach": enrolment.user,
        "cohort": enrolment.cohort,
        "programme": enrolment.programme,
        "certificate": certificate,
        "missing": [s.session for s in progress.missing_sessions],
        "reopened": kind == ChangeKind.WITHDRAWN,
        "url": external_url("learning.cohort_progress", cohort_id=enrolment.cohort_id),
    }
    for email, locale, user_id in staff_recipients(enrolment.programme):
        queue_mail(kind="completion_withdrawn", template="completion_withdrawn", recipient=email,
                   locale=locale, user_id=user_id, context=context, now=now)


def reevaluate_cohort(cohort_id: int, now: datetime, actor: User | None = None) -> list[CompletionChange]:
    """Apply the rule again to a cohort's coaches, after its sessions changed (cancelled, restored, required)."""
    enrolments = db.session.execute(
        sa.select(Enrolment).options(*enrolment_load_options())
        .where(Enrolment.cohort_id == cohort_id, Enrolment.status.in_(LEARNING))
    ).unique().scalars().all()
    return evaluate_many(enrolments, now, actor)


def reevaluate_programme(programme_id: int, now: datetime, actor: User | None = None) -> list[CompletionChange]:
    """Apply the rule again to every coach of a programme, after its required modules changed."""
    enrolments = db.session.execute(
        sa.select(Enrolment).options(*enrolment_load_options())
        .where(Enrolment.programme_id == programme_id, Enrolment.status.in_(LEARNING))
    ).unique().scalars().all()
    return evaluate_many(enrolments, now, actor)
