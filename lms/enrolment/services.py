"""Enrolment: seats, the waitlist with offers, approval, cancellation and the roster.

State diagram of an enrolment (``status``)::

    (enrol) ──seat free──▶ enrolled ──────────────▶ completed   (completion service)
       │         └─needs approval─▶ pending ─approve─▶ enrolled
       │                              └─reject─▶ rejected
       └──full──▶ waitlisted ─seat freed─▶ offered ─accept─▶ enrolled (or pending)
                      │                       ├─decline / expire─▶ cancelled (next in line is offered)
                      └─leave─▶ cancelled
    pending / enrolled / offered ─cancel─▶ cancelled (the seat goes to the next in line)

Seats are counted in ``Cohort.seats_taken`` and changed only by conditional UPDATE
statements (``... WHERE seats_taken < capacity``), so concurrent requests can never take
more seats than there are, on SQLite and PostgreSQL alike. Waitlist numbers come from
``Cohort.waitlist_counter`` the same way, so the line has a strict order.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from lms.audit.labels import register as register_audit
from lms.audit.services import record
from lms.auth.models import Role, User, UserRole
from lms.cohorts.models import Cohort, CohortStatus, Session, SessionStatus
from lms.enrolment.models import ACTIVE, SEAT_HOLDING, Enrolment, EnrolmentStatus, Interest
from lms.extensions import db
from lms.programmes.models import Programme
from lms.regions.models import Region

register_audit(
    actions={
        "enrolment.add": (_l("Coach added to a cohort"),),
        "enrolment.approve": (_l("Enrolment approved"),),
        "enrolment.reject": (_l("Enrolment rejected"),),
        "enrolment.cancel": (_l("Enrolment cancelled"),),
        "enrolment.move": (_l("Enrolment moved"),),
    },
    objects={"enrolment": _l("Enrolment")},
    fields={
        "cohort_id": _l("Cohort"),
        "enrolment_id": _l("Enrolment"),
        "overbooked": _l("Overbooked"),
    },
)

OFFER_REMINDER_BEFORE = timedelta(hours=12)


class EnrolmentError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NeedsOverbooking(Exception):
    """The cohort is full; staff may still place the coach after an explicit confirmation."""


@dataclass
class EnrolResult:
    enrolment: Enrolment
    overlaps: list[Session] = field(default_factory=list)


# Seats: every change is one conditional UPDATE --------------------------------------


def _take_seat(cohort: Cohort) -> bool:
    result = db.session.execute(
        sa.update(Cohort)
        .where(Cohort.id == cohort.id, Cohort.seats_taken < Cohort.capacity)
        .values(seats_taken=Cohort.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(cohort, ["seats_taken"])
    return result.rowcount == 1


def _force_seat(cohort: Cohort) -> None:
    db.session.execute(
        sa.update(Cohort).where(Cohort.id == cohort.id).values(seats_taken=Cohort.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(cohort, ["seats_taken"])


def _release_seat(cohort: Cohort) -> None:
    db.session.execute(
        sa.update(Cohort).where(Cohort.id == cohort.id, Cohort.seats_taken > 0)
        .values(seats_taken=Cohort.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(cohort, ["seats_taken"])


def _next_waitlist_number(cohort: Cohort) -> int:
    number = db.session.execute(
        sa.update(Cohort).where(Cohort.id == cohort.id)
        .values(waitlist_counter=Cohort.waitlist_counter + 1)
        .returning(Cohort.waitlist_counter)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    db.session.expire(cohort, ["waitlist_counter"])
    return number


def _claim(enrolment: Enrolment, from_statuses, **values) -> bool:
    """Move an enrolment on only if it is still in one of ``from_statuses`` (safe under concurrency)."""
    result = db.session.execute(
        sa.update(Enrolment)
        .where(Enrolment.id == enrolment.id, Enrolment.status.in_(list(from_statuses)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(enrolment)
    return result.rowcount == 1


# Reading -----------------------------------------------------------------------------


def first_session_start(cohort: Cohort) -> datetime | None:
    starts = [s.starts_at for s in cohort.sessions if s.status == SessionStatus.SCHEDULED]
    return min(starts) if starts else None


def cancellation_deadline(cohort: Cohort) -> datetime | None:
    first = first_session_start(cohort)
    if first is None:
        return None
    return first - timedelta(days=cohort.programme.cancellation_deadline_days)


def enrolment_window_problem(cohort: Cohort, now: datetime) -> str | None:
    """Why a coach cannot enrol in this cohort now, or None."""
    if cohort.status != CohortStatus.OPEN:
        return _("This group is not open for enrolment.")
    if cohort.enrol_opens_at and now < cohort.enrol_opens_at:
        from lms.i18n import fmt_datetime

        return _("Enrolment opens on %(when)s.", when=fmt_datetime(cohort.enrol_opens_at, "long"))
    first = first_session_start(cohort)
    if (cohort.enrol_closes_at and now > cohort.enrol_closes_at) or (first and now >= first):
        return _("Enrolment for this group has closed.")
    return None


def own_enrolment(user, cohort: Cohort) -> Enrolment | None:
    if not user.is_authenticated:
        return None
    return db.session.execute(
        sa.select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == user.id)
    ).scalar_one_or_none()


def waitlist_rank(enrolment: Enrolment) -> int | None:
    """1 for the first in line; None when not on the waitlist."""
    if enrolment.status != EnrolmentStatus.WAITLISTED:
        return None
    ahead = db.session.execute(
        sa.select(sa.func.count(Enrolment.id)).where(
            Enrolment.cohort_id == enrolment.cohort_id,
            Enrolment.status == EnrolmentStatus.WAITLISTED,
            Enrolment.waitlist_position < enrolment.waitlist_position,
        )
    ).scalar_one()
    return ahead + 1


def overlapping_sessions(user: User, cohort: Cohort) -> list[Session]:
    """Sessions of the user's other active enrolments that overlap this cohort's sessions."""
    mine = [s for s in cohort.sessions if s.status == SessionStatus.SCHEDULED]
    if not mine:
        return []
    others = db.session.execute(
        sa.select(Session)
        .join(Enrolment, Enrolment.cohort_id == Session.cohort_id)
        .where(Enrolment.user_id == user.id, Enrolment.status.in_(ACTIVE), Enrolment.cohort_id != cohort.id,
               Session.status == SessionStatus.SCHEDULED)
        .options(joinedload(Session.cohort))
    ).scalars().all()
    return [o for o in others if any(o.starts_at < s.ends_at and s.starts_at < o.ends_at for s in mine)]


def enrol_panel_context(user, cohort: Cohort, now) -> dict:
    """What the enrolment box on a cohort page shows to this visitor."""
    enrolment = own_enrolment(user, cohort)
    return {
        "cohort": cohort,
        "enrolment": enrolment,
        "rank": waitlist_rank(enrolment) if enrolment else None,
        "window_problem": enrolment_window_problem(cohort, now),
        "deadline": cancellation_deadline(cohort),
        "can_cancel": bool(enrolment and can_cancel_self(enrolment, now)),
        "is_coach": user.is_authenticated and user.has_role(Role.COACH),
        "now": now,
    }


# Coach actions -----------------------------------------------------------------------


def enrol(user: User, cohort: Cohort, now: datetime) -> EnrolResult:
    """Enrol a coach: a seat if one is free (pending where approval is needed), else the waitlist."""
    if not user.has_role(Role.COACH):
        raise EnrolmentError(_("Only coaches can enrol in a group."))
    problem = enrolment_window_problem(cohort, now)
    if problem:
        raise EnrolmentError(problem)
    existing = own_enrolment(user, cohort)
    if existing is not None and existing.status in ACTIVE + (EnrolmentStatus.COMPLETED,):
        raise EnrolmentError(_("You are already enrolled in this group."))
    other = db.session.execute(
        sa.select(Enrolment).where(
            Enrolment.user_id == user.id, Enrolment.programme_id == cohort.programme_id,
            Enrolment.cohort_id != cohort.id,
            Enrolment.status.in_(ACTIVE + (EnrolmentStatus.COMPLETED,)),
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
    if _take_seat(cohort):
        needs_approval = cohort.programme.requires_approval
        enrolment.status = EnrolmentStatus.PENDING if needs_approval else EnrolmentStatus.ENROLLED
        enrolment.waitlist_position = None
        if not needs_approval:
            enrolment.enrolled_at = now
    else:
        enrolment.waitlist_position = _next_waitlist_number(cohort)
    enrolment.updated_at = now
    db.session.flush()
    _notify(enrolment, {
        EnrolmentStatus.ENROLLED: "enrolled", EnrolmentStatus.PENDING: "pending",
        EnrolmentStatus.WAITLISTED: "waitlisted"}[enrolment.status], now)
    return EnrolResult(enrolment, overlaps)


def can_cancel_self(enrolment: Enrolment, now: datetime) -> bool:
    if enrolment.status == EnrolmentStatus.WAITLISTED:
        return True  # leaving the line is always possible
    if enrolment.status not in ACTIVE:
        return False
    deadline = cancellation_deadline(enrolment.cohort)
    return deadline is None or now <= deadline


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
    if enrolment.status not in ACTIVE + (EnrolmentStatus.COMPLETED,):
        raise EnrolmentError(_("This enrolment is no longer active."))
    _cancel(actor, enrolment, reason, now)


def _cancel(actor, enrolment: Enrolment, reason: str, now: datetime) -> None:
    held_seat = enrolment.holds_seat
    before = enrolment.status
    cohort = enrolment.cohort
    if not _claim(enrolment, [before], status=EnrolmentStatus.CANCELLED, cancelled_at=now, cancel_reason=reason,
                  cancelled_by_id=actor.id, waitlist_position=None, offer_expires_at=None, updated_at=now):
        raise EnrolmentError(_("This enrolment was changed in the meantime. Please reload the page."))
    if held_seat:
        _release_seat(cohort)
    record(actor, "enrolment.cancel", enrolment, now=now, summary=f"{cohort.title}",
           before={"status": before.value}, after={"status": "cancelled", "reason": reason})
    _notify(enrolment, "cancelled", now, reason=reason)
    if held_seat:
        offer_next(cohort, now)


def accept_offer(user: User, enrolment: Enrolment, now: datetime) -> None:
    if enrolment.user_id != user.id:
        raise EnrolmentError(_("This is not your enrolment."))
    expire_offers(now, enrolment.cohort)
    if enrolment.status != EnrolmentStatus.OFFERED:
        raise EnrolmentError(_("This offer is no longer open."))
    target = EnrolmentStatus.PENDING if enrolment.programme.requires_approval else EnrolmentStatus.ENROLLED
    if not _claim(enrolment, [EnrolmentStatus.OFFERED], status=target, enrolled_at=now, offer_expires_at=None,
                  updated_at=now):
        raise EnrolmentError(_("This offer is no longer open."))
    _notify(enrolment, "enrolled" if target == EnrolmentStatus.ENROLLED else "pending", now)


def decline_offer(user: User, enrolment: Enrolment, now: datetime) -> None:
    if enrolment.user_id != user.id:
        raise EnrolmentError(_("This is not your enrolment."))
    if enrolment.status != EnrolmentStatus.OFFERED:
        raise EnrolmentError(_("This offer is no longer open."))
    _cancel(user, enrolment, _("Offer declined"), now)


# The waitlist ------------------------------------------------------------------------


def offer_next(cohort: Cohort, now: datetime) -> list[Enrolment]:
    """Offer every free seat to the next in line; safe to run in several processes at once."""
    if cohort.status not in (CohortStatus.OPEN, CohortStatus.CLOSED):
        return []
    first = first_session_start(cohort)
    if first is not None and now >= first:
        return []
    offered = []
    hours = cohort.programme.offer_hours
    while True:
        candidate = db.session.execute(
            sa.select(Enrolment)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
            .order_by(Enrolment.waitlist_position, Enrolment.id)
            .limit(1)
        ).scalar_one_or_none()
        if candidate is None or not _take_seat(cohort):
            break
        expires = now + timedelta(hours=hours)
        if first is not None:
            expires = min(expires, first)
        if _claim(candidate, [EnrolmentStatus.WAITLISTED], status=EnrolmentStatus.OFFERED, offered_at=now,
                  offer_expires_at=expires, offer_reminded_at=None, updated_at=now):
            _notify(candidate, "offered", now)
            offered.append(candidate)
        else:
            _release_seat(cohort)  # someone else took this one in the meantime; try the next
    return offered


def expire_offers(now: datetime, cohort: Cohort | None = None) -> int:
    """Pass on offers whose time is up. Idempotent; run on every read of a cohort and by the scheduler."""
    stmt = sa.select(Enrolment).where(
        Enrolment.status == EnrolmentStatus.OFFERED, Enrolment.offer_expires_at <= now
    ).options(joinedload(Enrolment.cohort))
    if cohort is not None:
        stmt = stmt.where(Enrolment.cohort_id == cohort.id)
    expired = 0
    cohorts = {}
    for enrolment in db.session.execute(stmt).scalars().all():
        target = enrolment.cohort
        if _claim(enrolment, [EnrolmentStatus.OFFERED], status=EnrolmentStatus.CANCELLED, cancelled_at=now,
                  cancel_reason=_("Offer expired"), waitlist_position=None, updated_at=now):
            _release_seat(target)
            _notify(enrolment, "offer_expired", now)
            cohorts[target.id] = target
            expired += 1
    for target in cohorts.values():
        offer_next(target, now)
    return expired


def remind_expiring_offers(now: datetime) -> int:
    """Mail coaches whose offer ends within twelve hours, once per offer."""
    due = db.session.execute(
        sa.select(Enrolment).where(
            Enrolment.status == EnrolmentStatus.OFFERED,
            Enrolment.offer_reminded_at.is_(None),
            Enrolment.offer_expires_at > now,
            Enrolment.offer_expires_at <= now + OFFER_REMINDER_BEFORE,
        )
    ).scalars().all()
    sent = 0
    for enrolment in due:
        if _claim(enrolment, [EnrolmentStatus.OFFERED], offer_reminded_at=now):
            _notify(enrolment, "offer_reminder", now)
            sent += 1
    return sent


def process_waitlists(now: datetime) -> dict:
    """The scheduler's round: expire offers, offer free seats, remind. Safe to run concurrently."""
    expired = expire_offers(now)
    offered = 0
    cohorts = db.session.execute(
        sa.select(Cohort).where(
            Cohort.status.in_([CohortStatus.OPEN, CohortStatus.CLOSED]),
            Cohort.seats_taken < Cohort.capacity,
            sa.exists().where(Enrolment.cohort_id == Cohort.id, Enrolment.status == EnrolmentStatus.WAITLISTED),
        ).options(selectinload(Cohort.sessions))
    ).scalars().all()
    for cohort in cohorts:
        offered += len(offer_next(cohort, now))
    reminded = remind_expiring_offers(now)
    return {"expired": expired, "offered": offered, "reminded": reminded}


