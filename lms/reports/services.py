"""Reports built from the figures (lms/reports/figures.py): the dashboard per region and
municipality, the drill-down to cohorts and coaches, and the start page's headline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, lazyload, selectinload

from lms.auth.models import User
from lms.cohorts.models import Cohort
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.i18n import gettext as _
from lms.programmes.models import Programme
from lms.regions.models import Municipality, Region
from lms.reports.figures import (
    COUNTED,
    DIRECT,
    MADE_UP,
    UNKNOWN_MUNICIPALITY,
    WAITING,
    Figures,
    Position,
    Scope,
    figures_by,
    municipality_condition,
    scope_conditions,
    visible_regions,
)
from lms.reports.summary import figures as summary_figures

# The dashboard ---------------------------------------------------------------------------

_MUNICIPALITIES = sa.select(Municipality).where(Municipality.id.in_(sa.bindparam("ids", expanding=True)))


@dataclass
class Line:
    """One row of a figures table: a region's total or one municipality in it."""

    label: str
    figures: Figures
    region: Region
    municipality: Municipality | None = None
    kind: str = "municipality"  # region, municipality, other (outside the region), unknown

    @property
    def is_region(self) -> bool:
        return self.kind == "region"

    @property
    def is_outside_or_unknown(self) -> bool:
        """A municipality outside the region, or coaches whose municipality is unknown."""
        return self.kind in ("other", "unknown")

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


def region_report(scope: Scope, loaded: Iterable[Region] = ()) -> Report:
    """Per region in scope, and within each per municipality of the coaches: one query of
    the summary (lms/reports/summary.py), plus one for the names of municipalities outside the regions when coaches from
    there took part. ``scope.regions`` must have their municipalities loaded; so must ``loaded``, other regions
    (the reader's visible ones) whose municipalities need not be asked for again.
    """
    positions = len(scope.positions)
    figures = summary_figures(scope, ("region_id", "municipality_id"))
    municipality_ids = {m for (_r, m) in figures if m is not None}
    known = {m.id: m for region in (*scope.regions, *loaded) for m in region.municipalities}
    foreign_ids = municipality_ids - known.keys()
    if foreign_ids:
        # Coaches from outside the cohort's region: their municipalities, by name.
        for m in db.session.execute(_MUNICIPALITIES, {"ids": sorted(foreign_ids)}).scalars():
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
        .where(*scope_conditions(scope))
        .order_by(Cohort.starts_at.desc().nulls_last(), Cohort.title, Cohort.id)
    )
    condition = municipality_condition(scope)
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
    figures = summary_figures(scope.narrowed(cohort_ids=tuple(cohort_ids)), ("cohort_id",))
    return {key[0]: value for key, value in figures.items()}


def coach_list_query(scope: Scope):
    """The enrolments behind a figure, with coach and cohort (staff only)."""
    stmt = (
        sa.select(Enrolment)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(User, User.id == Enrolment.user_id)
        .where(*scope_conditions(scope), Enrolment.status.in_(COUNTED + WAITING))
        .options(
            contains_eager(Enrolment.cohort),
            contains_eager(Enrolment.user).options(
                joinedload(User.municipality), lazyload(User.role_grants), lazyload(User.coordinated_regions)
            ),
        )
        .order_by(User.name, User.id, Cohort.starts_at, Enrolment.id)
    )
    condition = municipality_condition(scope)
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
    figures = summary_figures(scope, ("region_id",), attendance=False)
    lines = [
        Line(region.name, figures.get((region.id,), Figures.empty(0)), region, None, "region") for region in regions
    ]
    total = Figures.empty(0)
    for line in lines:
        total.add(line.figures)
    return Headline(programme, lines, total)
