"""Reading enrolments: deadlines, a coach's place, rosters, and the counts other pages show."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

import sqlalchemy as sa
from flask import g
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from lms.auth.models import Role, User, UserRole
from lms.cohorts.models import Cohort, CohortStatus, EnrolmentWindow, Session, SessionStatus, enrolment_window
from lms.cohorts.queries import STAFF_LIST_ORDER, staff_cohort_criteria
from lms.csv import CsvWriter
from lms.domain import cohort_participants
from lms.enrolment.models import ACTIVE, STATUS_LABELS, Enrolment, EnrolmentStatus
from lms.extensions import db, page_window
from lms.i18n import fmt_datetime, local_to_utc, to_local
from lms.programmes.models import Programme
from lms.regions.models import Municipality, Organisation, Region

# Enrolments that count for a coach who may not enrol in the programme again.
TAKEN = ACTIVE + (EnrolmentStatus.COMPLETED,)


def cancellation_deadline(cohort: Cohort) -> datetime | None:
    """N days before the first session, at the same wall-clock time in Amsterdam (across a DST change too)."""
    first = cohort.first_session_at
    if first is None:
        return None
    local = to_local(first)
    return local_to_utc(local.date() - timedelta(days=cohort.programme.cancellation_deadline_days), local.time())


def enrolment_window_problem(cohort: Cohort, now: datetime) -> str | None:
    """Why a coach cannot enrol in this cohort now, or None."""
    if cohort.status != CohortStatus.OPEN:
        return _("This group is not open for enrolment.")
    window = enrolment_window(cohort.enrol_opens_at, cohort.enrol_closes_at, cohort.first_session_at, now)
    if window == EnrolmentWindow.NOT_YET:
        return _("Enrolment opens on %(when)s.", when=fmt_datetime(cohort.enrol_opens_at, "long"))
    if window == EnrolmentWindow.CLOSED:
        return _("Enrolment for this group has closed.")
    return None


def cohort_to_enrol(cohort_id: int) -> Cohort | None:
    """The cohort with what enrolling reads (programme, place, sessions), in one statement."""
    return db.session.execute(
        sa.select(Cohort)
        .where(Cohort.id == cohort_id)
        .options(joinedload(Cohort.programme), joinedload(Cohort.region), joinedload(Cohort.municipality),
                 joinedload(Cohort.sessions))
    ).unique().scalar_one_or_none()


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


def overlapping_sessions(cohort: Cohort, enrolments: Iterable[Enrolment]) -> list[Session]:
    """Sessions of the coach's other active ``enrolments`` (cohorts and sessions loaded) that overlap this cohort's."""
    mine = [s for s in cohort.sessions if s.status == SessionStatus.SCHEDULED]
    if not mine:
        return []
    others = [
        o for e in enrolments if e.status in ACTIVE and e.cohort_id != cohort.id
        for o in e.cohort.sessions if o.status == SessionStatus.SCHEDULED
    ]
    return [o for o in others if any(o.starts_at < s.ends_at and s.starts_at < o.ends_at for s in mine)]


def can_cancel_self(enrolment: Enrolment, now: datetime) -> bool:
    if enrolment.status == EnrolmentStatus.WAITLISTED:
        return True  # leaving the line is always possible
    if enrolment.status not in ACTIVE:
        return False
    deadline = cancellation_deadline(enrolment.cohort)
    return deadline is None or now <= deadline


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


# A cohort's people -------------------------------------------------------------------------


def _people():
    """The enrolments' users, without their roles and coordinated regions (loaded when asked for)."""
    return (joinedload(Enrolment.user).lazyload(User.role_grants),
            joinedload(Enrolment.user).lazyload(User.coordinated_regions))


def active_enrolments(cohort: Cohort) -> list[Enrolment]:
    return list(db.session.execute(
        sa.select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(ACTIVE))
        .options(*_people())
        .order_by(Enrolment.created_at, Enrolment.id)
        .execution_options(populate_existing=True)  # as committed, not as this request last saw them
    ).scalars())


