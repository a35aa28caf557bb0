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
    cancelled / rejected ─enrol again, or staff add─▶ as (enrol), the same row

Each transition holds the cohort's row lock and moves the enrolment on with one
conditional UPDATE (lms/enrolment/seats.py), so a double click or two staff members at
once apply it once: one seat, one mail, one audit event. The invariants this keeps are in
the package's docstring (lms/enrolment/__init__.py); the waitlist (offers and their
expiry) is lms/enrolment/waitlist.py.
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
from lms.enrolment.seats import (
    claim,
    close_up,
    empty_cohort,
    force_seat,
    join_waitlist,
    lock_cohort,
    lock_cohorts,
    release_seat,
    reread,
    take_seat,
)
from lms.enrolment.waitlist import expire_offers, offer_next
from lms.extensions import db

register_audit(
    actions={
        "enrolment.enrol": (_l("Enrolled"),),
        "enrolment.add": (_l("Coach added to a group"), _l("%(cohort)s: %(coach)s")),
        "enrolment.approve": (_l("Enrolment approved"),),
        "enrolment.reject": (_l("Enrolment rejected"),),
        "enrolment.cancel": (_l("Enrolment cancelled"),),
        "enrolment.move": (_l("Enrolment moved"), _l("%(source)s → %(target)s")),
    },
    objects={"enrolment": _l("Enrolment")},
    fields={
        "cohort_id": _l("Group"),
        "enrolment_id": _l("Enrolment"),
        "overbooked": _l("Overbooked"),
    },
)

ENDED = (EnrolmentStatus.CANCELLED, EnrolmentStatus.REJECTED)


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


def _locked(enrolment: Enrolment) -> Enrolment:
    """Lock the enrolment's cohort and read the enrolment as it is now."""
    lock_cohort(enrolment.cohort)
    return reread(enrolment)


def _changed_meanwhile() -> EnrolmentError:
    return EnrolmentError(_("This enrolment was changed in the meantime. Please reload the page."))


# Starting an enrolment: a coach enrols, or staff add one -------------------------------


def _existing(user: User, cohort: Cohort, already: str) -> Enrolment | None:
    """The coach's enrolment in this cohort, if it ended (it is used again); refuses a live one."""
    existing = own_enrolment(user, cohort)
    if existing is not None:
        reread(existing)
    return _ended(existing, already)


def _ended(existing: Enrolment | None, already: str) -> Enrolment | None:
    if existing is not None and existing.status in TAKEN:
        raise EnrolmentError(already)
    return existing


def _coach_enrolments(user: User, cohort: Cohort) -> list[Enrolment]:
    """The coach's enrolment in this cohort and those that hold a seat or a completion, read afresh.

    One statement for what enrolling decides on (call with the cohort locked): the earlier
    enrolment in this cohort, another one in the programme, and the sessions of the others
    that may overlap.
    """
    return list(db.session.execute(
        sa.select(Enrolment)
        .where(Enrolment.user_id == user.id,
               sa.or_(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(TAKEN)))
        .options(joinedload(Enrolment.cohort).joinedload(Cohort.sessions))
        .order_by(Enrolment.id)
        .execution_options(populate_existing=True)
    ).unique().scalars())


def _start(user: User, cohort: Cohort, existing: Enrolment | None, now: datetime, **values) -> Enrolment:
    """Insert the enrolment, or start the ended one again only if it is still ended (never twice)."""
    values = {
        # Nothing of an earlier round carries over.
        "created_at": now, "updated_at": now, "enrolled_at": None, "decided_at": None, "decided_by_id": None,
        "offered_at": None, "offer_expires_at": None, "offer_reminded_at": None, "cancelled_at": None,
        "cancel_reason": None, "cancelled_by_id": None, "completed_at": None, "seat_released_at": None,
        "waitlist_position": None, "is_overbooked": False,
        **values,
    }
    if existing is None:
        enrolment = Enrolment(cohort_id=cohort.id, user_id=user.id, programme_id=cohort.programme_id, **values)
        db.session.add(enrolment)
        db.session.flush()  # a second submit of the same coach fails here (unique per cohort)
        return enrolment
    if not claim(existing, ENDED, **values):
        raise _changed_meanwhile()
    return existing


