"""Figures per region and municipality, aggregated in SQL: who sees what, a report's scope, the one query.

What counts (the same everywhere: dashboard, drill-down, exports, start-page panel):

- The unit is an enrolment of the chosen programme, in a cohort of a region in scope.
  Region is the cohort's region; municipality is the coach's own (``User.municipality``,
  as it is now). Cancelled cohorts are left out.
- **enrolled**: status ``enrolled`` or ``completed``. ``pending`` (waiting for staff
  approval) is not counted anywhere until it is approved; ``offered`` (a freed seat offered
  from the waitlist, not yet accepted) still counts as **waitlisted**, with ``waitlisted``.
  Cancelled and rejected enrolments count nowhere, so a coach who moved cohort counts once,
  in the cohort they moved to, and a coach who withdrew is not counted.
- **attended position k**: among the enrolled, present at the k-th session of their cohort
  (sessions in order of time, cancelled ones left out), or present at a session with the
  same ``template_id`` in another cohort of the same programme (a make-up).
- **completed**: status ``completed`` (kept by the completion service).
- **certified**: among the enrolled, a certificate for the enrolment that is not revoked, or
  was revoked only because the holder's account was removed (see lms/certificates/personal_data.py).
- **completion rate**: completed / enrolled.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from lms.attendance.models import Attendance, AttendanceStatus
from lms.auth.models import Role, User
from lms.certificates.models import Certificate
from lms.certificates.personal_data import certificate_counts_as_certified
from lms.cohorts.models import Cohort, CohortStatus, Session, SessionStatus
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.i18n import gettext as _
from lms.i18n import local_to_utc
from lms.programmes.models import Programme, SessionKind
from lms.regions.models import Municipality, Region

COUNTED = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)
WAITING = (EnrolmentStatus.WAITLISTED, EnrolmentStatus.OFFERED)

# The municipality filter value for coaches without a municipality.
UNKNOWN_MUNICIPALITY = "none"

# Marks per (enrolment, position): present at the cohort's own session, or made up elsewhere.
DIRECT, MADE_UP = 2, 1


# Who sees what ---------------------------------------------------------------------------


def visible_region_ids(actor: User) -> set[int] | None:
    """The regions whose figures ``actor`` may see; None means all of them."""
    if actor.is_staff:
        return None
    if actor.has_role(Role.COORDINATOR):
        return actor.coordinated_region_ids
    return set()


# Built once (their cache keys memoized): each page of reports reads the regions and the programmes.
# Joined eager loads: one round trip each, the tables are small (regions, programmes).
_REGIONS = sa.select(Region).order_by(Region.name)
_REGIONS_WITH_MUNICIPALITIES = _REGIONS.options(joinedload(Region.municipalities))
_SOME_REGIONS_WITH_MUNICIPALITIES = _REGIONS_WITH_MUNICIPALITIES.where(
    Region.id.in_(sa.bindparam("region_ids", expanding=True)))
_PROGRAMMES = (
    sa.select(Programme)
    .options(joinedload(Programme.session_templates))
    .order_by(Programme.archived_at.is_not(None), Programme.title, Programme.id)
)


def visible_regions(actor: User, *, with_municipalities: bool = False) -> list[Region]:
    ids = visible_region_ids(actor)
    if ids is not None and not with_municipalities:
        return sorted(actor.coordinated_regions, key=lambda r: r.name)
    if ids is not None and not ids:
        return []
    if ids is None:
        stmt, params = (_REGIONS_WITH_MUNICIPALITIES if with_municipalities else _REGIONS), {}
    else:
        stmt, params = _SOME_REGIONS_WITH_MUNICIPALITIES, {"region_ids": sorted(ids)}
    return list(db.session.execute(stmt, params).unique().scalars())


def may_see_region(actor: User, region_id: int) -> bool:
    ids = visible_region_ids(actor)
    return ids is None or region_id in ids


def may_see_coaches(actor: User) -> bool:
    """Names of coaches behind the figures, and the accreditation lists: staff only."""
    return actor.is_staff


def report_programmes() -> list[Programme]:
    """Every programme, current ones first, with its session pattern."""
    return list(db.session.execute(_PROGRAMMES).unique().scalars())


# The scope of a report -------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """The k-th session of a cohort, named after the programme's session pattern."""

    number: int
    label: str  # "Online half-day"
    stage: str  # "Attended the online half-day"