def participants(cohort: Cohort, *, seat_holders_only: bool = False) -> list[User]:
    """The people with an active enrolment in the cohort (or only those holding a seat), first come first."""
    return [e.user for e in active_enrolments(cohort) if e.holds_seat or not seat_holders_only]


@cohort_participants.connect
def _answer_participants(_sender, *, cohort: Cohort, seat_holders_only: bool = False, **_kwargs) -> list[User]:
    return participants(cohort, seat_holders_only=seat_holders_only)


ROSTER_ORDER = (EnrolmentStatus.PENDING, EnrolmentStatus.OFFERED, EnrolmentStatus.ENROLLED,
                EnrolmentStatus.COMPLETED, EnrolmentStatus.WAITLISTED)


class RosterEntry(NamedTuple):
    """One line of the roster: an enrolment and what the roster shows of its coach.

    A named tuple, not a frozen dataclass: made from each row in one call, without a
    setattr per field (a roster has up to a few hundred lines).
    """

    id: int
    status: EnrolmentStatus
    is_overbooked: bool
    waitlist_position: int | None
    offer_expires_at: datetime | None
    enrolled_at: datetime | None
    created_at: datetime
    name: str
    email: str
    registration_number: str | None
    organisation: str | None
    municipality: str | None

    @property
    def since(self) -> datetime:
        """Enrolled since, or on the list since (a waitlisted coach was never enrolled)."""
        return self.enrolled_at or self.created_at


_ROSTER = (
    sa.select(Enrolment.id, Enrolment.status, Enrolment.is_overbooked, Enrolment.waitlist_position,
              Enrolment.offer_expires_at, Enrolment.enrolled_at, Enrolment.created_at,
              User.name, User.email, User.registration_number, Organisation.name, Municipality.name)
    .join(User, Enrolment.user_id == User.id)
    .outerjoin(Organisation, User.organisation_id == Organisation.id)
    .outerjoin(Municipality, User.municipality_id == Municipality.id)
    # Built once with a bound parameter: its cache key is computed once, not on every request.
    .where(Enrolment.cohort_id == sa.bindparam("cohort_id"), Enrolment.status.in_(ROSTER_ORDER))
    .order_by(Enrolment.waitlist_position.nulls_first(), Enrolment.created_at, Enrolment.id)
)


def roster(cohort: Cohort) -> dict[EnrolmentStatus, list[RosterEntry]]:
    """The cohort's people by status, with organisation and municipality, in one query of plain rows."""
    groups: dict[EnrolmentStatus, list[RosterEntry]] = {status: [] for status in ROSTER_ORDER}
    for row in db.session.execute(_ROSTER, {"cohort_id": cohort.id}):
        entry = RosterEntry._make(row)
        groups[entry.status].append(entry)
    return groups


def roster_csv(cohort: Cohort) -> str:
    writer = CsvWriter()  # lms/csv.py: Excel's BOM and ";", formulas neutralised
    writer.writerow([_("Name"), _("Email address"), _("Organisation"), _("Municipality"), _("Status"),
                     _("Waitlist number"), _("Registration number"), _("Enrolled on")])
    for status, entries in roster(cohort).items():
        for e in entries:
            writer.writerow([
                e.name, e.email, e.organisation or "", e.municipality or "", str(STATUS_LABELS[status]),
                e.waitlist_position if status == EnrolmentStatus.WAITLISTED else "", e.registration_number or "",
                e.since.date().isoformat(),
            ])
    return writer.getvalue()


def search_coaches(query: str, cohort: Cohort, limit: int = 10) -> list[User]:
    """Coaches matching a name or email, not yet active in this cohort."""
    query = query.strip().lower()
    if len(query) < 2:
        return []
    like = f"%{query}%"
    in_cohort = sa.select(Enrolment.user_id).where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(TAKEN))
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


