"""The enrolment feature's mails: a coach's own enrolment, and changes to the sessions they have.

Enrolment mails tell a coach where their enrolment stands (enrolled, on the waitlist, a
seat offered, moved, cancelled ...); the confirmations carry the cohort's sessions as an
``.ics`` file.

Change notices: when a session is added to a published cohort, moves, changes link, is
cancelled or restored, or its cohort is cancelled. The cohort services record every change a participant must notice
as a SessionChange and announce it (``session_changed``, ``cohort_cancelled`` in
lms/domain.py); the receivers here queue the notices in the same transaction, so a change
that is rolled back tells nobody anything. Each notice says what changed, old and new, in
the recipient's language and in Dutch time, and carries an updated ``.ics`` (same UID,
higher SEQUENCE) addressed to the recipient, an iTIP REQUEST that adds or moves the event
in their calendar or a CANCEL that cancels it (RFC 5546). The
SessionChanges it reports are marked ``notified_at``.

Recipients are everyone who has the session in their calendar feed: coaches whose
enrolment is pending, enrolled, offered (or completed), and the cohort's trainers. Only
enrolled coaches and trainers see video links, as on the platform; a change of the link
alone is therefore only sent to them. Notices are service mails: they do not depend on
``User.wants_reminders``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager

from lms.auth.models import User
from lms.cohorts.ical import cohort_attachment, invitation_for, public_page_url, session_ics, sessions_ics
from lms.cohorts.models import Cohort, CohortStatus, Session, SessionChange, SessionStatus
from lms.domain import session_changed
from lms.enrolment.models import Enrolment, EnrolmentStatus, in_calendar
from lms.extensions import db
from lms.notifications.services import queue_mail, register_kinds
from lms.programmes.models import SessionKind
from lms.urls import external_url


class EnrolmentMail(enum.StrEnum):
    """What an enrolment mail tells the coach (templates/mail/enrolment.*)."""

    ENROLLED = "enrolled"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    OFFER_REMINDER = "offer_reminder"
    OFFER_EXPIRED = "offer_expired"
    MOVED = "moved"
    CANCELLED = "cancelled"


register_kinds({
    "enrolment_enrolled": _l("Enrolment: enrolled"),
    "enrolment_pending": _l("Enrolment: received"),
    "enrolment_approved": _l("Enrolment: confirmed"),
    "enrolment_rejected": _l("Enrolment: not admitted"),
    "enrolment_waitlisted": _l("Enrolment: waitlist"),
    "enrolment_offered": _l("Enrolment: seat offered"),
    "enrolment_offer_reminder": _l("Enrolment: offer reminder"),
    "enrolment_offer_expired": _l("Enrolment: offer expired"),
    "enrolment_moved": _l("Enrolment: moved"),
    "enrolment_cancelled": _l("Enrolment: cancelled"),
    "session_change": _l("Session changed"),
    "cohort_cancelled": _l("Group cancelled"),
})

# Mails that list the cohort's sessions, and those that also carry them as a calendar file.
LISTS_SESSIONS = frozenset({EnrolmentMail.ENROLLED, EnrolmentMail.APPROVED, EnrolmentMail.MOVED,
                            EnrolmentMail.OFFERED, EnrolmentMail.OFFER_REMINDER, EnrolmentMail.PENDING})
WITH_CALENDAR = frozenset({EnrolmentMail.ENROLLED, EnrolmentMail.APPROVED, EnrolmentMail.MOVED})


def notify_enrolment(enrolment: Enrolment, kind: EnrolmentMail, now: datetime, **extra) -> None:
    """Queue the mail that tells the coach where their enrolment now stands."""
    user = db.session.get(User, enrolment.user_id)
    cohort = db.session.get(Cohort, enrolment.cohort_id)
    attachments = []
    if kind in WITH_CALENDAR:
        attachments = [cohort_attachment(cohort, include_video_link=True, locale=user.locale,
                                         invite=invitation_for(user))]
    mail_to(user, kind=f"enrolment_{kind}", template="enrolment", now=now, attachments=attachments, context={
        "kind": kind, "kinds": EnrolmentMail, "lists_sessions": kind in LISTS_SESSIONS,
        "user": user, "cohort": cohort, "enrolment": enrolment,
        "programme": cohort.programme, "deadline": enrolment.offer_expires_at,
        "position": enrolment.waitlist_position,
        "url": external_url("catalogue.cohort", cohort_id=cohort.id),
        "start_url": external_url("main.index"),
        "with_calendar": kind in WITH_CALENDAR,
        "calendar_url": external_url("calendar.index"),  # where the coach subscribes to their own feed
        **extra,
    })


def mail_to(user: User, *, kind: str, template: str, now: datetime, context: dict, attachments=()) -> None:
    """Queue one of this feature's mails for ``user``, in their language."""
    queue_mail(kind=kind, template=template, recipient=user.email, locale=user.locale, user_id=user.id, now=now,
               attachments=list(attachments), context={"user": user, **context})


