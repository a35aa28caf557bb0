"""Figures per region and municipality, aggregated in SQL.

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
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased, contains_eager, joinedload, lazyload, selectinload

from lms.attendance.models import Attendance, AttendanceStatus
from lms.auth.models import Role, User
from lms.certificates.models import Certificate
from lms.certificates.personal_data import certificate_counts_as_certified
from lms.cohorts.models import Cohort, CohortStatus, Session, SessionStatus
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
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


def visible_regions(actor: User, *, with_municipalities: bool = False) -> list[Region]:
    ids = visible_region_ids(actor)
    if ids is not None and not with_municipalities:
        return sorted(actor.coordinated_regions, key=lambda r: r.name)
    if ids is not None and not ids:
        return []
    stmt = sa.select(Region).order_by(Region.name)
    if ids is not None:
        stmt = stmt.where(Region.id.in_(ids))
    if with_municipalities:
        stmt = stmt.options(selectinload(Region.municipalities))
    return list(db.session.execute(stmt).scalars())


def may_see_region(actor: User, region_id: int) -> bool:
    ids = visible_region_ids(actor)
    return ids is None or region_id in ids


def may_see_coaches(actor: User) -> bool:
    """Names of coaches behind the figures, and the accreditation lists: staff only."""
    return actor.is_staff


def report_programmes() -> list[Programme]:
    """Every programme, current ones first, with its session pattern."""
    return list(
        db.session.execute(
            sa.select(Programme)
            .options(selectinload(Programme.session_templates))
            .order_by(Programme.archived_at.is_not(None), Programme.title, Programme.id)
        ).scalars()
    )


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


def _scope_conditions(scope: Scope) -> list:
    conditions = [
        Cohort.programme_id == scope.programme.id,
        Cohort.region_id.in_(scope.region_ids),
        Cohort.status != CohortStatus.CANCELLED,
    ]
    if scope.cohort is not None:
        conditions.append(Cohort.id == scope.cohort.id)
    if scope.date_from is not None:
        conditions.append(Cohort.starts_at >= local_to_utc(scope.date_from, time.min))
    if scope.date_to is not None:
        conditions.append(Cohort.starts_at < local_to_utc(scope.date_to + timedelta(days=1), time.min))
    return conditions


def _municipality_condition(scope: Scope):
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
        .where(*_scope_conditions(scope), Enrolment.status.in_(statuses), *extra)
    )
    condition = _municipality_condition(scope)
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
        .where(*_scope_conditions(scope), Session.status != SessionStatus.CANCELLED)
        .subquery("numbered")
    )
    cohorts = sa.select(
        sa.null().label("session_id"),
        Cohort.id.label("cohort_id"),
        sa.null().label("template_id"),
        sa.literal_column("0").label("position"),
    ).where(*_scope_conditions(scope))
    sessions = sa.select(numbered).where(numbered.c.position <= positions)
    return sa.union_all(cohorts, sessions).subquery("ranked")


def _presence_ranges(programme_id: int, user_ids):
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


def _made_up(presence, cohort_id):
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
        presence = _presence_ranges(scope.programme.id, sa.select(in_scope.c.user_id))
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
        elsewhere = _made_up(presence, members.c.cohort_id)
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


# The dashboard ---------------------------------------------------------------------------


@dataclass
class Line:
    """One row of a figures table: a region's total or one municipality in it."""

    label: str
    figures: Figures
    region: Region
    municipality: Municipality | None = None
    kind: str = "municipality"  # region, municipality, other (outside the region), unknown

    @property
    def municipality_arg(self) -> int | str | None:
        if self.kind == "unknown":
            return UNKNOWN_MUNICIPALITY
        return self.municipality.id if self.municipality else None


@dataclass
class RegionSection:
    region: Region
    total: Line
    municipalities: list[Line]


@dataclass
class Report:
    scope: Scope
    sections: list[RegionSection]
    total: Figures

    @property
    def positions(self) -> tuple[Position, ...]:
        return self.scope.positions

    @property
    def region_lines(self) -> list[Line]:
        return [s.total for s in self.sections]

    @property
    def total_line(self) -> Line | None:
        if not self.sections:
            return None
        return Line(_("Total"), self.total, self.sections[0].region, None, "region")

    def funnel(self) -> list[tuple[str, int]]:
        return funnel_stages(self.total, self.positions)


