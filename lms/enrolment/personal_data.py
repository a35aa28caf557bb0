"""The enrolment feature's part in privacy: enrolments and interest in the export, seats given
up on erasure, and the (coach, programme) units retention detaches.

Registered with lms/privacy/registry.py; loaded at app creation (RECEIVERS in lms/__init__.py).
The enrolment rows change here, in their owner's package.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from lms.audit.services import plain
from lms.auth.models import User
from lms.cohorts.models import Cohort
from lms.cohorts.personal_data import cohort_end
from lms.enrolment.models import ACTIVE, Enrolment, Interest, VisitorInterest
from lms.enrolment.services import cancel_by_staff
from lms.enrolment.visitor_interest import normalise, purge_visitor_interest
from lms.extensions import db
from lms.privacy.registry import (
    Detached,
    Erasure,
    Export,
    Impact,
    erasure_step,
    export_section,
    retention_part,
    retention_units,
    short_lived,
)


@export_section("enrolments", 20)
def _export_enrolments(export: Export) -> list[dict]:
    enrolments = db.session.execute(
        sa.select(Enrolment)
        .where(Enrolment.user_id == export.user.id)
        .options(
            joinedload(Enrolment.programme),
            joinedload(Enrolment.cohort).joinedload(Cohort.region),
            joinedload(Enrolment.cohort).joinedload(Cohort.municipality),
        )
        .order_by(Enrolment.created_at, Enrolment.id)
    ).scalars().all()
    return [
        {
            "programme": e.programme.title,
            "cohort": e.cohort.title,
            "region": e.cohort.region.name,
            "municipality": e.cohort.municipality.name if e.cohort.municipality else None,
            "status": plain(e.status),
            "created_at": plain(e.created_at),
            "enrolled_at": plain(e.enrolled_at),
            "completed_at": plain(e.completed_at),
            "waitlist_position": e.waitlist_position,
            "offered_at": plain(e.offered_at),
            "offer_expires_at": plain(e.offer_expires_at),
            "cancelled_at": plain(e.cancelled_at),
            "cancel_reason": e.cancel_reason,
        }
        for e in enrolments
    ]


@export_section("interest_registrations", 60)
def _export_interests(export: Export) -> list[dict]:
    interests = db.session.execute(
        sa.select(Interest)
        .where(Interest.user_id == export.user.id)
        .options(joinedload(Interest.programme), joinedload(Interest.region))
        .order_by(Interest.created_at, Interest.id)
    ).scalars().all()
    return [
        {"programme": i.programme.title, "region": i.region.name, "created_at": plain(i.created_at),
         "notified_at": plain(i.notified_at)}
        for i in interests
    ]


@export_section("interest_by_email", 61)
def _export_visitor_interests(export: Export) -> list[dict]:
    """Wishes left without logging in, under the account's address."""
    interests = db.session.execute(
        sa.select(VisitorInterest)
        .where(VisitorInterest.email == normalise(export.user.email))
        .options(joinedload(VisitorInterest.programme), joinedload(VisitorInterest.region))
        .order_by(VisitorInterest.created_at, VisitorInterest.id)
    ).scalars().all()
    return [
        {"email": i.email, "region": i.region.name, "programme": i.programme.title if i.programme else None,
         "created_at": plain(i.created_at), "confirmed_at": plain(i.confirmed_at),
         "notified_at": plain(i.notified_at)}
        for i in interests
    ]


@short_lived("visitor_interest")
def _purge_visitor_interest(now: datetime) -> int:
    """Unconfirmed addresses after VISITOR_INTEREST_CONFIRM_DAYS; told wishes after VISITOR_INTEREST_KEEP_DAYS."""
    return purge_visitor_interest(now)


def _preview(user: User, now: datetime, impact: Impact) -> None:
    """Seats in cohorts that have not ended are given up; the other enrolments stay."""
    ends = cohort_end()
    enrolments = db.session.execute(
        sa.select(Enrolment, ends.c.ends_at)
        .join(ends, ends.c.cohort_id == Enrolment.cohort_id)
        .where(Enrolment.user_id == user.id)
        .options(joinedload(Enrolment.cohort))
        .order_by(Enrolment.created_at)
    ).all()
    for enrolment, ends_at in enrolments:
        if enrolment.status in ACTIVE and ends_at > now:
            impact.cancelled.append(enrolment)
        else:
            impact.kept_enrolments += 1


def _enrolments_of(user_id: int):
    return "enrolment", sa.select(Enrolment.id).where(Enrolment.user_id == user_id)


@erasure_step("enrolment", 10, preview=_preview, about=_enrolments_of)
def _give_up_seats(erasure: Erasure) -> None:
    """As if the coach cancelled: the waitlist moves up. Interest registrations go."""
    for enrolment in erasure.impact.cancelled:
        cancel_by_staff(erasure.actor, enrolment, erasure.reason, erasure.now)
    db.session.execute(sa.delete(Interest).where(Interest.user_id == erasure.user.id))
    db.session.execute(sa.delete(VisitorInterest).where(VisitorInterest.email == normalise(erasure.user.email)))


@retention_units
def _expired_units(cutoff: datetime):
    """(user_id, programme_id) of coaches whose every enrolment in the programme is in a cohort
    that ended before ``cutoff``, not yet anonymised, on a live account."""
    ends = cohort_end()
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


@retention_part("enrolments")
def _detach(user_id: int, programme_id: int, now: datetime) -> Detached:
    ids = list(db.session.execute(
        sa.select(Enrolment.id).where(Enrolment.user_id == user_id, Enrolment.programme_id == programme_id)
    ).scalars())

    def move(placeholder_id: int, now: datetime) -> None:
        db.session.execute(sa.update(Enrolment).where(Enrolment.id.in_(ids)).values(
            user_id=placeholder_id, anonymised_at=now, cancel_reason=None,
            cancelled_by_id=sa.case((Enrolment.cancelled_by_id == user_id, placeholder_id),
                                    else_=Enrolment.cancelled_by_id),
        ))

    return Detached("enrolment", ids, move, actor_moves=True)