# Staff actions -----------------------------------------------------------------------


def approve(actor: User, enrolment: Enrolment, now: datetime) -> None:
    if not _claim(enrolment, [EnrolmentStatus.PENDING], status=EnrolmentStatus.ENROLLED, enrolled_at=now,
                  decided_at=now, decided_by_id=actor.id, updated_at=now):
        raise EnrolmentError(_("This enrolment is not waiting for approval."))
    record(actor, "enrolment.approve", enrolment, now=now, summary=enrolment.cohort.title,
           before={"status": "pending"}, after={"status": "enrolled"})
    _notify(enrolment, "approved", now)


def reject(actor: User, enrolment: Enrolment, reason: str, now: datetime) -> None:
    cohort = enrolment.cohort
    if not _claim(enrolment, [EnrolmentStatus.PENDING], status=EnrolmentStatus.REJECTED, decided_at=now,
                  decided_by_id=actor.id, cancel_reason=reason, updated_at=now):
        raise EnrolmentError(_("This enrolment is not waiting for approval."))
    _release_seat(cohort)
    record(actor, "enrolment.reject", enrolment, now=now, summary=cohort.title,
           before={"status": "pending"}, after={"status": "rejected", "reason": reason})
    _notify(enrolment, "rejected", now, reason=reason)
    offer_next(cohort, now)