def positions_of(programme: Programme) -> list[Position]:
    templates = list(programme.session_templates)
    online_total = sum(1 for t in templates if t.kind == SessionKind.ONLINE)
    online = meeting = 0
    positions = []
    for number, template in enumerate(templates, start=1):
        if template.kind == SessionKind.ONLINE:
            online += 1
            if online_total == 1:
                label, stage = _("Online half-day"), _("Attended the online half-day")
            else:
                label = _("Online session %(n)d", n=online)
                stage = _("Attended online session %(n)d", n=online)
        else:
            meeting += 1
            label, stage = _("Meeting %(n)d", n=meeting), _("Attended meeting %(n)d", n=meeting)
        positions.append(Position(number, label, stage))
    return positions


@dataclass(frozen=True)
class Scope:
    """What a report covers; built by the route after it checked the actor may see it."""

    programme: Programme
    regions: tuple[Region, ...]  # every region in scope, by name
    region: Region | None = None  # the one region chosen, if any
    municipality: Municipality | str | None = None  # a municipality, UNKNOWN_MUNICIPALITY or None
    date_from: date | None = None
    date_to: date | None = None
    cohort: Cohort | None = None
    positions: tuple[Position, ...] = ()
    cohort_ids: tuple[int, ...] | None = None  # only these cohorts (the cohort list's page, a refresh)

    @property
    def region_ids(self) -> list[int]:
        return [r.id for r in self.regions]

    def args(self, **overrides: Any) -> dict[str, Any]:
        """The query-string arguments that rebuild this scope (for links and exports)."""
        municipality = self.municipality
        values: dict[str, Any] = {
            "programme": self.programme.id,
            "region": self.region.id if self.region else None,
            "from_date": self.date_from.isoformat() if self.date_from else None,
            "to_date": self.date_to.isoformat() if self.date_to else None,
            "municipality": municipality.id if isinstance(municipality, Municipality) else municipality,
        }
        values.update(overrides)
        return {k: v for k, v in values.items() if v not in (None, "")}

    def narrowed(self, **changes: Any) -> Scope:
        return replace(self, **changes)


def default_programme(programmes: list[Programme]) -> Programme | None:
    return programmes[0] if programmes else None


def scope_conditions(scope: Scope) -> list:
    conditions = [
        Cohort.programme_id == scope.programme.id,
        Cohort.region_id.in_(scope.region_ids),
        Cohort.status != CohortStatus.CANCELLED,
    ]
    if scope.cohort is not None:
        conditions.append(Cohort.id == scope.cohort.id)
    if scope.cohort_ids is not None:
        conditions.append(Cohort.id.in_(scope.cohort_ids))
    if scope.date_from is not None:
        conditions.append(Cohort.starts_at >= local_to_utc(scope.date_from, time.min))
    if scope.date_to is not None:
        conditions.append(Cohort.starts_at < local_to_utc(scope.date_to + timedelta(days=1), time.min))
    return conditions


def municipality_condition(scope: Scope):
    if scope.municipality == UNKNOWN_MUNICIPALITY:
        return User.municipality_id.is_(None)
    if isinstance(scope.municipality, Municipality):
        return User.municipality_id == scope.municipality.id
    return None


# The aggregate query ---------------------------------------------------------------------


