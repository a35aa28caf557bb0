"""Session reminders: two days before each session, to the enrolled coaches and the trainers.

``queue_session_reminders`` may run as often as the scheduler likes (hourly is a good
choice) and from several machines at once: every reminder carries the dedupe key
``session-reminder:<session>:<local day>:<user>``, which the outbox holds once. A
session moved to another day is reminded again before its new day (the change notice
told about the move); a run that was missed is made up by the next one, up to the
moment the session starts.

Reminders are for people who want them (``User.wants_reminders``, on the profile page);
change notices and other service mails do not look at that.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager

from lms.auth.models import User
from lms.cohorts.models import Cohort, CohortStatus, Session, SessionStatus
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.i18n import local_to_utc, to_local
from lms.learning.services import lessons_done, quizzes_passed
from lms.notifications.models import OutboxMail
from lms.notifications.services import queue_mail, register_kinds
from lms.programmes.models import Module, Programme, SessionKind
from lms.urls import external_url

REMIND_DAYS = 2
KIND = "session_reminder"
register_kinds({KIND: _l("Session reminder")})
# Cohorts whose sessions take place; drafts are unpublished, cancelled cohorts notified.
RUNNING = (CohortStatus.OPEN, CohortStatus.CLOSED)


def horizon(now: datetime, days: int = REMIND_DAYS) -> datetime:
    """The end of the local day ``days`` after today: sessions starting before it are due."""
    today = to_local(now).date()
    return local_to_utc(today + timedelta(days=days + 1), time(0, 0))


def dedupe_key(session: Session, user: User) -> str:
    return f"session-reminder:{session.id}:{to_local(session.starts_at).date().isoformat()}:{user.id}"


def due_sessions(now: datetime, days: int = REMIND_DAYS) -> list[Session]:
    """Scheduled sessions of running cohorts that start between now and the horizon."""
    cohort = contains_eager(Session.cohort)
    return list(db.session.execute(
        sa.select(Session)
        .join(Session.cohort)
        .where(
            Session.status == SessionStatus.SCHEDULED,
            Cohort.status.in_(RUNNING),
            Session.starts_at > now,
            Session.starts_at < horizon(now, days),
        )
        .options(
            cohort.joinedload(Cohort.programme).selectinload(Programme.modules).selectinload(Module.lessons),
            cohort.joinedload(Cohort.programme).selectinload(Programme.modules).selectinload(Module.questions),
            cohort.selectinload(Cohort.trainers),
        )
        .order_by(Session.starts_at, Session.id)
    ).unique().scalars())


def _enrolled(cohort_ids: list[int]) -> dict[int, list[User]]:
    """Per cohort, the enrolled coaches who want reminders."""
    rows = db.session.execute(
        sa.select(Enrolment)
        .join(Enrolment.user)
        .where(
            Enrolment.cohort_id.in_(cohort_ids),
            Enrolment.status == EnrolmentStatus.ENROLLED,
            User.is_active.is_(True),
            User.erased_at.is_(None),
            User.wants_reminders.is_(True),
        )
        .options(contains_eager(Enrolment.user))
        .order_by(Enrolment.user_id)
    ).scalars()
    by_cohort: dict[int, list[User]] = defaultdict(list)
    for enrolment in rows:
        by_cohort[enrolment.cohort_id].append(enrolment.user)
    return by_cohort


def _participant_counts(cohort_ids: list[int]) -> dict[int, int]:
    return dict(db.session.execute(
        sa.select(Enrolment.cohort_id, sa.func.count())
        .where(Enrolment.cohort_id.in_(cohort_ids), Enrolment.status == EnrolmentStatus.ENROLLED)
        .group_by(Enrolment.cohort_id)
    ).all())


def _existing_keys(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        found.update(db.session.execute(
            sa.select(OutboxMail.dedupe_key).where(OutboxMail.dedupe_key.in_(chunk))
        ).scalars())
    return found


def preparation_modules(programme: Programme) -> list[Module]:
    """The required modules with something to do in them (lessons or a quiz), in order."""
    return [m for m in programme.modules if m.is_required and (m.lessons or m.questions)]


def open_modules(programmes: list[Programme], user_ids: list[int]) -> dict[tuple[int, int], list[Module]]:
    """Per (user, programme), the required modules the coach has not finished yet.

    A module is finished when every lesson in it is marked done and, if it has a quiz,
    the quiz has been passed. Two queries, however many coaches and programmes.
    """
    modules = {p.id: preparation_modules(p) for p in programmes}
    done = lessons_done(user_ids, [lesson.id for ms in modules.values() for m in ms for lesson in m.lessons])
    passed = quizzes_passed(user_ids, [m.id for ms in modules.values() for m in ms])
    result = {}
    for user_id in user_ids:
        for programme_id, ms in modules.items():
            result[(user_id, programme_id)] = [
                m for m in ms
                if any((user_id, lesson.id) not in done for lesson in m.lessons)
                or (m.questions and (user_id, m.id) not in passed)
            ]
    return result


def queue_session_reminders(now: datetime, days: int = REMIND_DAYS) -> int:
    """Queue the reminders that are due and not yet queued; returns how many this run queued.

    Safe to run concurrently: the pre-check skips what is known to be queued, and the
    outbox's unique dedupe key settles a race between two runs (the later one waits for
    the earlier one's transaction and then adds nothing).
    """
    sessions = due_sessions(now, days)
    if not sessions:
        return 0
    cohort_ids = sorted({s.cohort_id for s in sessions})
    coaches = _enrolled(cohort_ids)
    counts = _participant_counts(cohort_ids)

    planned: list[tuple[Session, User, str]] = []
    for session in sessions:
        for user in coaches.get(session.cohort_id, []):
            planned.append((session, user, "coach"))
        for user in session.cohort.trainers:
            if user.is_active and user.erased_at is None and user.wants_reminders:
                planned.append((session, user, "trainer"))
    existing = _existing_keys([dedupe_key(s, u) for s, u, _role in planned])
    coach_ids = sorted({u.id for _s, u, role in planned if role == "coach"})
    programmes = list({s.cohort.programme.id: s.cohort.programme for s in sessions}.values())
    unfinished = open_modules(programmes, coach_ids)

    learning_url = external_url("learning.index")  # the coach's own learning page
    queued = 0
    for session, user, role in planned:
        key = dedupe_key(session, user)
        if key in existing:
            continue
        existing.add(key)  # someone who is coach and trainer at once gets one mail
        cohort = session.cohort
        if role == "trainer":
            url = external_url("cohorts.show", cohort_id=cohort.id)
        else:
            url = external_url("catalogue.cohort", cohort_id=cohort.id)
        mail = queue_mail(
            kind=KIND,
            template="session_reminder",
            recipient=user.email,
            locale=user.locale,
            user_id=user.id,
            dedupe_key=key,
            now=now,
            context={
                "user": user,
                "role": role,
                "session": session,
                "cohort": cohort,
                "programme": cohort.programme,
                "video_url": session.video_url if session.kind == SessionKind.ONLINE else None,
                "open_modules": unfinished.get((user.id, cohort.programme_id), []) if role == "coach" else [],
                "all_modules": preparation_modules(cohort.programme),
                "participants": counts.get(cohort.id, 0),
                "url": url,
                "learning_url": learning_url if role == "coach" else None,
                "profile_url": external_url("auth.profile"),
            },
        )
        if mail is not None:
            queued += 1
    return queued

