"""The waitlist: a freed seat is offered to the first in line, who has a limited time to accept.

Offers whose time is up are passed on whenever a cohort is read and by the scheduler's
round (``flask lms process-waitlists``); every step is a conditional UPDATE
(lms/enrolment/seats.py), so several processes may run it at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from lms.cohorts.models import Cohort, CohortStatus
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.enrolment.notices import EnrolmentMail, notify_enrolment
from lms.enrolment.seats import claim, release_seat, take_seat
from lms.extensions import db

OFFER_REMINDER_BEFORE = timedelta(hours=12)


def offer_next(cohort: Cohort, now: datetime) -> list[Enrolment]:
    """Offer every free seat to the next in line; safe to run in several processes at once."""
    if cohort.status not in (CohortStatus.OPEN, CohortStatus.CLOSED):
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
        ).scalar_one_or_none()
        if candidate is None or not take_seat(cohort):
            break
        expires = now + timedelta(hours=hours)
        if first is not None:
            expires = min(expires, first)
        if claim(candidate, [EnrolmentStatus.WAITLISTED], status=EnrolmentStatus.OFFERED, offered_at=now,
                 offer_expires_at=expires, offer_reminded_at=None, updated_at=now):
            notify_enrolment(candidate, EnrolmentMail.OFFERED, now)
            offered.append(candidate)
        else:
            release_seat(cohort)  # someone else took this one in the meantime; try the next
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
        if claim(enrolment, [EnrolmentStatus.OFFERED], status=EnrolmentStatus.CANCELLED, cancelled_at=now,
                 cancel_reason=_("Offer expired"), waitlist_position=None, updated_at=now):
            release_seat(target)
            notify_enrolment(enrolment, EnrolmentMail.OFFER_EXPIRED, now)
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
        if claim(enrolment, [EnrolmentStatus.OFFERED], offer_reminded_at=now):
            notify_enrolment(enrolment, EnrolmentMail.OFFER_REMINDER, now)
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
