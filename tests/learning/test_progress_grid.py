"""The staff progress grid, and a constant number of queries for the lists, whatever the number of coaches."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from lms.attendance.models import AttendanceStatus
from lms.auth.models import Role
from lms.enrolment.models import EnrolmentStatus
from lms.extensions import db
from lms.learning.models import LessonCompletion, QuizAttempt
from tests.conftest import NOW


@contextmanager
def count_queries():
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


@pytest.fixture
def populate(course, make_user, enrol, attend, make_cohort):
    """n coaches in the cohort, each with some lessons, a quiz attempt and attendance of their own."""
    other = make_cohort(course["programme"], title="Groep Tiel")

    def fill(n: int):
        for i in range(n):
            coach = make_user(Role.COACH, name=f"Coach {i:02d}")
            enrol(course["cohort"], coach, status=EnrolmentStatus.COMPLETED if i % 5 == 4 else EnrolmentStatus.ENROLLED)
            db.session.add(LessonCompletion(user_id=coach.id, lesson_id=course["m1"].lessons[0].id,
                                            completed_at=NOW))
            db.session.add(QuizAttempt(user_id=coach.id, module_id=course["m1"].id, score=100, is_passed=i % 2 == 0,
                                       answers={}))
            for j, session in enumerate(course["sessions"]):
                attend(session, coach, [AttendanceStatus.PRESENT, AttendanceStatus.ABSENT,
                                        AttendanceStatus.EXCUSED][(i + j) % 3])
            attend(other.sessions[1], coach)  # a make-up elsewhere
        db.session.commit()

    return fill


def test_grid_shows_coaches_by_modules_and_sessions(client, auth, course, populate, make_user):
    populate(3)
    auth.login(make_user(Role.STAFF))
    page = client.get(f"/learn/manage/cohorts/{course['cohort'].id}/progress").get_data(as_text=True)
    assert "Voortgang van Groep Achterhoek" in page and "3 coaches" in page
    for i in range(3):
        assert f"Coach {i:02d}" in page
    for session in course["sessions"]:
        assert f'href="/sessions/{session.id}/attendance"' in page
    assert "Aanwezig" in page and "Afwezig" in page and "Ingehaald" in page
    assert "1/2 · quiz ✓" in page  # one of two lessons, quiz passed


def test_trainer_and_coordinator_read_the_grid(client, auth, course, make_user, make_region, other_region):
    auth.login(course["trainer"])
    assert client.get(f"/learn/manage/cohorts/{course['cohort'].id}/progress").status_code == 200
    auth.logout()
    auth.login(make_user(Role.TRAINER))  # teaches nothing here
    assert client.get(f"/learn/manage/cohorts/{course['cohort'].id}/progress").status_code == 403
    auth.logout()
    auth.login(make_user(Role.COORDINATOR, coordinates=[other_region]))
    assert client.get(f"/learn/manage/cohorts/{course['cohort'].id}/progress").status_code == 403
    assert client.get("/learn/manage/cohorts/999999/progress").status_code == 404


def _queries(client, url) -> int:
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("path", [
    "/learn/manage/cohorts/{cohort}/progress",
    "/sessions/{session}/attendance",
])
def test_constant_number_of_queries_for_3_and_12_coaches(client, auth, course, populate, make_user, path):
    auth.login(make_user(Role.STAFF))
    url = path.format(cohort=course["cohort"].id, session=course["sessions"][0].id)
    populate(3)
    few = _queries(client, url)
    populate(9)
    many = _queries(client, url)
    assert db.session.execute(
        sa.select(sa.func.count()).select_from(sa.text("enrolment"))
    ).scalar_one() == 12
    assert few == many, (few, many)


def test_constant_number_of_queries_on_the_coachs_page(client, auth, course, make_user, enrol, make_cohort, attend,
                                                      make_programme):
    coach = make_user(Role.COACH)
    auth.login(coach)
    enrol(course["cohort"], coach)
    attend(course["sessions"][0], coach, AttendanceStatus.ABSENT)
    one = _queries(client, "/learn")
    for i in range(3):  # more enrolments, in other programmes, with missed sessions
        cohort = make_cohort(make_programme(f"Training {i}"), title=f"Groep {i}", first=course["cohort"].starts_at.date())
        enrol(cohort, coach)
        attend(cohort.sessions[0], coach, AttendanceStatus.ABSENT)
    assert _queries(client, "/learn") == one
