"""The waitlist: a freed seat is offered to the first in line, who has a limited time to accept.

Offers whose time is up are passed on whenever a cohort is read and by the scheduler's
round (``flask lms process-waitlists``); each step holds the cohort's row lock and is a
conditional UPDATE (lms/enrolment/seats.py), so several processes may run it at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.cohorts.models import Cohort, CohortStatus
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.enrolment.notices import EnrolmentMail, notify_enrolment
from lms.enrolment.seats import claim, close_up, lock_cohort, release_seat, take_seat
from lms.extensions import db

OFFER_REMINDER_BEFORE = timedelta(hours=12)
TAKES_OFFERS = (CohortStatus.OPEN, CohortStatus.CLOSED)


def offer_next(cohort: Cohort, now: datetime) -> list[Enrolment]:
    """Offer every free seat to the next in line (call with the cohort locked)."""
    if cohort.status not in TAKES_OFFERS:
        return []
    first = cohort.first_session_at
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
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()
        if candidate is None or not take_seat(cohort):
            break
        place = candidate.waitlist_position
        expires = now + timedelta(hours=hours)
        if first is not None:
            expires = min(expires, first)
        if not claim(candidate, [EnrolmentStatus.WAITLISTED], status=EnrolmentStatus.OFFERED, offered_at=now,
                     offer_expires_at=expires, offer_reminded_at=None, waitlist_position=None, updated_at=now):
            release_seat(cohort)  # cannot happen under the lock; never offer one seat twice all the same
            break
        close_up(cohort, place)
        notify_enrolment(candidate, EnrolmentMail.OFFERED, now)
        offered.append(candidate)
    return offered


def _expired(now: datetime, cohort_id: int | None = None) -> list:
    criteria = [Enrolment.status == EnrolmentStatus.OFFERED, Enrolment.offer_expires_at <= now]
    if cohort_id is not None:
        criteria.append(Enrolment.cohort_id == cohort_id)
    return criteria


def expire_offers(now: datetime, cohort: Cohort | None = None) -> int:
    """Pass on offers whose time is up. Idempotent; run on every read of a cohort and by the scheduler."""
    due = db.session.execute(
        sa.select(Enrolment.cohort_id).where(*_expired(now, cohort.id if cohort else None))
        .distinct().order_by(Enrolment.cohort_id)
    ).scalars().all()
    expired = 0
    for cohort_id in due:  # by id: the order every process locks cohorts in
        target = db.session.get(Cohort, cohort_id)
        lock_cohort(target)
        for enrolment in db.session.execute(
            sa.select(Enrolment).where(*_expired(now, cohort_id)).order_by(Enrolment.id)
            .execution_options(populate_existing=True)
        ).scalars().all():
            if claim(enrolment, [EnrolmentStatus.OFFERED], status=EnrolmentStatus.CANCELLED, cancelled_at=now,
                     cancel_reason=_("Offer expired"), offer_expires_at=None, updated_at=now):
                release_seat(target)
                notify_enrolment(enrolment, EnrolmentMail.OFFER_EXPIRED, now)
                expired += 1
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
        # One conditional statement: a second process finds it reminded already.
        if claim(enrolment, [EnrolmentStatus.OFFERED], Enrolment.offer_reminded_at.is_(None), offer_reminded_at=now):
            notify_enrolment(enrolment, EnrolmentMail.OFFER_REMINDER, now)
            sent += 1
    return sent


def offer_free_seats(now: datetime) -> int:
    """Offer the seats that became free without anyone leaving (capacity raised), cohort by cohort."""
    cohorts = db.session.execute(
        sa.select(Cohort).where(
            Cohort.status.in_(TAKES_OFFERS),
            Cohort.seats_taken < Cohort.capacity,
            sa.exists().where(Enrolment.cohort_id == Cohort.id, Enrolment.status == EnrolmentStatus.WAITLISTED),
        ).order_by(Cohort.id)
    ).scalars().all()
    offered = 0
    for cohort in cohorts:
        lock_cohort(cohort)
        offered += len(offer_next(cohort, now))
    return offered


def process_waitlists(now: datetime) -> dict:
    """The scheduler's round: expire offers, offer free seats, remind. Safe to run concurrently."""
    expired = expire_offers(now)
    offered = offer_free_seats(now)
    reminded = remind_expiring_offers(now)
    return {"expired": expired, "offered": offered, "reminded": reminded}