# Change notices ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionState:
    """What a participant sees of a session at one moment."""

    kind: SessionKind
    starts_at: datetime
    ends_at: datetime
    address: str | None
    room: str | None
    video_url: str | None
    status: SessionStatus

    @classmethod
    def of(cls, session: Session) -> SessionState:
        return cls(**{f.name: getattr(session, f.name) for f in fields(cls)})

    @property
    def is_online(self) -> bool:
        return self.kind == SessionKind.ONLINE


def _parse(name: str, value):
    if value is None:
        return None
    if name in ("starts_at", "ends_at") and isinstance(value, str):
        return datetime.fromisoformat(value)
    if name == "kind":
        return SessionKind(value)
    if name == "status":
        return SessionStatus(value)
    return value


def state_before(session: Session, changes: list[SessionChange]) -> SessionState:
    """The session as it was before ``changes``: today's values with each change undone, newest first."""
    values = {f.name: getattr(session, f.name) for f in fields(SessionState)}
    for change in reversed(changes):
        for name, value in (change.before or {}).items():
            if name in values:
                values[name] = _parse(name, value)
    return SessionState(**values)


@dataclass(frozen=True)
class Notice:
    """Old and new state of one session, and what a mail about it must say."""

    session: Session
    old: SessionState
    new: SessionState
    reason: str | None = None
    added: bool = False  # a new session: there was no old state

    @property
    def announced(self) -> bool:
        """A new session that takes place (one added and cancelled before anyone heard tells nothing)."""
        return self.added and self.new.status == SessionStatus.SCHEDULED

    @property
    def cancelled(self) -> bool:
        return self.old.status == SessionStatus.SCHEDULED and self.new.status == SessionStatus.CANCELLED

    @property
    def restored(self) -> bool:
        return self.old.status == SessionStatus.CANCELLED and self.new.status == SessionStatus.SCHEDULED

    @property
    def time_changed(self) -> bool:
        return (self.old.starts_at, self.old.ends_at) != (self.new.starts_at, self.new.ends_at)

    @property
    def place_changed(self) -> bool:
        old, new = self.old, self.new
        if old.is_online and new.is_online:
            return False
        return (old.kind, old.address, old.room) != (new.kind, new.address, new.room)

    @property
    def link_changed(self) -> bool:
        return self.new.is_online and (not self.old.is_online or self.old.video_url != self.new.video_url)

    @property
    def changed(self) -> bool:
        if self.added:
            return self.announced
        return self.cancelled or self.restored or self.time_changed or self.place_changed or self.link_changed

    @property
    def link_only(self) -> bool:
        return (self.link_changed and not self.place_changed and not self.time_changed
                and not self.cancelled and not self.restored and not self.added)

    def concerns_future(self, now: datetime) -> bool:
        """Corrections to a session that is over tell nobody anything they can act on."""
        return max(self.old.ends_at, self.new.ends_at) > now


@dataclass(frozen=True)
class Recipient:
    user: User
    role: str  # "coach" or "trainer"
    sees_video: bool
    had_sessions: bool = True  # the sessions were in this person's calendar feed


def _reachable(user: User) -> bool:
    return user.is_active and user.erased_at is None and bool(user.email)


def session_recipients(cohort: Cohort) -> list[Recipient]:
    """Coaches who have the cohort's sessions in their calendar, then its trainers; one each."""
    enrolments = db.session.execute(
        sa.select(Enrolment)
        .join(Enrolment.user)
        .where(Enrolment.cohort_id == cohort.id, in_calendar(),
               User.is_active.is_(True), User.erased_at.is_(None))
        .options(contains_eager(Enrolment.user))
        .order_by(Enrolment.user_id)
    ).scalars().all()
    trainer_ids = {t.id for t in cohort.trainers}
    recipients = [
        Recipient(e.user, "coach", e.sees_video)
        for e in enrolments if e.user_id not in trainer_ids and _reachable(e.user)
    ]
    recipients += [Recipient(t, "trainer", True) for t in cohort.trainers if _reachable(t)]
    return recipients


