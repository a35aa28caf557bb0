"""Privacy (AVG/GDPR): a user's data export, erasure requests, anonymising accounts, retention.

The rules, also in the README:

- **Export**: everything held about the user, and only that, as one JSON document.
- **Anonymising an account** (by an admin, on request or directly) removes what identifies
  the person and keeps the rows the figures are made of: the enrolments, the attendance and
  the municipality stay, linked to the anonymised account, so the figures per region and
  municipality of past cohorts stay exactly the same. Seats in cohorts that have not ended
  are given up as if the coach cancelled (the waitlist moves up).
- **Certificates** of an anonymised account are revoked with the reason "Account
  verwijderd" and lose the holder's name and registration number, so public verification
  says the certificate was withdrawn because the account was removed, without a name. The
  snapshot is marked ``account_removed``; the reports still count such a certificate as
  certified (the training was certified; only the person is gone).
- **Retention** (``RETENTION_YEARS``): see ``apply_retention``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from lms.attendance.models import Attendance
from lms.audit.models import AuditEvent
from lms.audit.services import record
from lms.auth.models import Role, User, UserRole, coordinator_region
from lms.auth.services import forget_reset_tokens
from lms.calendar.models import CalendarToken
from lms.certificates.models import Certificate, RevocationReason
from lms.certificates.services import status_of, today_on
from lms.cohorts.models import Cohort, Session, cohort_follower, cohort_trainer
from lms.enrolment.models import ACTIVE, Enrolment, Interest
from lms.extensions import db
from lms.learning.models import Lesson, LessonCompletion, QuizAttempt
from lms.notifications.models import MailStatus, OutboxMail
from lms.privacy.models import ErasureRequest, ErasureStatus
from lms.programmes.models import Module
from lms.urls import external_url

# What an anonymised account is called; stored, so in the platform's language.
ANONYMOUS_NAME = "Verwijderde gebruiker"
# Marks a certificate revoked because its holder's account was removed (kept in its snapshot).
ACCOUNT_REMOVED = "account_removed"
PERSONAL_SNAPSHOT_FIELDS = ("holder_name", "registration_number")


class PrivacyError(Exception):
    """A privacy rule refused an action; the message is for the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def placeholder_email(user_id: int) -> str:
    """A unique address that can never receive mail (.invalid is reserved, RFC 2606)."""
    return f"deleted-{user_id}@invalid"


def account_removed_reason() -> str:
    """The revocation reason, stored in the platform's language (Dutch)."""
    with force_locale("nl"):
        return _("Account removed")


def is_account_removed(certificate: Certificate) -> bool:
    return bool((certificate.snapshot or {}).get(ACCOUNT_REMOVED))


def certificate_counts_as_certified():
    """SQL condition: a certificate that counts in the figures (in force, or revoked only
    because the holder's account was removed)."""
    return sa.or_(
        Certificate.revoked_at.is_(None),
        Certificate.snapshot[ACCOUNT_REMOVED].as_boolean().is_(True),
    )


# Export ----------------------------------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _value(value) -> Any:
    return getattr(value, "value", value)