def add_coach(actor: User, cohort: Cohort, user: User, now: datetime, overbook: bool = False) -> Enrolment:
    """Staff place a coach in a cohort; beyond capacity only with ``overbook``."""
    if not user.has_role(Role.COACH):
        raise EnrolmentError(_("%(name)s is not a coach.", name=user.name))
    if cohort.status in (CohortStatus.CANCELLED, CohortStatus.COMPLETED):
        raise EnrolmentError(_("Coaches cannot be added to a cancelled or completed group."))
    existing = own_enrolment(user, cohort)
    if existing is not None and existing.status in ACTIVE + (EnrolmentStatus.COMPLETED,):
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
    if not _take_seat(cohort):
        if not overbook:
            raise NeedsOverbooking()
        _force_seat(cohort)
        enrolment.is_overbooked = True
    enrolment.status = EnrolmentStatus.ENROLLED
    enrolment.waitlist_position = None
    enrolment.enrolled_at = now
    enrolment.decided_at, enrolment.decided_by_id = now, actor.id
    enrolment.cancelled_at = enrolment.cancel_reason = None
    enrolment.updated_at = now
    db.session.flush()
    record(actor, "enrolment.add", enrolment, now=now, summary=f"{cohort.title}: {user.name}",
           before=before, after={"status": "enrolled", "overbooked": enrolment.is_overbooked})
    _notify(enrolment, "enrolled", now)
    return enrolment