def enrol(user: User, cohort: Cohort, now: datetime) -> EnrolResult:
    """Enrol a coach: a seat if one is free (pending where approval is needed), else the waitlist."""
    if not user.has_role(Role.COACH):
        raise EnrolmentError(_("Only coaches can enrol in a group."))
    if not user.is_email_verified:
        raise EnrolmentError(_("Confirm your email address first, with the link we sent you; you can have it sent "
                               "again with the button at the top of the page."))
    lock_cohort(cohort)
    problem = enrolment_window_problem(cohort, now)
    if problem:
        raise EnrolmentError(problem)
    mine = _coach_enrolments(user, cohort)
    existing = _ended(next((e for e in mine if e.cohort_id == cohort.id), None),
                      _("You are already enrolled in this group."))
    other = next((e for e in mine if e.programme_id == cohort.programme_id and e.cohort_id != cohort.id
                  and e.status in TAKEN), None)
    if other is not None:
        if other.status == EnrolmentStatus.COMPLETED:
            raise EnrolmentError(_("You have already completed this programme."))
        raise EnrolmentError(_("You are already enrolled in another group of this programme: %(title)s. "
                               "Cancel that enrolment first if you want to switch.", title=other.cohort.title))
    overlaps = overlapping_sessions(cohort, mine)
    if take_seat(cohort):
        if cohort.programme.requires_approval:
            values = {"status": EnrolmentStatus.PENDING}
        else:
            values = {"status": EnrolmentStatus.ENROLLED, "enrolled_at": now}
    else:
        values = {"status": EnrolmentStatus.WAITLISTED, "waitlist_position": join_waitlist(cohort)}
    before = {"status": existing.status.value} if existing is not None else None
    enrolment = _start(user, cohort, existing, now, **values)
    _record(user, "enrolment.enrol", enrolment, now, before=before, after={"status": values["status"].value})
    notify_enrolment(enrolment, EnrolmentMail(values["status"].value), now)
    return EnrolResult(enrolment, overlaps)


def _seat_for_staff(cohort: Cohort, overbook: bool) -> bool:
    """Staff place a coach: a free seat, or one beyond the capacity once they confirmed; True if beyond."""
    if take_seat(cohort):
        return False
    if not overbook:
        raise NeedsOverbooking()
    force_seat(cohort)
    return True


def add_coach(actor: User, cohort: Cohort, user: User, now: datetime, overbook: bool = False) -> Enrolment:
    """Staff place a coach in a cohort; beyond capacity only with ``overbook``."""
    if not user.has_role(Role.COACH):
        raise EnrolmentError(_("%(name)s is not a coach.", name=user.name))
    if not user.is_email_verified:
        raise EnrolmentError(_("%(name)s has not confirmed their email address yet.", name=user.name))
    lock_cohort(cohort)
    if cohort.is_over:
        raise EnrolmentError(_("Coaches cannot be added to a cancelled or completed group."))
    existing = _existing(user, cohort, _("%(name)s is already in this group.", name=user.name))
    clash = db.session.execute(
        sa.select(Enrolment.id).where(Enrolment.user_id == user.id, Enrolment.programme_id == cohort.programme_id,
                                      Enrolment.cohort_id != cohort.id, Enrolment.status.in_(ACTIVE))
    ).first()
    if clash:
        raise EnrolmentError(_("%(name)s is already enrolled in another group of this programme; move that "
                               "enrolment instead.", name=user.name))
    overbooked = _seat_for_staff(cohort, overbook)
    before = {"status": existing.status.value} if existing is not None else None
    enrolment = _start(user, cohort, existing, now, status=EnrolmentStatus.ENROLLED, enrolled_at=now,
                       decided_at=now, decided_by_id=actor.id, is_overbooked=overbooked)
    record(actor, "enrolment.add", enrolment, now=now, summary=f"{cohort.title}: {user.name}",
           params={"cohort": cohort.title, "coach": user.name},
           before=before, after={"status": "enrolled", "overbooked": overbooked})
    notify_enrolment(enrolment, EnrolmentMail.ENROLLED, now)
    return enrolment


# Coach actions -----------------------------------------------------------------------


