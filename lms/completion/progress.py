"""Progress: how far a coach is with each fact of the completion rule (see services.py).

Module progress (lessons done, quiz passed) and session progress (present, made up in
another cohort, absent, joined late ...) for many enrolments at once, in two queries.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from lms.attendance.attended import Attendances, AttendedSession, attendances_of
from lms.attendance.models import AttendanceStatus
from lms.cohorts.models import Session
from lms.enrolment.completion import joined_after
from lms.enrolment.models import Enrolment
from lms.learning.facts import ModuleFacts, learning_facts
from lms.programmes.models import Module


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
    module: Module | ModuleFacts  # a Module on its own page; plain facts in progress_for
    done_lesson_ids: set[int]
    quiz_passed: bool
    with_quiz: bool | None = None  # known from a query; None: look at the module's questions
    known_lesson_ids: tuple[int, ...] | None = None  # known from a query; None: the module's lessons

    @cached_property
    def lesson_ids(self) -> tuple[int, ...]:
        """The module's lessons, in their order."""
        if self.known_lesson_ids is not None:
            return self.known_lesson_ids
        return tuple(lesson.id for lesson in self.module.lessons)

    @property
    def lessons_total(self) -> int:
        return len(self.lesson_ids)

    @cached_property  # the pages ask often; the facts do not change once gathered
    def lessons_done(self) -> int:
        return sum(1 for lesson_id in self.lesson_ids if lesson_id in self.done_lesson_ids)

    @property
    def has_quiz(self) -> bool:
        return bool(self.module.questions) if self.with_quiz is None else self.with_quiz

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

    def next_lesson_id(self) -> int | None:
        """The first lesson not done yet, else None."""
        return next((lesson_id for lesson_id in self.lesson_ids if lesson_id not in self.done_lesson_ids), None)


@dataclass
class SessionProgress:
    session: Session
    state: SessionState
    status: AttendanceStatus | None = None  # what is registered at this session itself
    joined_late: bool = False
    made_up_at: AttendedSession | None = None
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


def progress_for(enrolments: Iterable[Enrolment], now: datetime) -> dict[int, Progress]:
    """The progress of each enrolment, keyed by enrolment id, in two queries whatever their number.

    The enrolments should be loaded with ``enrolment_load_options()``. The programmes' modules come
    with the learning facts, as plain values: the enrolments' programmes need not load them.
    """
    enrolments = list(enrolments)
    if not enrolments:
        return {}
    user_ids = {e.user_id for e in enrolments}
    programme_ids = {e.programme_id for e in enrolments}

    facts = learning_facts(user_ids, programme_ids)
    done: dict[int, set[int]] = defaultdict(set)
    for user_id, lesson_id in facts.lessons_done:
        done[user_id].add(lesson_id)

    attendances = attendances_of(user_ids, programme_ids)

    result: dict[int, Progress] = {}
    for enrolment in enrolments:
        progress = Progress(enrolment)
        user_done = done.get(enrolment.user_id, set())
        for module in facts.modules_of.get(enrolment.programme_id, ()):
            progress.modules.append(
                ModuleProgress(module, user_done, (enrolment.user_id, module.id) in facts.quizzes_passed,
                               module.id in facts.modules_with_quiz, facts.lessons_of.get(module.id, ()))
            )
        for session in enrolment.cohort.sessions:
            progress.sessions.append(_session_progress(enrolment, session, attendances, now))
        result[enrolment.id] = progress
    return result


def _session_progress(enrolment: Enrolment, session: Session, attendances: Attendances,
                      now: datetime) -> SessionProgress:
    late = joined_after(enrolment, session)
    if session.is_cancelled:
        return SessionProgress(session, SessionState.CANCELLED, joined_late=late)
    own = attendances.at(enrolment.user_id, session.id)
    status = own.status if own else None
    attended = attendances.attended(enrolment, session)
    if attended is not None and attended is own:
        return SessionProgress(session, SessionState.PRESENT, status, late)
    if attended is not None:
        return SessionProgress(session, SessionState.MADE_UP, status, late, attended.session, attended.cohort_title)
    if session.starts_at > now:
        return SessionProgress(session, SessionState.UPCOMING, status, late)
    if late:
        return SessionProgress(session, SessionState.LATE, status, late)
    if status == AttendanceStatus.ABSENT:
        return SessionProgress(session, SessionState.ABSENT, status, late)
    if status == AttendanceStatus.EXCUSED:
        return SessionProgress(session, SessionState.EXCUSED, status, late)
    return SessionProgress(session, SessionState.UNREGISTERED, status, late)