@dataclass
class Figures:
    enrolled: int = 0
    waitlisted: int = 0
    completed: int = 0
    certified: int = 0
    attended: list[int] = field(default_factory=list)
    made_up: list[int] = field(default_factory=list)  # of the attended, how many by a make-up

    @classmethod
    def empty(cls, positions: int) -> Figures:
        return cls(attended=[0] * positions, made_up=[0] * positions)

    @classmethod
    def from_row(cls, row, positions: int) -> Figures:
        m = row._mapping
        return cls(
            enrolled=int(m["enrolled"] or 0),
            waitlisted=int(m["waitlisted"] or 0),
            completed=int(m["completed"] or 0),
            certified=int(m["certified"] or 0),
            attended=[int(m[f"attended_{k}"] or 0) for k in range(1, positions + 1)],
            made_up=[int(m[f"made_up_{k}"] or 0) for k in range(1, positions + 1)],
        )

    @property
    def attended_cells(self) -> list[tuple[int, int]]:
        """Per position: attended, and how many of them made it up in another group."""
        return list(zip(self.attended, self.made_up, strict=True))

    def add(self, other: Figures) -> None:
        self.enrolled += other.enrolled
        self.waitlisted += other.waitlisted
        self.completed += other.completed
        self.certified += other.certified
        self.attended = [a + b for a, b in zip(self.attended, other.attended, strict=True)]
        self.made_up = [a + b for a, b in zip(self.made_up, other.made_up, strict=True)]

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.enrolled if self.enrolled else None

    @property
    def is_empty(self) -> bool:
        return not (self.enrolled or self.waitlisted)


def _members(scope: Scope, statuses, *extra):
    """Enrolments in scope with one of ``statuses``, with where they belong (a subquery)."""
    stmt = (
        sa.select(
            Enrolment.id.label("enrolment_id"),
            Enrolment.user_id.label("user_id"),
            Enrolment.cohort_id.label("cohort_id"),
            Enrolment.status.label("status"),
            Cohort.region_id.label("region_id"),
            User.municipality_id.label("municipality_id"),
        )
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(User, User.id == Enrolment.user_id)
        .where(*scope_conditions(scope), Enrolment.status.in_(statuses), *extra)
    )
    condition = municipality_condition(scope)
    if condition is not None:
        stmt = stmt.where(condition)
    return stmt


def _ranked_sessions(scope: Scope, positions: int):
    """Per cohort in scope a row at position 0, then its first ``positions`` sessions in order
    of time (cancelled ones left out) at positions 1, 2, ...

    Members join this with a plain equality on cohort_id, so every database can drive the
    join from these few rows and find the enrolments by their cohort index.
    """
    numbered = (
        sa.select(
            Session.id.label("session_id"),
            Session.cohort_id.label("cohort_id"),
            Session.template_id.label("template_id"),
            sa.func.row_number()
            .over(partition_by=Session.cohort_id, order_by=(Session.starts_at, Session.id))
            .label("position"),
        )
        .join(Cohort, Cohort.id == Session.cohort_id)
        .where(*scope_conditions(scope), Session.status != SessionStatus.CANCELLED)
        .subquery("numbered")
    )
    cohorts = sa.select(
        sa.null().label("session_id"),
        Cohort.id.label("cohort_id"),
        sa.null().label("template_id"),
        sa.literal_column("0").label("position"),
    ).where(*scope_conditions(scope))
    sessions = sa.select(numbered).where(numbered.c.position <= positions)
    return sa.union_all(cohorts, sessions).subquery("ranked")


def presence_ranges(programme_id: int, user_ids):
    """Per coach (of ``user_ids``, a subquery) and session template of the programme: the
    lowest and highest cohort they were present in.

    A make-up is presence at a session with the same template in another cohort; there is
    another cohort exactly when this range is not just the coach's own.
    """
    return (
        sa.select(
            Attendance.user_id.label("user_id"),
            Session.template_id.label("template_id"),
            sa.func.min(Session.cohort_id).label("first_cohort"),
            sa.func.max(Session.cohort_id).label("last_cohort"),
        )
        .join(Session, Session.id == Attendance.session_id)
        .join(Cohort, Cohort.id == Session.cohort_id)
        .where(
            Attendance.status == AttendanceStatus.PRESENT,
            Attendance.user_id.in_(user_ids),
            Session.status != SessionStatus.CANCELLED,
            Session.template_id.is_not(None),
            Cohort.programme_id == programme_id,
        )
        .group_by(Attendance.user_id, Session.template_id)
        .subquery("presence")
    )