def export_data(user: User, now: datetime, verify_url: Callable[[Certificate], str]) -> dict:
    """Everything held about ``user``, and only about them, as plain JSON-ready data.

    One query per section, whatever the amount of data. ``verify_url(certificate)`` gives
    the public verification link (the caller knows the public address).
    """
    enrolments = db.session.execute(
        sa.select(Enrolment)
        .where(Enrolment.user_id == user.id)
        .options(
            joinedload(Enrolment.programme),
            joinedload(Enrolment.cohort).joinedload(Cohort.region),
            joinedload(Enrolment.cohort).joinedload(Cohort.municipality),
        )
        .order_by(Enrolment.created_at, Enrolment.id)
    ).scalars().all()
    attendance = db.session.execute(
        sa.select(Attendance)
        .where(Attendance.user_id == user.id)
        .options(joinedload(Attendance.session).joinedload(Session.cohort))
        .join(Session, Session.id == Attendance.session_id)
        .order_by(Session.starts_at, Attendance.id)
    ).scalars().all()
    lessons = db.session.execute(
        sa.select(LessonCompletion.completed_at, Lesson.title, Module.title)
        .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .where(LessonCompletion.user_id == user.id)
        .order_by(LessonCompletion.completed_at, LessonCompletion.id)
    ).all()
    attempts = db.session.execute(
        sa.select(QuizAttempt, Module.title)
        .join(Module, Module.id == QuizAttempt.module_id)
        .where(QuizAttempt.user_id == user.id)
        .order_by(QuizAttempt.submitted_at, QuizAttempt.id)
    ).all()
    certificates = db.session.execute(
        sa.select(Certificate)
        .where(Certificate.user_id == user.id)
        .options(joinedload(Certificate.programme))
        .order_by(Certificate.issued_at, Certificate.id)
    ).scalars().all()
    interests = db.session.execute(
        sa.select(Interest)
        .where(Interest.user_id == user.id)
        .options(joinedload(Interest.programme), joinedload(Interest.region))
        .order_by(Interest.created_at, Interest.id)
    ).scalars().all()
    token = db.session.execute(sa.select(CalendarToken).where(CalendarToken.user_id == user.id)).scalar_one_or_none()
    mails = db.session.execute(
        sa.select(OutboxMail.kind, OutboxMail.subject, OutboxMail.recipient, OutboxMail.created_at,
                  OutboxMail.sent_at, OutboxMail.status)
        .where(OutboxMail.user_id == user.id)
        .order_by(OutboxMail.created_at, OutboxMail.id)
    ).all()
    events = db.session.execute(
        sa.select(AuditEvent)
        .where(sa.or_(AuditEvent.actor_id == user.id,
                      sa.and_(AuditEvent.object_type == "user", AuditEvent.object_id == user.id)))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).scalars().all()
    requests = db.session.execute(
        sa.select(ErasureRequest).where(ErasureRequest.user_id == user.id).order_by(ErasureRequest.requested_at)
    ).scalars().all()

    return {
        "exported_at": _iso(now),
        "account": {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "roles": sorted(r.value for r in user.roles),
            "organisation": user.organisation.name if user.organisation else None,
            "region": user.region.name if user.region else None,
            "municipality": user.municipality.name if user.municipality else None,
            "registration_number": user.registration_number,
            "language": user.locale,
            "preferences": {"session_reminders": user.wants_reminders},
            "coordinator_of_regions": [r.name for r in user.coordinated_regions],
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
            "password_changed_at": _iso(user.password_changed_at),
            "is_active": user.is_active,
        },
        "enrolments": [
            {
                "programme": e.programme.title,
                "cohort": e.cohort.title,
                "region": e.cohort.region.name,
                "municipality": e.cohort.municipality.name if e.cohort.municipality else None,
                "status": _value(e.status),
                "created_at": _iso(e.created_at),
                "enrolled_at": _iso(e.enrolled_at),
                "completed_at": _iso(e.completed_at),
                "waitlist_position": e.waitlist_position,
                "offered_at": _iso(e.offered_at),
                "offer_expires_at": _iso(e.offer_expires_at),
                "cancelled_at": _iso(e.cancelled_at),
                "cancel_reason": e.cancel_reason,
            }
            for e in enrolments
        ],
        "attendance": [
            {
                "session": a.session.title,
                "cohort": a.session.cohort.title,
                "starts_at": _iso(a.session.starts_at),
                "ends_at": _iso(a.session.ends_at),
                "status": _value(a.status),
                "note": a.note,
                "recorded_at": _iso(a.recorded_at),
            }
            for a in attendance
        ],
        "learning": {
            "lessons_completed": [
                {"module": module, "lesson": lesson, "completed_at": _iso(at)} for at, lesson, module in lessons
            ],
            "quiz_attempts": [
                {"module": module, "submitted_at": _iso(a.submitted_at), "score": a.score, "passed": a.is_passed}
                for a, module in attempts
            ],
        },
        "certificates": [
            {
                "number": c.number,
                "programme": c.programme.title if c.programme else (c.snapshot or {}).get("programme_title"),
                "verification_url": verify_url(c),
                "status": _value(status_of(c, now)),
                "issued_at": _iso(c.issued_at),
                "valid_until": _iso(c.valid_until),
                "revoked_at": _iso(c.revoked_at),
                "revoke_reason": c.revoke_reason,
                "as_certified": {
                    "holder_name": (c.snapshot or {}).get("holder_name"),
                    "registration_number": (c.snapshot or {}).get("registration_number"),
                },
            }
            for c in certificates
        ],
        "interest_registrations": [
            {"programme": i.programme.title, "region": i.region.name, "created_at": _iso(i.created_at),
             "notified_at": _iso(i.notified_at)}
            for i in interests
        ],
        "calendar_feed": (
            {"created_at": _iso(token.created_at), "last_used_at": _iso(token.last_used_at)} if token else None
        ),
        "mails": [
            {"kind": kind, "subject": subject, "to": recipient, "queued_at": _iso(created), "sent_at": _iso(sent),
             "status": _value(status)}
            for kind, subject, recipient, created, sent, status in mails
        ],
        # Events about this account in full; of the user's own actions only what and when,
        # since their details may be about other people.
        "audit_events": [
            {
                "at": _iso(e.at),
                "action": e.action,
                "by_you": e.actor_id == user.id,
                "object_type": e.object_type,
                "object_id": e.object_id,
                **(
                    {"summary": e.summary, "before": e.before, "after": e.after}
                    if e.object_type == "user" and e.object_id == user.id
                    else {}
                ),
            }
            for e in events
        ],
        "erasure_requests": [
            {"requested_at": _iso(r.requested_at), "reason": r.reason, "status": _value(r.status),
             "decided_at": _iso(r.decided_at), "note": r.note}
            for r in requests
        ],
    }