def cancel_by_coach(user: User, enrolment: Enrolment, now: datetime) -> None:
    """A coach cancels their own enrolment, or leaves the waitlist, until the deadline."""
    if enrolment.user_id != user.id:
        raise EnrolmentError(_("This is not your enrolment."))
    _locked(enrolment)
    if enrolment.status not in ACTIVE:
        raise EnrolmentError(_("This enrolment is no longer active."))
    if not can_cancel_self(enrolment, now):
        raise EnrolmentError(_("The cancellation deadline has passed. Please contact the organisers."))
    reason = _("Left the waitlist") if enrolment.status == EnrolmentStatus.WAITLISTED else _("Cancelled by the coach")
    _cancel(user, enrolment, reason, now)


def cancel_by_staff(actor: User, enrolment: Enrolment, reason: str, now: datetime) -> None:
    _locked(enrolment)
    if enrolment.status not in TAKEN:
        raise EnrolmentError(_("This enrolment is no longer active."))
    _cancel(actor, enrolment, reason, now)


def _cancel(actor, enrolment: Enrolment, reason: str, now: datetime) -> None:
    """End an enrolment (its cohort locked): its seat goes to the next in line, its place in line closes up."""
    held_seat = enrolment.holds_seat
    place = enrolment.waitlist_position
    before = enrolment.status
    cohort = enrolment.cohort
    if not claim(enrolment, [before], status=EnrolmentStatus.CANCELLED, cancelled_at=now, cancel_reason=reason,
                 cancelled_by_id=actor.id, waitlist_position=None, offer_expires_at=None, seat_released_at=None,
                 updated_at=now):
        raise _changed_meanwhile()
    if held_seat:
        release_seat(cohort)
    if place is not None:
        close_up(cohort, place)
    _record(actor, "enrolment.cancel", enrolment, now, before={"status": before.value},
            after={"status": "cancelled", "reason": reason})
    notify_enrolment(enrolment, EnrolmentMail.CANCELLED, now, reason=reason)
    if held_seat:
        offer_next(cohort, now)


def accept_offer(user: User, enrolment: Enrolment, now: datetime) -> Enrolment:
    """The coach takes the seat offered: enrolled, or pending where the programme needs approval."""
    if enrolment.user_id != user.id:
        raise EnrolmentError(_("This is not your enrolment."))
    lock_cohort(enrolment.cohort)
    expire_offers(now, enrolment.cohort)
    reread(enrolment)
    if enrolment.status != EnrolmentStatus.OFFERED:
        raise EnrolmentError(_("This offer is no longer open."))
    if enrolment.programme.requires_approval:
        values = {"status": EnrolmentStatus.PENDING}
    else:
        values = {"status": EnrolmentStatus.ENROLLED, "enrolled_at": now}
    if not claim(enrolment, [EnrolmentStatus.OFFERED], offer_expires_at=None, updated_at=now, **values):
        raise EnrolmentError(_("This offer is no longer open."))
    notify_enrolment(enrolment, EnrolmentMail(values["status"].value), now)
    return enrolment


def decline_offer(user: User, enrolment: Enrolment, now: datetime) -> None:
    if enrolment.user_id != user.id:
        raise EnrolmentError(_("This is not your enrolment."))
    _locked(enrolment)
    if enrolment.status != EnrolmentStatus.OFFERED:
        raise EnrolmentError(_("This offer is no longer open."))
    _cancel(user, enrolment, _("Offer declined"), now)


# Staff actions -----------------------------------------------------------------------


def approve(actor: User, enrolment: Enrolment, now: datetime) -> None:
    # No counter changes: the conditional UPDATE alone makes it happen once.
    if not claim(enrolment, [EnrolmentStatus.PENDING], status=EnrolmentStatus.ENROLLED, enrolled_at=now,
                 decided_at=now, decided_by_id=actor.id, updated_at=now):
        raise EnrolmentError(_("This enrolment is not waiting for approval."))
    _record(actor, "enrolment.approve", enrolment, now, before={"status": "pending"}, after={"status": "enrolled"})
    notify_enrolment(enrolment, EnrolmentMail.APPROVED, now)


