"""The summary gives exactly the figures of the direct aggregate, on random worlds and after random changes.

Each example builds enrolments, attendance (with make-ups), certificates and cancelled
sessions on a fixed set of regions, programmes, cohorts and coaches, compares the summary
(lms/reports/summary.py) with the aggregate over all enrolments (lms/reports/figures.py)
for several scopes, then changes the world through plain writes, as any future code path
might, and compares again: the database triggers must have marked what moved. Each example
is rolled back. The number of examples follows the Hypothesis profile (fast or full).
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.attendance.models import Attendance, AttendanceStatus
from lms.auth.models import Role
from lms.certificates.models import Certificate, RevocationReason
from lms.certificates.openbadges.status import assign_entry
from lms.certificates.personal_data import ACCOUNT_REMOVED
from lms.cohorts.models import CohortStatus, SessionStatus
from lms.enrolment.models import ACTIVE, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.reports.figures import UNKNOWN_MUNICIPALITY, Scope, figures_by, positions_of
from lms.reports.models import StaleCohort
from lms.reports.summary import figures, refresh_all, refresh_stale
from lms.web import unit_of_work
from tests.conftest import HEAVY_EXAMPLES

STATUSES = [None, *EnrolmentStatus]
MARKS = [None, AttendanceStatus.PRESENT, AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED]
_numbers = itertools.count(1)


@pytest.fixture
def base(app, region, other_region, make_user, make_programme, make_cohort):
    """Two regions, two programmes, six cohorts, nine coaches (one without a municipality)."""
    p, q = make_programme(), make_programme("Verdieping")
    cohorts = [
        make_cohort(p, region=region, first=date(2026, 3, 10), status=CohortStatus.COMPLETED),
        make_cohort(p, region=region, first=date(2026, 9, 1), status=CohortStatus.CLOSED),
        make_cohort(p, region=other_region, first=date(2026, 4, 7), status=CohortStatus.COMPLETED),
        make_cohort(p, region=other_region, first=date(2027, 2, 2)),
        make_cohort(q, region=region, first=date(2026, 5, 5)),
        make_cohort(q, region=other_region, first=date(2026, 6, 9), status=CohortStatus.CLOSED),
    ]
    places = [*region.municipalities, *other_region.municipalities]
    coaches = [make_user(Role.COACH, region=region, municipality=places[i % len(places)]) for i in range(8)]
    coaches.append(make_user(Role.COACH, region=None))  # municipality unknown
    return {"programmes": [p, q], "regions": [region, other_region], "cohorts": cohorts, "coaches": coaches,
            "places": places}


def _world(draw, base):
    """Enrolments, attendance, certificates and cancelled sessions, drawn."""
    enrolments = []
    for coach in base["coaches"]:
        active = set()
        for cohort in base["cohorts"]:
            status = draw(st.sampled_from(STATUSES))
            if status is None:
                continue
            if status in ACTIVE:
                if cohort.programme_id in active:
                    status = EnrolmentStatus.CANCELLED  # one active enrolment per programme
                active.add(cohort.programme_id)
            offered = status == EnrolmentStatus.OFFERED  # the database's invariants: an offer has a deadline
            enrolment = Enrolment(cohort=cohort, user=coach, programme_id=cohort.programme_id, status=status,
                                  waitlist_position=next(_numbers) if status == EnrolmentStatus.WAITLISTED else None,
                                  offered_at=cohort.starts_at - timedelta(days=9) if offered else None,
                                  offer_expires_at=cohort.starts_at - timedelta(days=8) if offered else None)
            db.session.add(enrolment)
            enrolments.append(enrolment)
        for session in (s for c in base["cohorts"] for s in c.sessions):
            mark = draw(st.sampled_from(MARKS))
            if mark is not None:
                db.session.add(Attendance(session=session, user=coach, status=mark))
    db.session.flush()
    for enrolment in enrolments:
        kind = draw(st.sampled_from(["none", "none", "valid", "revoked", "removed"]))
        if kind != "none":
            _certificate(enrolment, kind)
    for session in (s for c in base["cohorts"] for s in c.sessions):
        if draw(st.integers(0, 9)) == 0:
            session.status = SessionStatus.CANCELLED
    db.session.flush()
    return enrolments


def _certificate(enrolment, kind: str) -> None:
    n = next(_numbers)
    revoked = kind != "valid"
    status_list_id, status_index = assign_entry(enrolment.created_at)  # every certificate has its Open Badge entry
    db.session.add(Certificate(
        status_list_id=status_list_id, status_index=status_index, number=f"T-{n:06d}", verification_id=f"test-verification-{n:06d}", user_id=enrolment.user_id,
        enrolment_id=enrolment.id, programme_id=enrolment.programme_id, cohort_id=enrolment.cohort_id,
        snapshot={ACCOUNT_REMOVED: True} if kind == "removed" else {},
        revoked_at=enrolment.created_at if revoked else None,
        public_reason=RevocationReason.ACCOUNT_DELETED if revoked else None,
    ))
    db.session.flush()


def _change(draw, base, enrolments) -> None:
    """Changes through plain writes, none of which tells the reports anything."""
    for enrolment in enrolments:
        if draw(st.integers(0, 4)) == 0:
            enrolment.status = draw(st.sampled_from([EnrolmentStatus.CANCELLED, EnrolmentStatus.COMPLETED,
                                                     EnrolmentStatus.REJECTED]))
            enrolment.waitlist_position = enrolment.offer_expires_at = None  # only while waiting, offered
    db.session.flush()
    for attendance in db.session.execute(sa.select(Attendance)).scalars():
        what = draw(st.integers(0, 9))
        if what == 0:
            db.session.delete(attendance)
        elif what == 1:
            attendance.status = AttendanceStatus.ABSENT if attendance.status == AttendanceStatus.PRESENT \
                else AttendanceStatus.PRESENT
    for certificate in db.session.execute(sa.select(Certificate)).scalars():
        if draw(st.integers(0, 4)) == 0:
            certificate.revoked_at = None if certificate.revoked_at else certificate.issued_at
            certificate.public_reason = RevocationReason.ISSUED_IN_ERROR if certificate.revoked_at else None
    for session in (s for c in base["cohorts"] for s in c.sessions):
        what = draw(st.integers(0, 14))
        if what == 0:
            session.status = SessionStatus.CANCELLED if session.status == SessionStatus.SCHEDULED \
                else SessionStatus.SCHEDULED
        elif what == 1:
            session.starts_at += timedelta(days=60)  # now later than the next session
            session.ends_at += timedelta(days=60)
        elif what == 2:
            session.template_id = None
    for coach in base["coaches"]:
        if draw(st.integers(0, 5)) == 0:
            coach.municipality = draw(st.sampled_from([None, *base["places"]]))
    for cohort in base["cohorts"]:
        what = draw(st.integers(0, 11))
        if what == 0:
            cohort.status = CohortStatus.CANCELLED
        elif what == 1:
            cohort.region = draw(st.sampled_from(base["regions"]))
        elif what == 2:
            cohort.programme = draw(st.sampled_from(base["programmes"]))
    db.session.flush()


def _scopes(base):
    region, other = base["regions"]
    for programme in base["programmes"]:
        positions = tuple(positions_of(programme))
        both = Scope(programme=programme, regions=(region, other), positions=positions)
        yield both
        yield both.narrowed(regions=(other,), region=other)
        yield both.narrowed(municipality=region.municipalities[0])
        yield both.narrowed(municipality=UNKNOWN_MUNICIPALITY)
        yield both.narrowed(date_from=date(2026, 4, 1), date_to=date(2026, 8, 31))
        yield both.narrowed(cohort_ids=tuple(c.id for c in base["cohorts"][::2]))
        for cohort in base["cohorts"][1::3]:
            yield Scope(programme=programme, regions=(cohort.region,), region=cohort.region, cohort=cohort,
                        positions=positions)


def _compare(base) -> None:
    for scope in _scopes(base):
        for group_by, attendance in ((("region_id", "municipality_id"), True), (("cohort_id",), True),
                                     (("region_id",), False)):
            expected = figures_by(scope, group_by, attendance=attendance)
            assert figures(scope, group_by, attendance=attendance) == expected, (scope, group_by)


@pytest.mark.heavy
@settings(max_examples=HEAVY_EXAMPLES, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_the_summary_equals_the_direct_aggregate(base, data):
    try:
        enrolments = _world(data.draw, base)
        _compare(base)
        _change(data.draw, base, enrolments)
        _compare(base)
    finally:
        db.session.rollback()


def test_a_refresh_recomputes_only_what_changed_and_the_full_rebuild_agrees(base):
    cohort = base["cohorts"][0]
    coach = base["coaches"][0]
    with unit_of_work():
        refresh_stale()
    assert db.session.execute(sa.select(StaleCohort)).first() is None
    db.session.add(Enrolment(cohort=cohort, user=coach, programme_id=cohort.programme_id,
                             status=EnrolmentStatus.ENROLLED))
    db.session.flush()
    assert list(db.session.execute(sa.select(StaleCohort.cohort_id)).scalars()) == [cohort.id]
    scope = Scope(programme=cohort.programme, regions=tuple(base["regions"]),
                  positions=tuple(positions_of(cohort.programme)))
    incremental = figures(scope, ("region_id", "municipality_id"))
    assert incremental[(cohort.region_id, coach.municipality_id)].enrolled == 1
    assert refresh_all() == len(base["cohorts"])
    assert figures(scope, ("region_id", "municipality_id")) == incremental


def test_the_scheduler_round_keeps_the_summary_fresh(app, base):
    cohort = base["cohorts"][1]
    db.session.add(Enrolment(cohort=cohort, user=base["coaches"][1], programme_id=cohort.programme_id,
                             status=EnrolmentStatus.WAITLISTED, waitlist_position=1))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["lms", "process-waitlists"])
    assert result.exit_code == 0, result.output
    assert db.session.execute(sa.select(StaleCohort)).first() is None


def test_refresh_figures_command(app, base):
    result = app.test_cli_runner().invoke(args=["lms", "refresh-figures"])
    assert result.exit_code == 0, result.output
    assert f"{len(base['cohorts'])} cohorts" in result.output