# Built once (its cache key is kept with it): the start page and the learning page run it.
_COACH_ENROLMENTS = (
    sa.select(Enrolment)
    .where(Enrolment.user_id == sa.bindparam("user_id"), Enrolment.status.in_(TAKEN))
    .options(joinedload(Enrolment.cohort).options(joinedload(Cohort.region), joinedload(Cohort.sessions)),
             joinedload(Enrolment.programme))
    .order_by(Enrolment.created_at.desc(), Enrolment.id.desc())
)


def coach_enrolments(user: User, *, fresh: bool = False) -> list[Enrolment]:
    """The coach's own enrolments (pending to completed), newest first, with what their pages show.

    Each with its cohort, the cohort's region and sessions, and the programme (what progress
    looks at, lms/completion). The start page's panels share this one load per request;
    ``fresh`` loads again, after a change in the same request.
    """
    kept = g.get("coach_enrolments")
    if fresh or kept is None or kept[0] != user.id:
        kept = (user.id, list(db.session.execute(_COACH_ENROLMENTS, {"user_id": user.id}).unique().scalars()))
        g.coach_enrolments = kept
    return kept[1]


# Counts for the staff pages --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StaffListCohort:
    """One line of the staff's list of cohorts, with its counts."""

    id: int
    title: str
    status: CohortStatus
    capacity: int
    starts_at: datetime | None
    programme_title: str
    region_name: str
    municipality_name: str | None
    enrolled_count: int
    waitlist_count: int


@lru_cache(maxsize=None)
def _staff_list_statements(filters: tuple[str, ...]):
    """(page, count) for the staff list with these filters, built once: the values are bound per request.

    The page of cohorts is chosen first (the newest-first index, LIMIT and OFFSET), and only its
    rows are counted (ix_enrolment_cohort_status alone answers each count), also deep in the list.
    """
    criteria = staff_cohort_criteria(filters)
    count = sa.select(sa.func.count()).select_from(Cohort).where(*criteria)
    page = page_window(
        sa.select(Cohort.id, Cohort.title, Cohort.status, Cohort.capacity, Cohort.starts_at, Cohort.programme_id,
                  Cohort.region_id, Cohort.municipality_id)
        .where(*criteria)
        .order_by(*STAFF_LIST_ORDER)
    ).subquery("page")

    def count_of(*statuses):
        return (sa.select(sa.func.count()).select_from(Enrolment)
                .where(Enrolment.cohort_id == page.c.id, Enrolment.status.in_(statuses)).scalar_subquery())

    select = (
        sa.select(page.c.id, page.c.title, page.c.status, page.c.capacity, page.c.starts_at, Programme.title,
                  Region.name, Municipality.name,
                  count_of(EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED), count_of(EnrolmentStatus.WAITLISTED),
                  count.correlate(None).scalar_subquery())
        .join(Programme, Programme.id == page.c.programme_id)
        .join(Region, Region.id == page.c.region_id)
        .outerjoin(Municipality, Municipality.id == page.c.municipality_id)
        .order_by(page.c.starts_at.desc().nulls_last(), page.c.id.desc())
    )
    return select, count


def staff_cohort_page(filters: dict, *, per_page: int):
    """A page of the staff's list of cohorts (``lms.cohorts.queries.staff_cohort_filters``), in one statement."""
    select, count = _staff_list_statements(tuple(sorted(filters)))
    return db.paginate_rows(select, count, filters, lambda row: StaffListCohort(*row[:-1]), per_page=per_page)


def awaiting_approval() -> list[tuple[Cohort, int]]:
    """Cohorts with enrolments waiting for staff, and how many, by start."""
    return list(db.session.execute(
        sa.select(Cohort, sa.func.count(Enrolment.id))
        .join(Enrolment, Enrolment.cohort_id == Cohort.id)
        .where(Enrolment.status == EnrolmentStatus.PENDING)
        .group_by(Cohort.id)
        .order_by(Cohort.starts_at)
    ).all())