# Erasure requests ------------------------------------------------------------------------


def pending_request_of(user: User) -> ErasureRequest | None:
    return db.session.execute(
        sa.select(ErasureRequest).where(
            ErasureRequest.user_id == user.id, ErasureRequest.status == ErasureStatus.PENDING
        )
    ).scalar_one_or_none()


def request_erasure(user: User, reason: str | None, now: datetime) -> ErasureRequest:
    """Ask for the account to be erased; an admin decides. A confirmation mail is queued."""
    from lms.notifications.services import queue_mail

    if user.erased_at is not None:
        raise PrivacyError(_("This account has already been removed."))
    if pending_request_of(user) is not None:
        raise PrivacyError(_("You have already asked for your account to be removed."))
    request = ErasureRequest(user_id=user.id, requested_at=now, reason=(reason or "").strip()[:1000] or None,
                             status=ErasureStatus.PENDING)
    db.session.add(request)
    db.session.flush()
    record(user, "privacy.erasure_requested", user, now=now, summary=f"request {request.id}",
           after={"request_id": request.id})
    queue_mail(kind="erasure_requested", template="erasure_requested", recipient=user.email, locale=user.locale,
               user_id=user.id, now=now,
               context={"user": user, "erasure": request, "url": external_url("privacy.index")})
    return request


def withdraw_request(user: User, now: datetime) -> ErasureRequest:
    request = pending_request_of(user)
    if request is None:
        raise PrivacyError(_("There is no open request to withdraw."))
    request.status = ErasureStatus.WITHDRAWN
    request.decided_at = now
    request.decided_by_id = user.id
    record(user, "privacy.erasure_withdrawn", user, now=now, summary=f"request {request.id}",
           after={"request_id": request.id})
    return request


def reject_request(actor: User, request: ErasureRequest, note: str, now: datetime) -> ErasureRequest:
    """Decline a request, with the reason the user will read."""
    from lms.notifications.services import queue_mail

    note = (note or "").strip()
    if not note:
        raise PrivacyError(_("Give the reason."), "note")
    if not request.is_pending:
        raise PrivacyError(_("This request has already been decided."))
    request.status = ErasureStatus.REJECTED
    request.decided_at = now
    request.decided_by_id = actor.id
    request.note = note[:1000]
    user = request.user
    record(actor, "privacy.erasure_rejected", user, now=now, summary=f"request {request.id}",
           after={"request_id": request.id, "note": request.note})
    queue_mail(kind="erasure_rejected", template="erasure_rejected", recipient=user.email, locale=user.locale,
               user_id=user.id, now=now,
               context={"user": user, "erasure": request, "url": external_url("privacy.index")})
    return request