def move(actor: User, enrolment: Enrolment, target: Cohort, now: datetime, overbook: bool = False) -> None:
    """Move an enrolment to another cohort of the same programme, keeping the coach's place."""
    source = enrolment.cohort
    if target.id == source.id:
        raise EnrolmentError(_("Choose another group."))
    if target.programme_id != source.programme_id:
        raise EnrolmentError(_("An enrolment can only move to a group of the same programme."))
    if target.status in (CohortStatus.CANCELLED, CohortStatus.COMPLETED, CohortStatus.DRAFT):
        raise EnrolmentError(_("The chosen group does not take participants."))
    if enrolment.status not in (EnrolmentStatus.ENROLLED, EnrolmentStatus.PENDING, EnrolmentStatus.OFFERED,
                                EnrolmentStatus.WAITLISTED):
        raise EnrolmentError(_("Only active enrolments can be moved."))
    if own_enrolment(enrolment.user, target) is not None:
        raise EnrolmentError(_("%(name)s already has an enrolment in that group.", name=enrolment.user.name))
    held_seat = enrolment.holds_seat
    if not _take_seat(target):
        if not overbook:
            raise NeedsOverbooking()
        _force_seat(target)
        enrolment.is_overbooked = True
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
        _release_seat(source)
    record(actor, "enrolment.move", enrolment, now=now, summary=f"{source.title} → {target.title}",
           before=before, after={"cohort_id": target.id, "status": enrolment.status.value})
    _notify(enrolment, "moved", now, previous=source)
    if held_seat:
        offer_next(source, now)


