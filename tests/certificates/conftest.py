"""Fixtures for certificates: completed enrolments, issued certificates, a query counter."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lms.attendance.models import Attendance, AttendanceStatus
from lms.auth.models import Role
from lms.certificates.services import issue_certificate
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db


@pytest.fixture
def complete(app, make_cohort):
    """Mark a coach's enrolment in a (past) cohort as completed, as the completion service does,
    with the coach present at every session that took place (``attended=False``: none)."""

    def make(user, cohort=None, *, completed_at=None, attended=True):
        cohort = cohort or make_cohort(first=date(2026, 3, 10))
        enrolment = Enrolment(cohort=cohort, user=user, programme_id=cohort.programme_id,
                              status=EnrolmentStatus.COMPLETED,
                              completed_at=completed_at or max(s.ends_at for s in cohort.sessions))
        cohort.seats_taken += 1
        db.session.add(enrolment)
        for session in cohort.sessions if attended else ():
            if not session.is_cancelled:
                db.session.add(Attendance(session_id=session.id, user_id=user.id, status=AttendanceStatus.PRESENT,
                                          recorded_at=session.ends_at))
        db.session.commit()
        return enrolment

    return make


@pytest.fixture
def issue(complete):
    """An issued, committed certificate for ``user`` (a new completed enrolment unless one is given)."""

    def make(user, *, enrolment=None, at=None, cohort=None):
        enrolment = enrolment or complete(user, cohort)
        certificate = issue_certificate(enrolment, at or enrolment.completed_at + timedelta(hours=1))
        db.session.commit()
        return certificate

    return make


@pytest.fixture
def coach(make_user):
    return make_user(Role.COACH, name="Cora Coach", email="cora@example.org", registration_number="123456")


@pytest.fixture
def staff(make_user):
    return make_user(Role.STAFF, name="Stella Staf", email="stella@example.org")


@pytest.fixture
def count_queries(app):
    """``with count_queries() as statements:`` collects the SQL sent meanwhile."""

    @contextmanager
    def counter():
        statements: list[str] = []

        def before(_conn, _cursor, statement, *_args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)

    return counter


def qr_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules (row, column) drawn by a segno SVG path: horizontal runs per row."""
    d = re.search(r'<path[^>]* d="([^"]+)"', svg).group(1)
    x = y = 0.0
    dark = set()
    for command, a, b in re.findall(r"([MmHh])\s*(-?[\d.]+)(?:\s+(-?[\d.]+))?", d):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        elif command in "hH":
            length = float(a) if command == "h" else float(a) - x
            dark.update((int(y), int(x) + i) for i in range(int(length)))
            x += length
    return dark