def funnel_stages(figures: Figures, positions) -> list[tuple[str, int]]:
    stages = [(_("Enrolled"), figures.enrolled)]
    stages += [(p.stage, figures.attended[i]) for i, p in enumerate(positions)]
    stages += [(_("Completed"), figures.completed), (_("Certified"), figures.certified)]
    return stages


def region_report(scope: Scope) -> Report:
    """Per region in scope, and within each per municipality of the coaches: one aggregate
    query, plus one for the names of municipalities outside the regions when coaches from
    there took part. ``scope.regions`` must have their municipalities loaded.
    """
    positions = len(scope.positions)
    figures = figures_by(scope, ("region_id", "municipality_id"))
    municipality_ids = {m for (_r, m) in figures if m is not None}
    known = {m.id: m for region in scope.regions for m in region.municipalities}
    foreign_ids = municipality_ids - known.keys()
    if foreign_ids:
        # Coaches from outside the cohort's region: their municipalities, by name.
        for m in db.session.execute(sa.select(Municipality).where(Municipality.id.in_(foreign_ids))).scalars():
            known[m.id] = m
    sections = []
    total = Figures.empty(positions)
    for region in scope.regions:
        own = [
            Line(m.name, figures.get((region.id, m.id), Figures.empty(positions)), region, m)
            for m in region.municipalities
        ]
        others = sorted(
            (
                Line(_("%(name)s (outside the region)", name=known[m_id].name), f, region, known[m_id], "other")
                for (r_id, m_id), f in figures.items()
                if r_id == region.id and m_id is not None and known[m_id].region_id != region.id
            ),
            key=lambda line: line.label,
        )
        unknown = figures.get((region.id, None))
        lines = own + others
        if unknown is not None:
            lines.append(Line(_("Municipality unknown"), unknown, region, None, "unknown"))
        region_total = Figures.empty(positions)
        for line in lines:
            region_total.add(line.figures)
        total.add(region_total)
        sections.append(RegionSection(region, Line(region.name, region_total, region, None, "region"), lines))
    return Report(scope, sections, total)


# Drill-down ------------------------------------------------------------------------------


def cohort_list_query(scope: Scope):
    """The cohorts behind a figure: in scope, and with a coach of the municipality if one is set."""
    stmt = (
        sa.select(Cohort)
        .where(*_scope_conditions(scope))
        .order_by(Cohort.starts_at.desc().nulls_last(), Cohort.title, Cohort.id)
    )
    condition = _municipality_condition(scope)
    if condition is not None:
        stmt = stmt.where(
            Cohort.id.in_(
                sa.select(Enrolment.cohort_id)
                .join(User, User.id == Enrolment.user_id)
                .where(Enrolment.status.in_(COUNTED + WAITING), condition)
            )
        )
    return stmt


def figures_per_cohort(scope: Scope, cohort_ids: list[int]) -> dict[int, Figures]:
    if not cohort_ids:
        return {}
    figures = figures_by(scope, ("cohort_id",), Enrolment.cohort_id.in_(cohort_ids))
    return {key[0]: value for key, value in figures.items()}


def coach_list_query(scope: Scope):
    """The enrolments behind a figure, with coach and cohort (staff only)."""
    stmt = (
        sa.select(Enrolment)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(User, User.id == Enrolment.user_id)
        .where(*_scope_conditions(scope), Enrolment.status.in_(COUNTED + WAITING))
        .options(
            contains_eager(Enrolment.cohort),
            contains_eager(Enrolment.user).options(
                joinedload(User.municipality), lazyload(User.role_grants), lazyload(User.coordinated_regions)
            ),
        )
        .order_by(User.name, User.id, Cohort.starts_at, Enrolment.id)
    )
    condition = _municipality_condition(scope)
    if condition is not None:
        stmt = stmt.where(condition)
    return stmt


@dataclass
class CoachMarks:
    attended: list[int]  # per position: DIRECT, MADE_UP or 0
    certified: bool


def marks_for(scope: Scope, enrolment_ids: list[int]) -> dict[int, CoachMarks]:
    """Attendance per position and certification for a page of enrolments: one query."""
    if not enrolment_ids:
        return {}
    figures = figures_by(scope, ("enrolment_id",), Enrolment.id.in_(enrolment_ids))
    return {
        key[0]: CoachMarks(
            [MADE_UP if made_up else DIRECT if attended else 0 for attended, made_up in zip(f.attended, f.made_up)],
            bool(f.certified),
        )
        for key, f in figures.items()
    }