# Roster ------------------------------------------------------------------------------

ROSTER_ORDER = (EnrolmentStatus.PENDING, EnrolmentStatus.OFFERED, EnrolmentStatus.ENROLLED,
                EnrolmentStatus.COMPLETED, EnrolmentStatus.WAITLISTED)


def roster(cohort: Cohort) -> dict[EnrolmentStatus, list[Enrolment]]:
    """The cohort's people by status, with organisation and municipality, in one query."""
    rows = db.session.execute(
        sa.select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(ROSTER_ORDER))
        .options(joinedload(Enrolment.user).joinedload(User.organisation),
                 joinedload(Enrolment.user).joinedload(User.municipality))
        .order_by(Enrolment.waitlist_position.nulls_first(), Enrolment.created_at, Enrolment.id)
    ).scalars().all()
    groups: dict[EnrolmentStatus, list[Enrolment]] = {status: [] for status in ROSTER_ORDER}
    for enrolment in rows:
        groups[enrolment.status].append(enrolment)
    return groups


def roster_csv(cohort: Cohort) -> str:
    from lms.enrolment.forms import STATUS_LABELS

    out = io.StringIO()
    out.write("\ufeff")  # BOM: Excel then reads UTF-8
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("Name"), _("Email address"), _("Organisation"), _("Municipality"), _("Status"),
                     _("Waitlist number"), _("Registration number"), _("Enrolled on")])
    for status, enrolments in roster(cohort).items():
        for e in enrolments:
            writer.writerow([
                e.user.name, e.user.email, e.user.organisation.name if e.user.organisation else "",
                e.user.municipality.name if e.user.municipality else "", str(STATUS_LABELS[status]),
                e.waitlist_position or "", e.user.registration_number or "",
                (e.enrolled_at or e.created_at).date().isoformat(),
            ])
    return out.getvalue()


