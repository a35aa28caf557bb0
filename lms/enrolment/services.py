"""Enrolment: seats, approval, moving, cancellation; the one author of an enrolment's status.

State diagram of an enrolment (``status``)::

    (enrol) ──seat free──▶ enrolled ──────────────▶ completed   (lms/enrolment/completion.py)
       │         └─needs approval─▶ pending ─approve─▶ enrolled
       │                              └─reject─▶ rejected
       └──full──▶ waitlisted ─seat freed─▶ offered ─accept─▶ enrolled (or pending)
                      │                       ├─decline / expire─▶ cancelled (next in line is offered)
                      └─leave─▶ cancelled
    pending / enrolled / offered ─cancel─▶ cancelled (the seat goes to the next in line)
    every active enrolment ─cohort cancelled─▶ cancelled

Seats are counted in ``Cohort.seats_taken`` and changed only by conditional UPDATE
statements (lms/enrolment/seats.py), so concurrent requests can never take more seats
than there are; the waitlist (offers and their expiry) is lms/enrolment/waitlist.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from lms.audit.labels import register as register_audit
from lms.audit.services import record
from lms.auth.models import Role, User
from lms.cohorts.models import Cohort, Session
from lms.domain import DomainError, cohort_cancelled
from lms.enrolment.models import ACTIVE, Enrolment, EnrolmentStatus
from lms.enrolment.notices import EnrolmentMail, notify_cohort_cancelled, notify_enrolment
from lms.enrolment.queries import (
    TAKEN,
    active_enrolments,
    can_cancel_self,
    enrolment_window_problem,
    overlapping_sessions,
    own_enrolment,
)
from lms.enrolment.seats import claim, force_seat, free_all_seats, next_waitlist_number, release_seat, take_seat
from lms.enrolment.waitlist import expire_offers, offer_next
from lms.extensions import db

register_audit(
    actions={
        "enrolment.add": (_l("Coach added to a cohort"), _l("%(cohort)s: %(coach)s")),
        "enrolment.approve": (_l("Enrolment approved"),),
        "enrolment.reject": (_l("Enrolment rejected"),),
        "enrolment.cancel": (_l("Enrolment cancelled"),),
        "enrolment.move": (_l("Enrolment moved"), _l("%(source)s → %(target)s")),
    },
    objects={"enrolment": _l("Enrolment")},
    fields={
        "cohort_id": _l("Cohort"),
        "enrolment_id": _l("Enrolment"),
        "overbooked": _l("Overbooked"),
    },
)


class EnrolmentError(DomainError):
    """A rule of enrolment refused the action."""


class NeedsOverbooking(Exception):
    """The cohort is full; staff may still place the coach after an explicit confirmation."""


@dataclass
class EnrolResult:
    enrolment: Enrolment
    overlaps: list[Session] = field(default_factory=list)


def _record(actor, action: str, enrolment: Enrolment, now: datetime, *, before: dict | None, after: dict) -> None:
    """An audit event about an enrolment, its summary naming the cohort."""
    title = enrolment.cohort.title
    record(actor, action, enrolment, now=now, summary=title, params={"name": title}, before=before, after=after)


# Coach actions -----------------------------------------------------------------------


def enrol(user: User, cohort: Cohort, now: datetime) -> EnrolResult:
    """Enrol a coach: a seat if one is free (pending where approval is needed), else the waitlist."""
    if not user.has_role(Role.COACH):
        raise EnrolmentError(_("Only coaches can enrol in a group."))
    if not user.is_email_verified:
        raise EnrolmentError(_("Confirm your email address first, with the link we sent you; you can have it sent "
                               "again with the button at the top of the page."))
    problem = enrolment_window_problem(cohort, now)
    if problem:
        raise EnrolmentError(problem)
    existing = own_enrolment(user, cohort)
    if existing is not None and existing.status in TAKEN:
        raise EnrolmentError(_("You are already enrolled in this group."))
    other = db.session.execute(
        sa.select(Enrolment).where(
            Enrolment.user_id == user.id, Enrolment.programme_id == cohort.programme_id,
            Enrolment.cohort_id != cohort.id, Enrolment.status.in_(TAKEN),
        ).options(joinedload(Enrolment.cohort))
    ).scalars().first()
    if other is not None:
        if other.status == EnrolmentStatus.COMPLETED:
            raise EnrolmentError(_("You have already completed this programme."))
        raise EnrolmentError(_("You are already enrolled in another group of this programme: %(title)s. "
                               "Cancel that enrolment first if you want to switch.", title=other.cohort.title))
    overlaps = overlapping_sessions(user, cohort)

    enrolment = existing or Enrolment(cohort_id=cohort.id, user_id=user.id, programme_id=cohort.programme_id,
                                      created_at=now)
    if existing is None:
        db.session.add(enrolment)
    # The row goes in first: a second submit of the same coach fails here, before taking a seat.
    enrolment.status = EnrolmentStatus.WAITLISTED
    enrolment.waitlist_position = 0
    enrolment.cancelled_at = enrolment.cancel_reason = enrolment.cancelled_by_id = None
    enrolment.offered_at = enrolment.offer_expires_at = enrolment.offer_reminded_at = None
    enrolment.created_at = now
    db.session.flush()
    if take_seat(cohort):
        needs_approval = cohort.programme.requires_approval
        enrolment.status = EnrolmentStatus.PENDING if needs_approval else EnrolmentStatus.ENROLLED
        enrolment.waitlist_position = None
        if not needs_approval:
            enrolment.enrolled_at = now
    else:
        enrolment.waitlist_position = next_waitlist_number(cohort)
    enrolment.updated_at = now
    db.session.flush()
    notify_enrolment(enrolment, EnrolmentMail(enrolment.status.value), now)
    return EnrolResult(enrolment, overlaps)


def cancel_by_coach(user: User, enrolment: Enrolment, now: datetime) -> None:
    """A coach cancels their own enrolment, or leaves the waitlist, until the deadline."""
    if enrolment.user_id != user.id:
        raise EnrolmentError(_("This is not your enrolment."))
    if enrolment.status not in ACTIVE:
        raise EnrolmentError(_("This enrolment is no longer active."))
    if not can_cancel_self(enrolment, now):
        raise EnrolmentError(_("The cancellation deadline has passed. Please contact the organisers."))
    reason = _("Left the waitlist") if enrolment.status == EnrolmentStatus.WAITLISTED else _("Cancelled by the coach")
    _cancel(user, enrolment, reason, now)


def cancel_by_staff(actor: User, enrolment: Enrolment, reason: str, now: datetime) -> None:
    if enrolment.status not in TAKEN:
        raise EnrolmentError(_("This enrolment is no longer active."))
    _cancel(actor, enrolment, reason, now)


def _cancel(actor, enrolment: Enrolment, reason: str, now: datetime) -> None:
    held_seat = enrolment.holds_seat
    before = enrolment.status
    cohort = enrolment.cohort
    if not claim(enrolment, [before], status=EnrolmentStatus.CANCELLED, cancelled_at=now, cancel_reason=reason,
                 cancelled_by_id=actor.id, waitlist_position=None, offer_expires_at=None, updated_at=now):
        raise EnrolmentError(_("This enrolment was changed in the meantime. Please reload the page."))
    if held_seat:
        release_seat(cohort)
    _record(actor, "enrolment.cancel", enrolment, now, before={"status": before.value},
            after={"status": "cancelled", "reason": reason})
    notify_enrolment(enrolment, EnrolmentMail.CANCELLED, now, reason=reason)
    if held_seat:
        offer_next(cohort, now)


def accept_offer(user: User, enrolment: Enrolment, now: datetime) -> None:
    if enrolment.user_id != user.id:
        raise EnrolmentError(_("This is not your enrolment."))
    expire_offers(now, enrolment.cohort)
    if enrolment.status != EnrolmentStatus.OFFERED:
        raise EnrolmentError(_("This offer is no longer open."))
    target = EnrolmentStatus.PENDING if enrolment.programme.requires_approval else EnrolmentStatus.ENROLLED
    if not claim(enrolment, [EnrolmentStatus.OFFERED], status=target, enrolled_at=now, offer_expires_at=None,
                 updated_at=now):
        raise EnrolmentError(_("This offer is no longer open."))
    notify_enrolment(enrolment, EnrolmentMail(target.value), now)


def decline_offer(user: User, enrolment: Enrolment, now: datetime) -> None:
    if enrolment.user_id != user.id:
        raise EnrolmentError(_("This is not your enrolment."))
    if enrolment.status != EnrolmentStatus.OFFERED:
        raise EnrolmentError(_("This offer is no longer open."))
    _cancel(user, enrolment, _("Offer declined"), now)


# Staff actions -----------------------------------------------------------------------


def approve(actor: User, enrolment: Enrolment, now: datetime) -> None:
    if not claim(enrolment, [EnrolmentStatus.PENDING], status=EnrolmentStatus.ENROLLED, enrolled_at=now,
                 decided_at=now, decided_by_id=actor.id, updated_at=now):
        raise EnrolmentError(_("This enrolment is not waiting for approval."))
    _record(actor, "enrolment.approve", enrolment, now, before={"status": "pending"}, after={"status": "enrolled"})
    notify_enrolment(enrolment, EnrolmentMail.APPROVED, now)


def reject(actor: User, enrolment: Enrolment, reason: str, now: datetime) -> None:
    cohort = enrolment.cohort
    if not claim(enrolment, [EnrolmentStatus.PENDING], status=EnrolmentStatus.REJECTED, decided_at=now,
                 decided_by_id=actor.id, cancel_reason=reason, updated_at=now):
        raise EnrolmentError(_("This enrolment is not waiting for approval."))
    release_seat(cohort)
    _record(actor, "enrolment.reject", enrolment, now, before={"status": "pending"},
            after={"status": "rejected", "reason": reason})
    notify_enrolment(enrolment, EnrolmentMail.REJECTED, now, reason=reason)
    offer_next(cohort, now)


def _seat_for_staff(cohort: Cohort, enrolment: Enrolment, overbook: bool) -> None:
    """Staff place a coach: a free seat, or one beyond the capacity once they confirmed."""
    if not take_seat(cohort):
        if not overbook:
            raise NeedsOverbooking()
        force_seat(cohort)
        enrolment.is_overbooked = True


def add_coach(actor: User, cohort: Cohort, user: User, now: datetime, overbook: bool = False) -> Enrolment:
    """Staff place a coach in a cohort; beyond capacity only with ``overbook``."""
    if not user.has_role(Role.COACH):
        raise EnrolmentError(_("%(name)s is not a coach.", name=user.name))
    if not user.is_email_verified:
        raise EnrolmentError(_("%(name)s has not confirmed their email address yet.", name=user.name))
    if cohort.is_over:
        raise EnrolmentError(_("Coaches cannot be added to a cancelled or completed group."))
    existing = own_enrolment(user, cohort)
    if existing is not None and existing.status in TAKEN:
        raise EnrolmentError(_("%(name)s is already in this group.", name=user.name))
    clash = db.session.execute(
        sa.select(Enrolment.id).where(Enrolment.user_id == user.id, Enrolment.programme_id == cohort.programme_id,
                                      Enrolment.cohort_id != cohort.id, Enrolment.status.in_(ACTIVE))
    ).first()
    if clash:
        raise EnrolmentError(_("%(name)s is already enrolled in another group of this programme; move that "
                               "enrolment instead.", name=user.name))
    enrolment = existing or Enrolment(cohort_id=cohort.id, user_id=user.id, programme_id=cohort.programme_id,
                                      created_at=now)
    before = {"status": existing.status.value} if existing is not None else None
    if existing is None:
        db.session.add(enrolment)
    enrolment.status = EnrolmentStatus.WAITLISTED
    enrolment.waitlist_position = 0
    db.session.flush()
    _seat_for_staff(cohort, enrolment, overbook)
    enrolment.status = EnrolmentStatus.ENROLLED
    enrolment.waitlist_position = None
    enrolment.enrolled_at = now
    enrolment.decided_at, enrolment.decided_by_id = now, actor.id
    enrolment.cancelled_at = enrolment.cancel_reason = None
    enrolment.updated_at = now
    db.session.flush()
    record(actor, "enrolment.add", enrolment, now=now, summary=f"{cohort.title}: {user.name}",
           params={"cohort": cohort.title, "coach": user.name},
           before=before, after={"status": "enrolled", "overbooked": enrolment.is_overbooked})
    notify_enrolment(enrolment, EnrolmentMail.ENROLLED, now)
    return enrolment


def move(actor: User, enrolment: Enrolment, target: Cohort, now: datetime, overbook: bool = False) -> None:
    """Move an enrolment to another cohort of the same programme, keeping the coach's place."""
    source = enrolment.cohort
    if target.id == source.id:
        raise EnrolmentError(_("Choose another group."), "cohort_id")
    if target.programme_id != source.programme_id:
        raise EnrolmentError(_("An enrolment can only move to a group of the same programme."), "cohort_id")
    if target.is_over or target.is_draft:
        raise EnrolmentError(_("The chosen group does not take participants."), "cohort_id")
    if enrolment.status not in ACTIVE:
        raise EnrolmentError(_("Only active enrolments can be moved."), "cohort_id")
    if own_enrolment(enrolment.user, target) is not None:
        raise EnrolmentError(_("%(name)s already has an enrolment in that group.", name=enrolment.user.name),
                             "cohort_id")
    held_seat = enrolment.holds_seat
    _seat_for_staff(target, enrolment, overbook)
    before = {"cohort_id": source.id, "status": enrolment.status.value}
    enrolment.cohort_id = target.id
    enrolment.cohort = target
    if enrolment.status in (EnrolmentStatus.WAITLISTED, EnrolmentStatus.OFFERED):
        enrolment.status = EnrolmentStatus.ENROLLED
        enrolment.enrolled_at = now
    enrolment.waitlist_position = None
    enrolment.offer_expires_at = None
    enrolment.updated_at = now
    db.session.flush()
    if held_seat:
        release_seat(source)
    record(actor, "enrolment.move", enrolment, now=now, summary=f"{source.title} → {target.title}",
           params={"source": source.title, "target": target.title},
           before=before, after={"cohort_id": target.id, "status": enrolment.status.value})
    notify_enrolment(enrolment, EnrolmentMail.MOVED, now, previous=source)
    if held_seat:
        offer_next(source, now)


# A cancelled cohort ------------------------------------------------------------------


@cohort_cancelled.connect
def end_enrolments(_sender, *, cohort: Cohort, reason: str, now: datetime, actor=None, **_kwargs) -> list[Enrolment]:
    """The cohort was cancelled: every active enrolment ends with it, and everyone is told."""
    enrolments = active_enrolments(cohort)
    previous = {e.id: e.status for e in enrolments}
    for enrolment in enrolments:
        enrolment.status = EnrolmentStatus.CANCELLED
        enrolment.cancelled_at = now
        enrolment.cancel_reason = reason
        enrolment.cancelled_by_id = getattr(actor, "id", None)
        enrolment.waitlist_position = None
        enrolment.offer_expires_at = None
    free_all_seats(cohort)
    notify_cohort_cancelled(cohort, enrolments, previous, reason, now)
    return enrolments