def erasure_request_list_query(status: str = ErasureStatus.PENDING.value):
    stmt = (
        sa.select(ErasureRequest)
        .options(joinedload(ErasureRequest.user).selectinload(User.municipality),
                 joinedload(ErasureRequest.decided_by))
        .order_by(ErasureRequest.requested_at.desc(), ErasureRequest.id.desc())
    )
    if status in {s.value for s in ErasureStatus}:
        stmt = stmt.where(ErasureRequest.status == ErasureStatus(status))
    return stmt


def pending_count() -> int:
    return db.session.execute(
        sa.select(sa.func.count(ErasureRequest.id)).where(ErasureRequest.status == ErasureStatus.PENDING)
    ).scalar_one()


# Anonymising an account ------------------------------------------------------------------


def _cohort_end():
    """Per cohort: when it ended (its last session), or when it was cancelled or made."""
    last = (
        sa.select(Session.cohort_id, sa.func.max(Session.ends_at).label("ends_at"))
        .group_by(Session.cohort_id)
        .subquery("last_session")
    )
    ends_at = sa.func.coalesce(last.c.ends_at, Cohort.cancelled_at, Cohort.created_at)
    return sa.select(Cohort.id.label("cohort_id"), ends_at.label("ends_at")).outerjoin(
        last, last.c.cohort_id == Cohort.id
    ).subquery("cohort_end")


@dataclass
class Impact:
    """What anonymising an account does, shown before and reported after."""

    cancelled: list[Enrolment] = field(default_factory=list)  # active, in cohorts not ended
    kept_enrolments: int = 0
    certificates_revoked: int = 0
    certificates_blanked: int = 0
    pending_request: ErasureRequest | None = None


def anonymise_problem(actor: User, user: User) -> str | None:
    """Why ``actor`` may not anonymise ``user``, or None."""
    if user.erased_at is not None:
        return _("This account has already been removed.")
    if user.id == actor.id:
        return _("You cannot remove your own account.")
    if user.has_role(Role.ADMIN) and user.is_active:
        others = db.session.execute(
            sa.select(sa.func.count(User.id))
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.ADMIN, User.id != user.id, User.is_active.is_(True),
                   User.erased_at.is_(None))
        ).scalar_one()
        if not others:
            return _("This is the last active administrator; their account cannot be removed.")
    return None


def anonymise_impact(user: User, now: datetime) -> Impact:
    ends = _cohort_end()
    enrolments = db.session.execute(
        sa.select(Enrolment, ends.c.ends_at)
        .join(ends, ends.c.cohort_id == Enrolment.cohort_id)
        .where(Enrolment.user_id == user.id)
        .options(joinedload(Enrolment.cohort))
        .order_by(Enrolment.created_at)
    ).all()
    impact = Impact(pending_request=pending_request_of(user))
    for enrolment, ends_at in enrolments:
        if enrolment.status in ACTIVE and ends_at > now:
            impact.cancelled.append(enrolment)
        else:
            impact.kept_enrolments += 1
    for certificate in db.session.execute(sa.select(Certificate).where(Certificate.user_id == user.id)).scalars():
        if certificate.is_revoked:
            impact.certificates_blanked += 1
        else:
            impact.certificates_revoked += 1
    return impact


def _blank_snapshot(certificate: Certificate, **extra) -> None:
    snapshot = dict(certificate.snapshot or {})
    for name in PERSONAL_SNAPSHOT_FIELDS:
        snapshot[name] = None
    snapshot.update(extra)
    certificate.snapshot = snapshot  # a new dict, so the JSON column is written


PERSONAL_KEYS = frozenset({"name", "email", "registration_number", "holder_name"})


