"""A coach with a past, certified cohort and a seat in a cohort to come, among others."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from lms.attendance.models import Attendance, AttendanceStatus
from lms.auth.models import Role
from lms.certificates.services import issue_certificate
from lms.cohorts.models import CohortStatus
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.reports.figures import Scope, positions_of
from lms.reports.services import region_report


def enrol(cohort, user, status=EnrolmentStatus.ENROLLED, **fields) -> Enrolment:
    enrolment = Enrolment(cohort=cohort, user=user, programme_id=cohort.programme_id, status=status, **fields)
    if status == EnrolmentStatus.WAITLISTED:
        cohort.waitlist_counter += 1
        enrolment.waitlist_position = cohort.waitlist_counter
    elif status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED, EnrolmentStatus.PENDING):
        cohort.seats_taken += 1
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def attend(user, cohort, *statuses) -> None:
    for session, status in zip(cohort.sessions, statuses):
        db.session.add(Attendance(session=session, user=user, status=status))
    db.session.flush()


def figures(programme, region, cohort=None) -> dict:
    """Every figure of the region report, per line, as plain values."""
    scope = Scope(programme=programme, regions=(region,), positions=tuple(positions_of(programme)), cohort=cohort)
    report = region_report(scope)
    lines = {}
    for section in report.sections:
        for line in [section.total, *section.municipalities]:
            f = line.figures
            lines[(line.kind, line.label)] = (f.enrolled, f.waitlisted, f.completed, f.certified,
                                             tuple(f.attended), tuple(f.made_up))
    return lines


@dataclass
class Story:
    coach: object
    other: object
    waiting: object
    admin: object
    programme: object
    past: object
    future: object
    past_enrolment: Enrolment
    future_enrolment: Enrolment
    certificate: object
    other_certificate: object


@pytest.fixture
def story(app, region, make_user, make_programme, make_cohort, now) -> Story:
    """Cora (Doetinchem) completed ``past`` with a certificate and holds a seat in the full
    ``future`` cohort, where Wim waits; Otto (Winterswijk) completed ``past`` too."""
    by_name = {m.name: m for m in region.municipalities}
    doetinchem, winterswijk = by_name["Doetinchem"], by_name["Winterswijk"]
    coach = make_user(Role.COACH, name="Cora Coach", email="cora@example.org", registration_number="123456",
                      municipality=doetinchem)
    other = make_user(Role.COACH, name="Otto Ander", email="otto@example.org", registration_number="654321",
                      municipality=winterswijk)
    waiting = make_user(Role.COACH, name="Wim Wachter", email="wim@example.org", municipality=winterswijk)
    admin = make_user(Role.ADMIN, name="Ada Admin", email="ada@example.org")
    programme = make_programme()
    past = make_cohort(programme, first=date(2026, 3, 10), status=CohortStatus.COMPLETED, title="Groep voorjaar")
    future = make_cohort(programme, first=date(2027, 3, 16), capacity=1, title="Groep 2027")
    P = AttendanceStatus.PRESENT
    past_enrolment = enrol(past, coach, EnrolmentStatus.COMPLETED, completed_at=now - timedelta(days=200))
    other_enrolment = enrol(past, other, EnrolmentStatus.COMPLETED, completed_at=now - timedelta(days=200))
    attend(coach, past, P, P, P)
    attend(other, past, P, AttendanceStatus.EXCUSED, P)
    certificate = issue_certificate(past_enrolment, now - timedelta(days=199))
    other_certificate = issue_certificate(other_enrolment, now - timedelta(days=199))
    future_enrolment = enrol(future, coach, EnrolmentStatus.ENROLLED)
    enrol(future, waiting, EnrolmentStatus.WAITLISTED)
    db.session.commit()
    return Story(coach, other, waiting, admin, programme, past, future, past_enrolment, future_enrolment,
                 certificate, other_certificate)