def load_cohort(cohort_id: int) -> Cohort | None:
    return db.session.execute(
        sa.select(Cohort)
        .where(Cohort.id == cohort_id)
        .options(
            selectinload(Cohort.sessions),
            joinedload(Cohort.programme).selectinload(Programme.session_templates),
            joinedload(Cohort.region).selectinload(Region.municipalities),
        )
    ).scalar_one_or_none()


# Accreditation ---------------------------------------------------------------------------


@dataclass
class AccreditedCoach:
    user_id: int
    name: str
    registration_number: str | None
    missing: list[Session]  # required sessions neither attended nor made up


@dataclass
class AccreditationList:
    cohort: Cohort
    required: list[Session]
    met: list[AccreditedCoach]
    not_met: list[AccreditedCoach]
    sessions_to_come: list[Session]

    @property
    def with_number(self) -> list[AccreditedCoach]:
        return [c for c in self.met if c.registration_number]

    @property
    def without_number(self) -> list[AccreditedCoach]:
        return [c for c in self.met if not c.registration_number]

    def as_text(self) -> str:
        """Registration numbers, one per line, for the register's portal."""
        return "".join(f"{c.registration_number}\n" for c in self.with_number)


def accreditation_list(cohort: Cohort, now: datetime) -> AccreditationList:
    """The coaches who met the attendance rule: present, or made up, at every required session.

    ``cohort`` comes from ``load_cohort`` (sessions loaded). Two queries: the members and
    the (member, required session) pairs that were met.
    """
    required = [s for s in cohort.sessions if s.is_required and not s.is_cancelled]
    members = db.session.execute(
        sa.select(Enrolment.id, User.id, User.name, User.registration_number)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(COUNTED))
        .order_by(User.name, User.id)
    ).all()
    met_pairs: set[tuple[int, int]] = set()
    if required and members:
        required_session = aliased(Session)
        direct = aliased(Attendance)
        coaches = sa.select(Enrolment.user_id).where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(COUNTED))
        presence = _presence_ranges(cohort.programme_id, coaches)
        pairs = (
            sa.select(Enrolment.id, required_session.id)
            .join(required_session, required_session.cohort_id == Enrolment.cohort_id)
            .outerjoin(
                direct,
                sa.and_(
                    direct.session_id == required_session.id,
                    direct.user_id == Enrolment.user_id,
                    direct.status == AttendanceStatus.PRESENT,
                ),
            )
            .outerjoin(
                presence,
                sa.and_(
                    presence.c.user_id == Enrolment.user_id,
                    presence.c.template_id == required_session.template_id,
                ),
            )
            .where(
                Enrolment.cohort_id == cohort.id,
                Enrolment.status.in_(COUNTED),
                required_session.id.in_([s.id for s in required]),
                sa.or_(direct.id.is_not(None), _made_up(presence, Enrolment.cohort_id)),
            )
        )
        met_pairs = {(enrolment_id, session_id) for enrolment_id, session_id in db.session.execute(pairs)}
    met, not_met = [], []
    for enrolment_id, user_id, name, number in members:
        missing = [s for s in required if (enrolment_id, s.id) not in met_pairs]
        coach = AccreditedCoach(user_id, name, (number or "").strip() or None, missing)
        (not_met if missing else met).append(coach)
    to_come = [s for s in required if s.ends_at > now]
    return AccreditationList(cohort, required, met, not_met, to_come)


# Start page ------------------------------------------------------------------------------


@dataclass
class Headline:
    programme: Programme
    lines: list[Line]
    total: Figures


def headline(actor: User, now: datetime) -> Headline | None:
    """Enrolled, waitlisted, completed and certified per region of the actor, over all periods
    (so ``now`` does not change it), for the first current programme."""
    regions = visible_regions(actor)
    if not regions:
        return None
    programme = db.session.execute(
        sa.select(Programme).order_by(Programme.archived_at.is_not(None), Programme.title, Programme.id).limit(1)
    ).scalar_one_or_none()
    if programme is None:
        return None
    scope = Scope(programme=programme, regions=tuple(regions))
    figures = figures_by(scope, ("region_id",), attendance=False)
    lines = [
        Line(region.name, figures.get((region.id,), Figures.empty(0)), region, None, "region") for region in regions
    ]
    total = Figures.empty(0)
    for line in lines:
        total.add(line.figures)
    return Headline(programme, lines, total)