def _scrub_events(events, names: list[str], values: bool = True) -> None:
    """Take names and addresses out of these audit events' summaries (and personal values).

    The audit log is append-only for the app (lms/audit/models.py refuses ORM changes);
    this is the one deliberate exception, written as plain UPDATE statements: the GDPR's
    right to erasure outweighs keeping a removed person's name in the log.
    """
    names = [n for n in {n.strip() for n in names} if n]
    for event in list(events):
        changes = {}
        summary = event.summary or ""
        for n in names:
            summary = summary.replace(n, ANONYMOUS_NAME)
        if summary != (event.summary or ""):
            changes["summary"] = summary
        if isinstance(event.params, dict):
            params = {k: (ANONYMOUS_NAME if isinstance(v, str) and v.strip() in names else v)
                      for k, v in event.params.items()}
            if params != event.params:
                changes["params"] = params
        for attr in ("before", "after") if values else ():
            current = getattr(event, attr)
            if isinstance(current, dict) and PERSONAL_KEYS & current.keys():
                changes[attr] = {k: (None if k in PERSONAL_KEYS else v) for k, v in current.items()}
        if changes:
            db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == event.id).values(**changes))
            db.session.expire(event)


def _events_about(user_id: int, enrolment_ids, attendance_ids, certificate_ids):
    """Audit events about a person: their account, enrolments, attendance and certificates."""
    about = [sa.and_(AuditEvent.object_type == "user", AuditEvent.object_id == user_id)]
    for object_type, ids in (("enrolment", enrolment_ids), ("attendance", attendance_ids),
                             ("certificate", certificate_ids)):
        about.append(sa.and_(AuditEvent.object_type == object_type, AuditEvent.object_id.in_(ids)))
    return db.session.execute(sa.select(AuditEvent).where(sa.or_(*about))).scalars().all()


def anonymise_user(actor: User, user: User, now: datetime, note: str = "") -> Impact:
    """Remove what identifies ``user`` and keep what the figures are made of.

    Kept, linked to the anonymised account: enrolments, attendance, learning progress and
    the municipality (the figures per region and municipality count them). Given up: seats
    in cohorts that have not ended (as if cancelled, so the waitlist moves up). Removed:
    name, address, registration number, organisation, password, sessions, roles, calendar
    token and follows, interest registrations, unsent mails, attendance notes. Certificates
    are revoked ("Account verwijderd") and lose the name and registration number.
    """
    from lms.certificates.services import revoke_certificate
    from lms.enrolment.services import cancel_by_staff

    problem = anonymise_problem(actor, user)
    if problem:
        raise PrivacyError(problem)
    impact = anonymise_impact(user, now)
    old_name, old_email = user.name, user.email
    reason = account_removed_reason()

    for enrolment in impact.cancelled:
        cancel_by_staff(actor, enrolment, reason, now)

    for certificate in db.session.execute(
        sa.select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.id)
    ).scalars().all():
        if not certificate.is_revoked:
            revoke_certificate(actor, certificate, reason, now, reason=RevocationReason.ACCOUNT_DELETED)
            _blank_snapshot(certificate, **{ACCOUNT_REMOVED: True})
        else:
            _blank_snapshot(certificate)

    # Taught or followed cohorts still to come lose this person; past ones keep the (anonymous) trainer.
    ends = _cohort_end()
    not_ended = sa.select(ends.c.cohort_id).where(ends.c.ends_at > now)
    db.session.execute(sa.delete(cohort_trainer).where(cohort_trainer.c.user_id == user.id,
                                                       cohort_trainer.c.cohort_id.in_(not_ended)))
    db.session.execute(sa.delete(cohort_follower).where(cohort_follower.c.user_id == user.id))
    db.session.execute(sa.delete(coordinator_region).where(coordinator_region.c.user_id == user.id))
    db.session.execute(sa.delete(CalendarToken).where(CalendarToken.user_id == user.id))
    db.session.execute(sa.delete(Interest).where(Interest.user_id == user.id))
    db.session.execute(sa.update(Attendance).where(Attendance.user_id == user.id).values(note=None))
    # Mails not yet sent are dropped (also the cancellation notices just queued); sent ones
    # keep kind, subject and times for the mail log, without address and content.
    db.session.execute(sa.delete(OutboxMail).where(
        OutboxMail.user_id == user.id, OutboxMail.status.in_([MailStatus.PENDING, MailStatus.FAILED])))
    db.session.execute(sa.update(OutboxMail).where(OutboxMail.user_id == user.id,
                                                   OutboxMail.status == MailStatus.SENT)
                       .values(recipient=placeholder_email(user.id), body_text="", body_html=None, attachments=[]))
    db.session.expire_all()

    user = db.session.get(User, user.id)
    user.name = ANONYMOUS_NAME
    user.email = placeholder_email(user.id)
    user.registration_number = None
    user.organisation_id = None
    user.password_hash = None
    user.is_active = False
    user.wants_reminders = False
    user.erased_at = now
    user.rotate_session_token()  # every session ends
    forget_reset_tokens(user)  # and every password link
    user.role_grants = []

    for request in db.session.execute(
        sa.select(ErasureRequest).where(ErasureRequest.user_id == user.id)
    ).scalars():
        request.reason = None
        if request.is_pending:
            request.status = ErasureStatus.DONE
            request.decided_at = now
            request.decided_by_id = actor.id
            request.note = (note or "").strip()[:1000] or None

    _scrub_events(
        _events_about(
            user.id,
            sa.select(Enrolment.id).where(Enrolment.user_id == user.id),
            sa.select(Attendance.id).where(Attendance.user_id == user.id),
            sa.select(Certificate.id).where(Certificate.user_id == user.id),
        ),
        [old_name, old_email],
    )
    # What the person did themselves may be about others: only their own name goes.
    _scrub_events(db.session.execute(sa.select(AuditEvent).where(AuditEvent.actor_id == user.id)).scalars(),
                  [old_name, old_email], values=False)
    db.session.flush()
    record(actor, "user.anonymise", user, now=now, summary=f"{ANONYMOUS_NAME} #{user.id}",
           after={"cancelled_enrolments": len(impact.cancelled), "kept_enrolments": impact.kept_enrolments,
                  "certificates_revoked": impact.certificates_revoked,
                  "request_id": impact.pending_request.id if impact.pending_request else None})
    return impact