def _page_url(recipient: Recipient, cohort: Cohort) -> str:
    if recipient.role == "trainer":
        return external_url("cohorts.show", cohort_id=cohort.id)
    return external_url("catalogue.cohort", cohort_id=cohort.id)


def _ics(content: bytes, filename: str) -> dict:
    return {"filename": filename, "content_type": "text/calendar", "content": content.decode("utf-8")}


def notify_session_change(session: Session, now: datetime) -> int:
    """Mail what changed in a session since its last notice; returns how many mails were queued.

    Called (through ``session_changed``) after every change the cohort services record.
    Several changes not yet notified are told as one (old is the state before the first,
    new is the state now); a change that was undone before anyone heard of it is not told.
    """
    pending = [change for change in session.changes if change.notified_at is None]
    if not pending:
        return 0
    for change in pending:
        change.notified_at = now
    reason = next((c.after.get("reason") for c in reversed(pending) if c.kind == "cancelled" and c.after), None)
    added = any(c.kind == "added" for c in pending)
    notice = Notice(session, state_before(session, pending), SessionState.of(session), reason, added)
    cohort = session.cohort
    if not notice.changed or not notice.concerns_future(now):
        return 0
    if cohort.status in (CohortStatus.DRAFT, CohortStatus.CANCELLED):
        # A draft is in nobody's calendar yet (planning it tells nobody anything); a
        # cancelled cohort's people have been told that nothing takes place.
        return 0
    queued = 0
    for recipient in session_recipients(cohort):
        if notice.link_only and not recipient.sees_video:
            continue  # their calendar and their mail show no link; nothing for them changed
        user = recipient.user
        with force_locale(user.locale):
            content = session_ics(session, show_video=recipient.sees_video, page_url=public_page_url(session),
                                  invite=invitation_for(user, cancel=notice.cancelled))
        attachment = _ics(content, f"bijeenkomst-{session.id}.ics")
        mail_to(user, kind="session_change", template="session_change", now=now, attachments=[attachment],
               context={"role": recipient.role, "sees_video": recipient.sees_video, "notice": notice,
                        "session": session, "cohort": cohort, "programme": cohort.programme,
                        "url": _page_url(recipient, cohort)})
        queued += 1
    return queued


@session_changed.connect
def _tell_participants(_sender, *, session: Session, kind: str, now: datetime, **_kwargs) -> None:
    """A session was added, changed, cancelled or restored: tell everyone who has it in their calendar."""
    if kind in ("added", "changed", "cancelled", "restored"):
        notify_session_change(session, now)


def notify_cohort_cancelled(cohort: Cohort, enrolments: list[Enrolment], previous: dict[int, EnrolmentStatus],
                            reason: str, now: datetime) -> int:
    """Mail everyone whose enrolment the cancellation ended, and the trainers; returns the number queued.

    ``previous`` holds each enrolment's status before it was cancelled: a coach who was
    on the waitlist never had the sessions in a calendar and gets no ``.ics``.
    """
    cancelled_now: list[Session] = []
    for session in cohort.sessions:
        pending = [change for change in session.changes if change.notified_at is None]
        for change in pending:
            change.notified_at = now
        if any(change.kind == "cancelled" for change in pending):
            cancelled_now.append(session)
    upcoming = [s for s in cancelled_now if s.ends_at > now]

    trainer_ids = {t.id for t in cohort.trainers}
    recipients = [
        Recipient(e.user, "coach", False, previous.get(e.id) != EnrolmentStatus.WAITLISTED)
        for e in enrolments if e.user_id not in trainer_ids and _reachable(e.user)
    ]
    recipients += [Recipient(t, "trainer", False) for t in cohort.trainers if _reachable(t)]

    queued = 0
    for recipient in recipients:
        user = recipient.user
        files = []
        if upcoming and recipient.had_sessions:
            with force_locale(user.locale):
                content = sessions_ics(upcoming, name=cohort.title, description=cohort.programme.title,
                                       page_url=public_page_url, invite=invitation_for(user, cancel=True))
            files = [_ics(content, f"bijeenkomsten-groep-{cohort.id}.ics")]
        mail_to(user, kind="cohort_cancelled", template="cohort_cancelled", now=now, attachments=files,
               context={"role": recipient.role, "was_waitlisted": not recipient.had_sessions, "cohort": cohort,
                        "programme": cohort.programme, "reason": reason, "sessions": upcoming,
                        "has_calendar_file": bool(files), "url": _page_url(recipient, cohort),
                        "catalogue_url": external_url("catalogue.index")})
        queued += 1
    return queued