def search_coaches(query: str, cohort: Cohort, limit: int = 10) -> list[User]:
    """Coaches matching a name or email, not yet active in this cohort."""
    query = query.strip().lower()
    if len(query) < 2:
        return []
    like = f"%{query}%"
    in_cohort = sa.select(Enrolment.user_id).where(Enrolment.cohort_id == cohort.id,
                                                   Enrolment.status.in_(ACTIVE + (EnrolmentStatus.COMPLETED,)))
    return list(db.session.execute(
        sa.select(User)
        .join(UserRole)
        .where(UserRole.role == Role.COACH, User.is_active.is_(True), User.erased_at.is_(None),
               sa.or_(sa.func.lower(User.name).like(like), sa.func.lower(User.email).like(like)),
               User.id.not_in(in_cohort))
        .options(joinedload(User.municipality))
        .order_by(User.name)
        .limit(limit)
    ).scalars())


def move_targets(enrolment: Enrolment) -> list[Cohort]:
    return list(db.session.execute(
        sa.select(Cohort).where(
            Cohort.programme_id == enrolment.programme_id, Cohort.id != enrolment.cohort_id,
            Cohort.status.in_([CohortStatus.OPEN, CohortStatus.CLOSED]),
        ).options(joinedload(Cohort.region)).order_by(Cohort.starts_at)
    ).scalars())


# The coach's own enrolments --------------------------------------------------------


def coach_enrolments(user: User) -> list[Enrolment]:
    return list(db.session.execute(
        sa.select(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.status.in_(ACTIVE + (EnrolmentStatus.COMPLETED,)))
        .options(joinedload(Enrolment.cohort).joinedload(Cohort.region),
                 joinedload(Enrolment.cohort).selectinload(Cohort.sessions),
                 joinedload(Enrolment.programme))
        .order_by(Enrolment.created_at.desc())
    ).unique().scalars())


# Interest ----------------------------------------------------------------------------


def register_interest(user: User, programme: Programme, now: datetime) -> Interest:
    if user.region_id is None:
        raise EnrolmentError(_("Choose your region in your profile first."))
    existing = db.session.execute(
        sa.select(Interest).where(Interest.user_id == user.id, Interest.programme_id == programme.id,
                                  Interest.region_id == user.region_id)
    ).scalar_one_or_none()
    if existing is not None:
        existing.notified_at = None
        return existing
    interest = Interest(user_id=user.id, programme_id=programme.id, region_id=user.region_id, created_at=now)
    db.session.add(interest)
    return interest


