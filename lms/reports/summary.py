"""The figures read from the summary (lms/reports/models.py), recomputed per cohort on change.

Reading figures first recomputes the cohorts the database triggers marked stale, with the
one aggregate query of lms/reports/figures.py restricted to those cohorts, so the summary
gives exactly what that query gives over all enrolments; then one small SELECT sums the
buckets in scope. A scope without period or cohort reads the per-region totals, whose size
does not grow with the number of cohorts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

import sqlalchemy as sa

from lms.cohorts.models import Cohort, CohortStatus, Session, SessionStatus
from lms.domain import scheduler_round
from lms.extensions import db
from lms.programmes.models import Programme
from lms.regions.models import Municipality, Region
from lms.reports.figures import UNKNOWN_MUNICIPALITY, Figures, Position, Scope, figures_by, scope_conditions
from lms.reports.models import CohortFigures, RegionFigures, StaleCohort

STALE = StaleCohort.__table__
PER_COHORT = CohortFigures.__table__
PER_REGION = RegionFigures.__table__
MEMBER_MEASURES = ("enrolled", "waitlisted", "completed", "certified")
POSITION_MEASURES = ("attended", "made_up")
MEASURES = MEMBER_MEASURES + POSITION_MEASURES

# Cohorts recomputed per aggregate query: bounds the query's size on a full rebuild.
CHUNK = 500
# PostgreSQL advisory lock (transaction-scoped) that lets one refresh run at a time, so two
# requests never both rebuild the same region's totals.
REFRESH_LOCK = 2020_0001


# Keeping the summary fresh ---------------------------------------------------------------


_ANY_STALE = sa.select(STALE.c.cohort_id).limit(1)  # built once: every report reads it first


def refresh_stale() -> int:
    """Recompute the figures of the cohorts marked stale; returns how many. One query when none are."""
    if db.session.execute(_ANY_STALE).first() is None:
        return 0
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(REFRESH_LOCK)))
    # Claimed by deleting: a cohort marked again after this (by a write that commits later)
    # stays marked for the next refresh.
    claimed = sorted(db.session.execute(sa.delete(STALE).returning(STALE.c.cohort_id)).scalars())
    for start in range(0, len(claimed), CHUNK):
        _recompute(claimed[start:start + CHUNK])
    return len(claimed)


def refresh_all() -> int:
    """Rebuild the whole summary from the data (`flask lms refresh-figures`)."""
    db.session.execute(sa.delete(PER_COHORT))
    db.session.execute(sa.delete(PER_REGION))
    db.session.execute(sa.delete(STALE))
    db.session.execute(sa.insert(STALE).from_select(["cohort_id"], sa.select(Cohort.id)))
    return refresh_stale()


def _recompute(cohort_ids: list[int]) -> None:
    keys = set(db.session.execute(
        sa.select(PER_COHORT.c.programme_id, PER_COHORT.c.region_id)
        .where(PER_COHORT.c.cohort_id.in_(cohort_ids)).distinct()
    ).all())
    db.session.execute(sa.delete(PER_COHORT).where(PER_COHORT.c.cohort_id.in_(cohort_ids)))
    # Cancelled cohorts count nowhere: they keep no rows.
    cohorts = db.session.execute(
        sa.select(Cohort.id, Cohort.programme_id, Cohort.region_id)
        .where(Cohort.id.in_(cohort_ids), Cohort.status != CohortStatus.CANCELLED)
    ).all()
    sessions = dict(db.session.execute(
        sa.select(Session.cohort_id, sa.func.count())
        .where(Session.cohort_id.in_(cohort_ids), Session.status != SessionStatus.CANCELLED)
        .group_by(Session.cohort_id)
    ).all())
    by_programme: dict[int, list] = defaultdict(list)
    for cohort in cohorts:
        by_programme[cohort.programme_id].append(cohort)
        keys.add((cohort.programme_id, cohort.region_id))
    rows = []
    for programme_id, members in by_programme.items():
        rows += _cohort_rows(programme_id, members, sessions)
    if rows:
        db.session.execute(sa.insert(PER_COHORT), rows)
    _rebuild_region_totals(keys)


def _cohort_rows(programme_id: int, cohorts: list, sessions: dict[int, int]) -> list[dict]:
    """The summary rows of some cohorts of one programme, from the direct aggregate query.

    Every session of a cohort gets its position (the dashboard shows as many as the
    programme's pattern has), so a change to the pattern changes nothing stored here.
    """
    positions = max((sessions.get(c.id, 0) for c in cohorts), default=0)
    region_of = {c.id: c.region_id for c in cohorts}
    scope = Scope(
        programme=db.session.get(Programme, programme_id),
        regions=tuple(db.session.get(Region, r) for r in sorted(set(region_of.values()))),
        cohort_ids=tuple(region_of),
        positions=tuple(Position(k, "", "") for k in range(1, positions + 1)),
    )
    rows = []
    for (cohort_id, municipality_id), f in figures_by(scope, ("cohort_id", "municipality_id")).items():
        place = {"cohort_id": cohort_id, "programme_id": programme_id, "region_id": region_of[cohort_id],
                 "municipality_id": municipality_id}
        rows.append({**place, "position": 0, "enrolled": f.enrolled, "waitlisted": f.waitlisted,
                     "completed": f.completed, "certified": f.certified, "attended": 0, "made_up": 0})
        for k, (attended, made_up) in enumerate(zip(f.attended, f.made_up, strict=True), start=1):
            if attended or made_up:
                rows.append({**place, "position": k, "enrolled": 0, "waitlisted": 0, "completed": 0,
                             "certified": 0, "attended": attended, "made_up": made_up})
    return rows


def _rebuild_region_totals(keys: Iterable[tuple[int, int]]) -> None:
    regions_of: dict[int, set[int]] = defaultdict(set)
    for programme_id, region_id in keys:
        regions_of[programme_id].add(region_id)
    for programme_id, region_ids in sorted(regions_of.items()):
        db.session.execute(sa.delete(PER_REGION).where(
            PER_REGION.c.programme_id == programme_id, PER_REGION.c.region_id.in_(region_ids)))
        groups = (PER_COHORT.c.programme_id, PER_COHORT.c.region_id, PER_COHORT.c.municipality_id,
                  PER_COHORT.c.position)
        totals = (
            sa.select(*groups, *[sa.func.sum(PER_COHORT.c[m]) for m in MEASURES])
            .where(PER_COHORT.c.programme_id == programme_id, PER_COHORT.c.region_id.in_(region_ids))
            .group_by(*groups)
        )
        db.session.execute(sa.insert(PER_REGION).from_select(
            ["programme_id", "region_id", "municipality_id", "position", *MEASURES], totals))


@scheduler_round.connect
def _refresh_on_schedule(_sender, **_kwargs) -> None:
    refresh_stale()


# Reading ---------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _sums(group_by: tuple[str, ...], whole_periods: bool) -> sa.Select:
    """The sums per group key and position, built once per grouping (its cache key memoized).

    Over the per-region totals (whole periods; bound: programme_id, region_ids) or over the
    per-cohort buckets, which the caller joins to the cohorts in scope; bound: positions.
    """
    table = PER_REGION if whole_periods else PER_COHORT
    columns = [table.c[name] for name in group_by]
    stmt = (
        sa.select(*columns, table.c.position, *[sa.func.sum(table.c[m]).label(m) for m in MEASURES])
        .where(table.c.position <= sa.bindparam("positions"))
        .group_by(*columns, table.c.position)
    )
    if whole_periods:
        stmt = stmt.where(table.c.programme_id == sa.bindparam("programme_id"),
                          table.c.region_id.in_(sa.bindparam("region_ids", expanding=True)))
    return stmt


def figures(scope: Scope, group_by: tuple[str, ...], *, attendance: bool = True) -> dict[tuple, Figures]:
    """Figures per group key, as ``figures_by`` gives them; groups: region_id, municipality_id, cohort_id."""
    if not scope.regions:
        return {}
    refresh_stale()
    positions = len(scope.positions) if attendance else 0
    whole_periods = scope.cohort is None and scope.cohort_ids is None and scope.date_from is None \
        and scope.date_to is None and "cohort_id" not in group_by
    stmt = _sums(group_by, whole_periods)
    params = {"positions": positions}
    if whole_periods:
        params |= {"programme_id": scope.programme.id, "region_ids": scope.region_ids}
    else:
        stmt = stmt.join(Cohort, Cohort.id == PER_COHORT.c.cohort_id).where(*scope_conditions(scope))
    table = PER_REGION if whole_periods else PER_COHORT
    if scope.municipality == UNKNOWN_MUNICIPALITY:
        stmt = stmt.where(table.c.municipality_id.is_(None))
    elif isinstance(scope.municipality, Municipality):
        stmt = stmt.where(table.c.municipality_id == scope.municipality.id)
    result: dict[tuple, Figures] = {}
    for row in db.session.execute(stmt, params):
        key = tuple(row[: len(group_by)])
        found = result.get(key)
        if found is None:
            found = result[key] = Figures.empty(positions)
        if row.position == 0:
            for name in MEMBER_MEASURES:
                setattr(found, name, int(getattr(row, name)))
        else:
            found.attended[row.position - 1] = int(row.attended)
            found.made_up[row.position - 1] = int(row.made_up)
    return result