# Retention -------------------------------------------------------------------------------


def retention_cutoff(now: datetime, years: int) -> datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


@dataclass
class RetentionResult:
    cutoff: datetime
    coaches: int = 0  # (coach, programme) pairs detached
    enrolments: int = 0
    attendance: int = 0
    certificates: int = 0
    kept_for_certificate: int = 0  # pairs left alone because a certificate is still in force


def _expired_pairs(cutoff: datetime, today):
    """(user_id, programme_id) of coaches whose every enrolment in the programme is in a
    cohort that ended before ``cutoff``, not yet anonymised, on a live account."""
    ends = _cohort_end()
    return (
        sa.select(Enrolment.user_id, Enrolment.programme_id)
        .join(ends, ends.c.cohort_id == Enrolment.cohort_id)
        .join(User, User.id == Enrolment.user_id)
        .where(User.erased_at.is_(None))
        .group_by(Enrolment.user_id, Enrolment.programme_id)
        .having(sa.func.max(ends.c.ends_at) < cutoff)
        .having(sa.func.count(Enrolment.anonymised_at) == 0)
        .order_by(Enrolment.user_id, Enrolment.programme_id)
    )


def _in_force(enrolment_ids, today):
    return sa.select(Certificate.id).where(
        Certificate.enrolment_id.in_(enrolment_ids),
        Certificate.revoked_at.is_(None),
        sa.or_(Certificate.valid_until.is_(None), Certificate.valid_until >= today),
    ).exists()