def reject(actor: User, enrolment: Enrolment, reason: str, now: datetime) -> None:
    cohort = enrolment.cohort
    lock_cohort(cohort)
    if not claim(enrolment, [EnrolmentStatus.PENDING], status=EnrolmentStatus.REJECTED, decided_at=now,
                 decided_by_id=actor.id, cancel_reason=reason, updated_at=now):
        raise EnrolmentError(_("This enrolment is not waiting for approval."))
    release_seat(cohort)
    _record(actor, "enrolment.reject", enrolment, now, before={"status": "pending"},
            after={"status": "rejected", "reason": reason})
    notify_enrolment(enrolment, EnrolmentMail.REJECTED, now, reason=reason)
    offer_next(cohort, now)


def move(actor: User, enrolment: Enrolment, target: Cohort, now: datetime, overbook: bool = False) -> None:
    """Move an enrolment to another cohort of the same programme, keeping the coach's place."""
    source = enrolment.cohort
    if target.id == source.id:
        raise EnrolmentError(_("Choose another group."), "cohort_id")
    if target.programme_id != source.programme_id:
        raise EnrolmentError(_("An enrolment can only move to a group of the same programme."), "cohort_id")
    lock_cohorts([source, target])
    reread(enrolment)
    if target.is_over or target.is_draft:
        raise EnrolmentError(_("The chosen group does not take participants."), "cohort_id")
    if enrolment.status not in ACTIVE or enrolment.cohort_id != source.id:
        raise EnrolmentError(_("Only active enrolments can be moved."), "cohort_id")
    if own_enrolment(enrolment.user, target) is not None:
        raise EnrolmentError(_("%(name)s already has an enrolment in that group.", name=enrolment.user.name),
                             "cohort_id")
    held_seat = enrolment.holds_seat
    place = enrolment.waitlist_position
    before = enrolment.status
    overbooked = _seat_for_staff(target, overbook)
    values = {"cohort_id": target.id, "waitlist_position": None, "offer_expires_at": None,
              "is_overbooked": overbooked, "updated_at": now}
    if before in (EnrolmentStatus.WAITLISTED, EnrolmentStatus.OFFERED):
        values.update(status=EnrolmentStatus.ENROLLED, enrolled_at=now)
    if not claim(enrolment, [before], **values):
        raise _changed_meanwhile()
    if held_seat:
        release_seat(source)
    if place is not None:
        close_up(source, place)
    record(actor, "enrolment.move", enrolment, now=now, summary=f"{source.title} → {target.title}",
           params={"source": source.title, "target": target.title},
           before={"cohort_id": source.id, "status": before.value},
           after={"cohort_id": target.id, "status": enrolment.status.value})
    notify_enrolment(enrolment, EnrolmentMail.MOVED, now, previous=source)
    if held_seat:
        offer_next(source, now)


# A cancelled cohort ------------------------------------------------------------------


@cohort_cancelled.connect
def end_enrolments(_sender, *, cohort: Cohort, reason: str, now: datetime, actor=None, **_kwargs) -> list[Enrolment]:
    """The cohort was cancelled: every active enrolment ends with it, nobody holds a seat, everyone is told."""
    lock_cohort(cohort)
    enrolments = active_enrolments(cohort)
    previous = {e.id: e.status for e in enrolments}
    mine = (Enrolment.cohort_id == cohort.id,)
    db.session.execute(
        sa.update(Enrolment).where(*mine, Enrolment.status.in_(ACTIVE))
        .values(status=EnrolmentStatus.CANCELLED, cancelled_at=now, cancel_reason=reason,
                cancelled_by_id=getattr(actor, "id", None), waitlist_position=None, offer_expires_at=None,
                updated_at=now)
        .execution_options(synchronize_session=False)
    )
    # Who completed the programme elsewhere keeps that, but not a seat in a group that will not take place.
    db.session.execute(
        sa.update(Enrolment).where(*mine, Enrolment.status == EnrolmentStatus.COMPLETED,
                                   Enrolment.seat_released_at.is_(None))
        .values(seat_released_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    empty_cohort(cohort)
    for enrolment in enrolments:
        db.session.expire(enrolment)
    notify_cohort_cancelled(cohort, enrolments, previous, reason, now)
    return enrolments