def made_up(presence, cohort_id):
    return sa.or_(presence.c.first_cohort != cohort_id, presence.c.last_cohort != cohort_id)


def _certified():
    return (
        sa.select(Certificate.enrolment_id.label("enrolment_id"))
        .where(certificate_counts_as_certified(), Certificate.enrolment_id.is_not(None))
        .group_by(Certificate.enrolment_id)
        .subquery("certified")
    )


def _aggregate(scope: Scope, group_by: tuple[str, ...], *extra, attendance: bool = True):
    """One SELECT ... GROUP BY: the figures per group, whatever the number of enrolments.

    With attendance, each member is joined to its cohort's row at position 0 and to its
    cohort's sessions: one row per (member, position), unique, so the attended counts are
    plain conditional sums, and the member's own measures are counted on position 0.
    """
    positions = len(scope.positions) if attendance else 0
    members = _members(scope, COUNTED + WAITING, *extra).subquery("members")
    certified = _certified()
    counted = members.c.status.in_(COUNTED)
    stmt = sa.select(*[members.c[name] for name in group_by]).select_from(members)
    stmt = stmt.outerjoin(certified, certified.c.enrolment_id == members.c.enrolment_id)
    once = sa.true()
    if positions:
        ranked = _ranked_sessions(scope, positions)
        in_scope = _members(scope, COUNTED, *extra).subquery("in_scope")
        presence = presence_ranges(scope.programme.id, sa.select(in_scope.c.user_id))
        direct = aliased(Attendance)
        stmt = (
            stmt.join(ranked, ranked.c.cohort_id == members.c.cohort_id)
            .outerjoin(
                direct,
                sa.and_(
                    direct.session_id == ranked.c.session_id,
                    direct.user_id == members.c.user_id,
                    direct.status == AttendanceStatus.PRESENT,
                ),
            )
            .outerjoin(
                presence,
                sa.and_(presence.c.user_id == members.c.user_id, presence.c.template_id == ranked.c.template_id),
            )
        )
        once = ranked.c.position == 0
        present = direct.id.is_not(None)
        elsewhere = made_up(presence, members.c.cohort_id)
    columns = [
        sa.func.sum(sa.case((sa.and_(once, counted), 1), else_=0)).label("enrolled"),
        sa.func.sum(sa.case((sa.and_(once, members.c.status.in_(WAITING)), 1), else_=0)).label("waitlisted"),
        sa.func.sum(sa.case((sa.and_(once, members.c.status == EnrolmentStatus.COMPLETED), 1), else_=0)).label(
            "completed"
        ),
        sa.func.sum(
            sa.case((sa.and_(once, counted, certified.c.enrolment_id.is_not(None)), 1), else_=0)
        ).label("certified"),
    ]
    for k in range(1, positions + 1):
        at_k = sa.and_(counted, ranked.c.position == k)
        columns.append(
            sa.func.sum(sa.case((sa.and_(at_k, sa.or_(present, elsewhere)), 1), else_=0)).label(f"attended_{k}")
        )
        columns.append(
            sa.func.sum(sa.case((sa.and_(at_k, sa.not_(present), elsewhere), 1), else_=0)).label(f"made_up_{k}")
        )
    return stmt.add_columns(*columns).group_by(*[members.c[name] for name in group_by])


def figures_by(scope: Scope, group_by: tuple[str, ...], *extra, attendance: bool = True) -> dict[tuple, Figures]:
    """Figures per group key (a tuple of the group columns' values)."""
    positions = len(scope.positions) if attendance else 0
    if not scope.regions:
        return {}
    rows = db.session.execute(_aggregate(scope, group_by, *extra, attendance=attendance)).all()
    return {tuple(row[: len(group_by)]): Figures.from_row(row, positions) for row in rows}