def apply_retention(now: datetime, years: int, *, dry_run: bool = False) -> RetentionResult:
    """Detach enrolments of cohorts that ended more than ``years`` ago from the coach.

    The unit is a coach's enrolments in one programme, once every cohort they were in for
    it ended before the cutoff (a make-up at another cohort's session ties a coach's
    enrolments in a programme together). They move, with the coach's attendance at that
    programme's sessions and the certificates of those enrolments, to a new anonymous
    placeholder account per coach and programme: no name, no address, no password,
    inactive, with the coach's municipality. The figures per region (the cohort's) and
    municipality (the placeholder's) therefore stay exactly the same, while nothing links
    the enrolments to the person any more. The coach's own account, other enrolments and
    learning progress stay.

    A certificate still in force is the coach's proof and names the cohort, so its
    enrolments are kept until it expires or is revoked; then the certificate moves along
    and loses the holder's name and registration number (it stays verifiable by number).

    Idempotent: anonymised enrolments (``anonymised_at``) belong to placeholders, which
    are left alone. ``dry_run`` counts without changing anything.
    """
    cutoff = retention_cutoff(now, years)
    today = today_on(now)
    result = RetentionResult(cutoff=cutoff)
    pairs = db.session.execute(_expired_pairs(cutoff, today)).all()
    for user_id, programme_id in pairs:
        enrolment_ids = list(db.session.execute(
            sa.select(Enrolment.id).where(Enrolment.user_id == user_id, Enrolment.programme_id == programme_id)
        ).scalars())
        if db.session.execute(sa.select(_in_force(enrolment_ids, today))).scalar():
            result.kept_for_certificate += 1
            continue
        sessions = sa.select(Session.id).join(Cohort, Cohort.id == Session.cohort_id).where(
            Cohort.programme_id == programme_id)
        attendance_count = db.session.execute(
            sa.select(sa.func.count(Attendance.id)).where(Attendance.user_id == user_id,
                                                          Attendance.session_id.in_(sessions))
        ).scalar_one()
        certificate_ids = list(db.session.execute(
            sa.select(Certificate.id).where(Certificate.enrolment_id.in_(enrolment_ids))
        ).scalars())
        result.coaches += 1
        result.enrolments += len(enrolment_ids)
        result.attendance += attendance_count
        result.certificates += len(certificate_ids)
        if dry_run:
            continue
        coach = db.session.get(User, user_id)
        placeholder = User(
            name=ANONYMOUS_NAME,
            email=f"retention-{secrets.token_hex(12)}@invalid",
            password_hash=None,
            is_active=False,
            wants_reminders=False,
            locale="nl",
            municipality_id=coach.municipality_id,
            created_at=now,
            erased_at=now,
        )
        db.session.add(placeholder)
        db.session.flush()
        placeholder.email = placeholder_email(placeholder.id)
        pid = placeholder.id
        db.session.execute(sa.update(Enrolment).where(Enrolment.id.in_(enrolment_ids)).values(
            user_id=pid, anonymised_at=now, cancel_reason=None,
            cancelled_by_id=sa.case((Enrolment.cancelled_by_id == user_id, pid), else_=Enrolment.cancelled_by_id),
        ))
        db.session.execute(sa.update(Attendance).where(
            Attendance.user_id == user_id, Attendance.session_id.in_(sessions)).values(user_id=pid, note=None))
        # Audit events about these enrolments, their attendance and certificates would link
        # them back: the coach's own actions move to the placeholder, names are taken out.
        attendance_ids = sa.select(Attendance.id).where(Attendance.user_id == pid)
        db.session.execute(sa.update(AuditEvent).where(
            AuditEvent.actor_id == user_id, AuditEvent.object_type == "enrolment",
            AuditEvent.object_id.in_(enrolment_ids)).values(actor_id=pid))
        events = db.session.execute(sa.select(AuditEvent).where(sa.or_(
            sa.and_(AuditEvent.object_type == "enrolment", AuditEvent.object_id.in_(enrolment_ids)),
            sa.and_(AuditEvent.object_type == "attendance", AuditEvent.object_id.in_(attendance_ids)),
            sa.and_(AuditEvent.object_type == "certificate", AuditEvent.object_id.in_(certificate_ids)),
        ))).scalars().all()
        _scrub_events(events, [coach.name, coach.email])
        for certificate in db.session.execute(
                sa.select(Certificate).where(Certificate.id.in_(certificate_ids))).scalars():
            certificate.user_id = pid
            _blank_snapshot(certificate)
        db.session.flush()
    if dry_run:
        db.session.rollback()
    elif result.coaches:
        record(None, "privacy.retention", None, now=now, object_type="retention",
               summary=f"{result.enrolments} enrolments of {result.coaches} coaches anonymised",
               after={"cutoff": cutoff, "coaches": result.coaches, "enrolments": result.enrolments,
                      "attendance": result.attendance, "certificates": result.certificates})
    return result
