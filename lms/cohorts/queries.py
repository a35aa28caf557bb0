"""Reading cohorts: who may see them, the staff list, the public catalogue and the start pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from lms.auth.models import Role, User, UserRole
from lms.cohorts.models import (
    Cohort,
    CohortStatus,
    EnrolmentWindow,
    Session,
    SessionStatus,
    cohort_trainer,
    enrolment_window,
)
from lms.db import from_utc_text
from lms.extensions import db, page_window
from lms.i18n import LOCAL_TZ, local_to_utc, to_local
from lms.programmes.models import Programme, SessionKind
from lms.regions.models import Municipality, Region

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


# The staff list's filters, each a criterion with its value bound per request.
_STAFF_FILTERS = {
    "programme_id": Cohort.programme_id == sa.bindparam("programme_id"),
    "region_id": Cohort.region_id == sa.bindparam("region_id"),
    "status": Cohort.status == sa.bindparam("status"),
    "starts_from": Cohort.starts_at >= sa.bindparam("starts_from"),
    "starts_until": Cohort.starts_at < sa.bindparam("starts_until"),
}
STAFF_LIST_ORDER = (Cohort.starts_at.desc().nulls_last(), Cohort.id.desc())  # newest first (ix_cohort_newest_first)


def staff_cohort_filters(*, programme_id=None, region_id=None, status=None, starts_from: date | None = None,
                         starts_until: date | None = None) -> dict:
    """The values of the staff list's filters that apply; days are whole local days."""
    values = {
        "programme_id": programme_id,
        "region_id": region_id,
        "status": status,
        "starts_from": local_to_utc(starts_from, time(0, 0)) if starts_from else None,
        "starts_until": local_to_utc(starts_until + timedelta(days=1), time(0, 0)) if starts_until else None,
    }
    return {name: value for name, value in values.items() if value}


def staff_cohort_criteria(names) -> list:
    """The criteria of the staff list's filters by name (see ``staff_cohort_filters``)."""
    return [_STAFF_FILTERS[name] for name in names]


# Catalogue ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListedSession:
    """What a list of sessions shows of one (``catalogue/_session_list.html``)."""

    id: int
    cohort_id: int
    title: str
    kind: SessionKind
    status: SessionStatus
    starts_at: datetime
    ends_at: datetime
    address: str | None
    room: str | None
    video_url: str | None

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def is_online(self) -> bool:
        return self.kind == SessionKind.ONLINE


@dataclass(slots=True)
class CatalogueCard:
    """What the catalogue shows of an open cohort, with its sessions."""

    id: int
    title: str
    programme_title: str
    region_name: str
    municipality_name: str | None
    region_id: int
    capacity: int
    seats_taken: int
    enrol_opens_at: datetime | None
    enrol_closes_at: datetime | None
    sessions: list[ListedSession] = field(default_factory=list)

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    def enrolment_window(self, now: datetime) -> EnrolmentWindow:
        first = next((s.starts_at for s in self.sessions if s.status == SessionStatus.SCHEDULED), None)
        return enrolment_window(self.enrol_opens_at, self.enrol_closes_at, first, now)


# Written into the statement, not bound: so that PostgreSQL may read the index of open cohorts
# (ix_cohort_open_by_start) in a prepared statement's generic plan too.
_IS_OPEN = Cohort.status == sa.literal(CohortStatus.OPEN, Cohort.status.type, literal_execute=True)


@lru_cache(maxsize=None)
def _catalogue_statements(by_region: bool, by_municipality: bool, by_month: bool, own_region_first: bool):
    """(page, count) for the filters that apply, built once each: the values are bound per request."""
    criteria = [_IS_OPEN]
    if by_region:
        criteria.append(Cohort.region_id == sa.bindparam("region_id"))
    if by_municipality:
        # A cohort without a municipality serves its whole region, so it is listed under every
        # municipality of that region too.
        region_of = (sa.select(Municipality.region_id).where(Municipality.id == sa.bindparam("municipality_id"))
                     .correlate(None).scalar_subquery())
        criteria.append(sa.or_(
            Cohort.municipality_id == sa.bindparam("municipality_id"),
            sa.and_(Cohort.municipality_id.is_(None), Cohort.region_id == region_of),
        ))
    if by_month:
        criteria += [Cohort.starts_at >= sa.bindparam("month_from"), Cohort.starts_at < sa.bindparam("month_until")]
    count = sa.select(sa.func.count()).select_from(Cohort).where(*criteria)
    order = [sa.case((Cohort.region_id == sa.bindparam("own_region_id"), 0), else_=1)] if own_region_first else []
    page = page_window(
        sa.select(Cohort.id, Cohort.title, Programme.title, Region.name, Municipality.name, Cohort.region_id,
                  Cohort.capacity, Cohort.seats_taken, Cohort.enrol_opens_at, Cohort.enrol_closes_at,
                  count.correlate(None).scalar_subquery())
        .join(Programme, Programme.id == Cohort.programme_id)
        .join(Region, Region.id == Cohort.region_id)
        .outerjoin(Municipality, Municipality.id == Cohort.municipality_id)
        .where(*criteria)
        .order_by(*order, Cohort.starts_at, Cohort.id)
    )
    return page, count


