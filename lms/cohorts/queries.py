"""Reading cohorts: who may see them, the staff list, the public catalogue and the start pages."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from lms.auth.models import Role, User, UserRole
from lms.cohorts.models import Cohort, CohortStatus, Session, cohort_trainer
from lms.db import from_utc_text, utc_text
from lms.extensions import db
from lms.i18n import local_to_utc, to_local
from lms.regions.models import Municipality

LIVE_STATUSES = (CohortStatus.DRAFT, CohortStatus.OPEN, CohortStatus.CLOSED)


def load_cohort(cohort_id: int) -> Cohort | None:
    return db.session.execute(
        sa.select(Cohort)
        .where(Cohort.id == cohort_id)
        .options(
            joinedload(Cohort.programme),
            joinedload(Cohort.region),
            joinedload(Cohort.municipality),
            selectinload(Cohort.sessions),
            # The trainers' names, not their roles and regions (loaded when asked for).
            selectinload(Cohort.trainers).lazyload(User.role_grants),
            selectinload(Cohort.trainers).lazyload(User.coordinated_regions),
        )
    ).unique().scalar_one_or_none()


# One indexed look-up, built once: whether a user trains a cohort, without loading its trainers.
_TRAINS = sa.select(sa.exists().where(cohort_trainer.c.cohort_id == sa.bindparam("cohort_id"),
                                      cohort_trainer.c.user_id == sa.bindparam("user_id")))


def trains(user, cohort_id: int) -> bool:
    """Whether the user is one of the cohort's trainers."""
    return user.is_authenticated and db.session.execute(
        _TRAINS, {"cohort_id": cohort_id, "user_id": user.id}).scalar_one()


def can_manage(user, cohort: Cohort) -> bool:
    return user.is_authenticated and user.has_role(Role.STAFF, Role.ADMIN)


def can_read(user, cohort: Cohort) -> bool:
    """Staff, the cohort's trainers, and coordinators of its region may read the staff page."""
    if not user.is_authenticated:
        return False
    if can_manage(user, cohort):
        return True
    if user.has_role(Role.TRAINER) and any(t.id == user.id for t in cohort.trainers):
        return True
    return user.has_role(Role.COORDINATOR) and cohort.region_id in user.coordinated_region_ids


def trainer_choices() -> list[User]:
    return list(db.session.execute(
        sa.select(User)
        .join(UserRole)
        .where(UserRole.role == Role.TRAINER, User.is_active.is_(True), User.erased_at.is_(None))
        .order_by(User.name)
    ).scalars())


def staff_cohort_query(*, programme_id=None, region_id=None, status=None, starts_from=None, starts_until=None,
                       region_ids=None):
    """Cohorts for the staff list, newest first, with what each row shows loaded eagerly."""
    stmt = (
        sa.select(Cohort)
        .options(joinedload(Cohort.programme), joinedload(Cohort.region), joinedload(Cohort.municipality))
        .order_by(Cohort.starts_at.desc().nulls_last(), Cohort.id.desc())
    )
    if programme_id:
        stmt = stmt.where(Cohort.programme_id == programme_id)
    if region_id:
        stmt = stmt.where(Cohort.region_id == region_id)
    if region_ids is not None:
        stmt = stmt.where(Cohort.region_id.in_(region_ids))
    if status:
        stmt = stmt.where(Cohort.status == status)
    if starts_from:
        stmt = stmt.where(Cohort.starts_at >= local_to_utc(starts_from, time(0, 0)))
    if starts_until:
        stmt = stmt.where(Cohort.starts_at < local_to_utc(starts_until + timedelta(days=1), time(0, 0)))
    return stmt


# Catalogue ---------------------------------------------------------------------------


def catalogue_query(*, region_id=None, municipality_id=None, month: date | None = None, first_region_id=None):
    """Open cohorts for the public catalogue, the viewer's own region first.

    A cohort without a municipality serves its whole region, so it is listed under every
    municipality of that region too.
    """
    stmt = (
        sa.select(Cohort)
        .where(Cohort.status == CohortStatus.OPEN)
        .options(
            joinedload(Cohort.programme),
            joinedload(Cohort.region),
            joinedload(Cohort.municipality),
            selectinload(Cohort.sessions),
        )
    )
    if region_id:
        stmt = stmt.where(Cohort.region_id == region_id)
    if municipality_id:
        region_of = sa.select(Municipality.region_id).where(Municipality.id == municipality_id).scalar_subquery()
        stmt = stmt.where(sa.or_(
            Cohort.municipality_id == municipality_id,
            sa.and_(Cohort.municipality_id.is_(None), Cohort.region_id == region_of),
        ))
    if month:
        start = local_to_utc(month.replace(day=1), time(0, 0))
        next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        stmt = stmt.where(Cohort.starts_at >= start, Cohort.starts_at < local_to_utc(next_month, time(0, 0)))
    order = []
    if first_region_id:
        order.append(sa.case((Cohort.region_id == first_region_id, 0), else_=1))
    stmt = stmt.order_by(*order, Cohort.starts_at, Cohort.id)
    return stmt


def catalogue_months() -> list[date]:
    """The months in which open cohorts start, for the month filter.

    The database gives each distinct hour (UTC) in which an open cohort starts, not every
    cohort's start: many cohorts start in the same hour, and the local month of a start is
    that of its hour (Europe/Amsterdam is a whole number of hours from UTC).
    """
    hour = sa.func.substr(utc_text(Cohort.starts_at), 1, 13)  # YYYY-MM-DD HH
    hours = db.session.execute(
        sa.select(hour).distinct().where(Cohort.status == CohortStatus.OPEN, Cohort.starts_at.is_not(None))
    ).scalars()
    return sorted({to_local(from_utc_text(f"{value}:00")).date().replace(day=1) for value in hours})


# Start pages -------------------------------------------------------------------------


def trainer_overview(user, now: datetime) -> dict:
    """The trainer's own running and coming cohorts, and their next sessions."""
    cohorts = db.session.execute(
        sa.select(Cohort)
        .join(cohort_trainer, cohort_trainer.c.cohort_id == Cohort.id)
        .where(cohort_trainer.c.user_id == user.id, Cohort.status.in_(LIVE_STATUSES))
        .options(joinedload(Cohort.programme), joinedload(Cohort.region), selectinload(Cohort.sessions))
        .order_by(Cohort.starts_at)
    ).unique().scalars().all()
    upcoming = sorted(
        (s for c in cohorts for s in c.sessions if s.ends_at >= now),
        key=lambda s: s.starts_at,
    )[:8]
    return {"cohorts": cohorts, "upcoming": upcoming, "now": now}


def staff_overview(now: datetime) -> dict:
    """What staff should keep an eye on: sessions in the next two weeks, and cohorts by status."""
    soon = db.session.execute(
        sa.select(Session)
        .join(Cohort)
        .where(Session.starts_at >= now, Session.starts_at < now + timedelta(days=14),
               Cohort.status.in_(LIVE_STATUSES))
        .options(joinedload(Session.cohort).joinedload(Cohort.region))
        .order_by(Session.starts_at)
        .limit(10)
    ).scalars().all()
    counts = dict(db.session.execute(
        sa.select(Cohort.status, sa.func.count()).group_by(Cohort.status)
    ).all())
    return {"soon": soon, "counts": counts, "now": now}