def withdraw_interest(user: User, programme: Programme) -> None:
    db.session.execute(sa.delete(Interest).where(Interest.user_id == user.id, Interest.programme_id == programme.id))


def interest_counts() -> list[tuple[Region, Programme, int]]:
    rows = db.session.execute(
        sa.select(Interest.region_id, Interest.programme_id, sa.func.count())
        .where(Interest.notified_at.is_(None))
        .group_by(Interest.region_id, Interest.programme_id)
    ).all()
    regions = {r.id: r for r in db.session.execute(sa.select(Region)).scalars()}
    programmes = {p.id: p for p in db.session.execute(sa.select(Programme)).scalars()}
    return sorted(((regions[r], programmes[p], n) for r, p, n in rows), key=lambda t: (t[0].name, t[1].title))


def notify_interest(cohort: Cohort, now: datetime) -> int:
    """When a cohort opens in a region, tell the coaches who asked for one there."""
    interests = db.session.execute(
        sa.select(Interest).where(Interest.programme_id == cohort.programme_id, Interest.region_id == cohort.region_id,
                                  Interest.notified_at.is_(None)).options(joinedload(Interest.user))
    ).scalars().all()
    from lms.notifications.services import queue_mail
    from lms.urls import external_url

    for interest in interests:
        interest.notified_at = now
        user = interest.user
        queue_mail(kind="interest_cohort_open", template="interest_cohort_open", recipient=user.email,
                   locale=user.locale, user_id=user.id, now=now,
                   context={"user": user, "cohort": cohort,
                            "url": external_url("catalogue.cohort", cohort_id=cohort.id)})
    return len(interests)


def interested_programmes(user: User) -> set[int]:
    return set(db.session.execute(
        sa.select(Interest.programme_id).where(Interest.user_id == user.id, Interest.notified_at.is_(None))
    ).scalars())


def programmes_without_open_cohort(region_id: int | None) -> list[Programme]:
    """Active programmes with no open cohort in this region: a coach may register interest."""
    if region_id is None:
        return []
    open_here = sa.select(Cohort.programme_id).where(Cohort.region_id == region_id,
                                                     Cohort.status == CohortStatus.OPEN)
    return list(db.session.execute(
        sa.select(Programme).where(Programme.archived_at.is_(None), Programme.id.not_in(open_here))
        .order_by(Programme.title)
    ).scalars())


# Mail --------------------------------------------------------------------------------


def _notify(enrolment: Enrolment, kind: str, now: datetime, **extra) -> None:
    from lms.notifications.services import queue_mail
    from lms.urls import external_url

    user = db.session.get(User, enrolment.user_id)
    cohort = db.session.get(Cohort, enrolment.cohort_id)
    attachments = []
    if kind in ("enrolled", "approved", "moved"):
        attachments = cohort_calendar_attachment(cohort, locale=user.locale)
    queue_mail(
        kind=f"enrolment_{kind}",
        template="enrolment",
        recipient=user.email,
        locale=user.locale,
        user_id=user.id,
        now=now,
        attachments=attachments,
        context={
            "kind": kind, "user": user, "cohort": cohort, "enrolment": enrolment,
            "programme": cohort.programme, "deadline": enrolment.offer_expires_at,
            "position": enrolment.waitlist_position,
            "url": external_url("catalogue.cohort", cohort_id=cohort.id),
            "start_url": external_url("main.index"),
            **extra,
        },
    )


def cohort_calendar_attachment(cohort: Cohort, locale: str | None = None) -> list[dict]:
    """The cohort's sessions as an .ics file for the confirmation mail (same UIDs as the feeds)."""
    from lms.calendar.ical import cohort_attachment

    return [cohort_attachment(cohort, include_video_link=True, locale=locale)]