_LISTED_SESSIONS = (
    sa.select(Session.id, Session.cohort_id, Session.title, Session.kind, Session.status, Session.starts_at,
              Session.ends_at, Session.address, Session.room, Session.video_url)
    .where(Session.cohort_id.in_(sa.bindparam("cohort_ids", expanding=True)))
    .order_by(Session.cohort_id, Session.starts_at, Session.id)
)


def catalogue_page(*, per_page: int, region_id=None, municipality_id=None, month: date | None = None,
                   first_region_id=None):
    """A page of open cohorts for the public catalogue, the viewer's own region first, with their sessions.

    Two statements of plain rows: the page with its total, and the page's sessions.
    """
    params = {"region_id": region_id, "municipality_id": municipality_id, "own_region_id": first_region_id}
    if month:
        next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        params.update(month_from=local_to_utc(month.replace(day=1), time(0, 0)),
                      month_until=local_to_utc(next_month, time(0, 0)))
    select, count = _catalogue_statements(bool(region_id), bool(municipality_id), bool(month), bool(first_region_id))
    page = db.paginate_rows(select, count, params, lambda row: CatalogueCard(*row[:-1]), per_page=per_page)
    if page.items:
        cards = {card.id: card for card in page.items}
        for row in db.session.execute(_LISTED_SESSIONS, {"cohort_ids": list(cards)}):
            cards[row[1]].sessions.append(ListedSession(*row))
    return page


def catalogue_months() -> list[date]:
    """The local months in which open cohorts start, for the month filter.

    On PostgreSQL, one look in the index of open cohorts by start per month between the first
    and the last open start: the cost follows the months, not the number of cohorts. SQLite
    knows no time zones; it reads the distinct hours in which open cohorts start.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return list(db.session.execute(_OPEN_MONTHS, {"zone": LOCAL_TZ.key}).scalars())
    hours = db.session.execute(_OPEN_START_HOURS).scalars()
    return sorted({_month_of_hour(value[:13]) for value in hours})


# Each local month from the first open start's to the last's, kept if an open cohort starts in it.
_OPEN_MONTHS = sa.text("""
    SELECT month::date FROM generate_series(
        date_trunc('month', (SELECT min(starts_at) FROM cohort WHERE status = 'open') AT TIME ZONE :zone),
        (SELECT max(starts_at) FROM cohort WHERE status = 'open') AT TIME ZONE :zone,
        interval '1 month'
    ) AS month
    WHERE EXISTS (SELECT FROM cohort WHERE status = 'open' AND starts_at >= month AT TIME ZONE :zone
                  AND starts_at < (month + interval '1 month') AT TIME ZONE :zone)
    ORDER BY month
""").columns(sa.column("month", sa.Date))

# On SQLite, the distinct hours (UTC) in which open cohorts start, not every start (many cohorts
# start in the same hour, and the local month of a start is that of its hour: Europe/Amsterdam
# is a whole number of hours from UTC). SQLite keeps the starts as text, YYYY-MM-DD HH:MM:SS.
_OPEN_START_HOURS = (
    sa.select(sa.func.substr(sa.type_coerce(Cohort.starts_at, sa.String), 1, 13)).distinct()
    .where(_IS_OPEN, Cohort.starts_at.is_not(None))
)


@lru_cache(maxsize=4096)
def _month_of_hour(hour: str) -> date:
    return to_local(from_utc_text(f"{hour}:00")).date().replace(day=1)


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
