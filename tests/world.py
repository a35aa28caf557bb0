"""The shared world: one of everything, in two regions, for the access matrix and the fuzz tests.

Import the fixture where it is needed: ``from tests.world import world  # noqa: F401``.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lms.attendance.models import Attendance, AttendanceStatus
from lms.auth.models import Role
from lms.auth.services import make_reset_token
from lms.certificates.services import issue_certificate
from lms.cohorts.models import CohortStatus
from lms.enrolment.models import EnrolmentStatus
from lms.extensions import db
from lms.learning.models import Lesson, QuizOption, QuizQuestion
from tests.access import world_extensions
from tests.conftest import KEPT_WORLD, Client, empty_tables
from tests.dbstate import fingerprint
from tests.factories import add_enrolment


@pytest.fixture
def world(app, make_user, make_region, region, other_region, make_organisation, make_programme, make_cohort, now):
    """One of everything, in two regions, so each route can be tried on own and others' objects.

    The trainer teaches ``cohort``; the coordinator coordinates ``region``; the coach is
    enrolled in ``cohort`` and completed ``past_cohort``; ``other_coach`` is enrolled in
    ``other_cohort`` in ``other_region``.
    """
    users = {
        "coach": make_user(Role.COACH, name="Cora Coach", email="coach@example.org", registration_number="123456"),
        "trainer": make_user(Role.TRAINER, name="Tim Trainer", email="trainer@example.org"),
        "staff": make_user(Role.STAFF, name="Stella Staf", email="staff@example.org"),
        "coordinator": make_user(Role.COORDINATOR, name="Coen Coördinator", email="coordinator@example.org",
                                 coordinates=[region]),
        "admin": make_user(Role.ADMIN, name="Ada Admin", email="admin@example.org"),
    }
    other_coach = make_user(Role.COACH, name="Otto Ander", email="other@example.org", region=other_region)
    empty_region = make_region("Lege regio")
    organisation = make_organisation("Welzijn Test")

    programme = make_programme()
    module = programme.modules[0]
    lesson = Lesson(module=module, position=1, title="Les 1", body="# Les 1\n\nTekst.")
    question = QuizQuestion(module=module, position=1, text="Vraag?")
    question.options = [QuizOption(position=1, text="Ja", is_correct=True), QuizOption(position=2, text="Nee")]
    db.session.add_all([lesson, question])

    cohort = make_cohort(programme, region=region, trainers=[users["trainer"]], title="Groep Achterhoek",
                         first=date(2027, 3, 16))
    other_cohort = make_cohort(programme, region=other_region, title="Groep Rivierenland", first=date(2027, 4, 6))
    past_cohort = make_cohort(programme, region=region, trainers=[users["trainer"]], title="Groep vorig jaar",
                              first=date(2026, 3, 10), status=CohortStatus.COMPLETED)
    enrolment = add_enrolment(cohort, users["coach"])
    other_enrolment = add_enrolment(other_cohort, other_coach)
    past_enrolment = add_enrolment(past_cohort, users["coach"], EnrolmentStatus.COMPLETED)
    for session in past_cohort.sessions:
        db.session.add(Attendance(session=session, user=users["coach"], status=AttendanceStatus.PRESENT))
    db.session.flush()
    certificate = issue_certificate(past_enrolment, now - timedelta(days=200))
    other_certificate_enrolment = add_enrolment(past_cohort, other_coach, EnrolmentStatus.COMPLETED)
    other_certificate = issue_certificate(other_certificate_enrolment, now - timedelta(days=200))
    db.session.commit()

    w = {
        "users": users,
        "other_coach": other_coach,
        "region": region,
        "region_id": region.id,
        "region_slug": region.slug,
        "other_region_id": other_region.id,
        "other_region_slug": other_region.slug,
        "municipality_id": region.municipalities[-1].id,
        "empty_region_id": empty_region.id,
        "organisation_id": organisation.id,
        "other_user_id": other_coach.id,
        "reset_token": make_reset_token(other_coach, now),
        "programme": programme,
        "programme_id": programme.id,
        "module_id": module.id,
        "lesson_id": lesson.id,
        "question_id": question.id,
        "template_id": programme.session_templates[0].id,
        "cohort": cohort,
        "cohort_id": cohort.id,
        "session_id": cohort.sessions[0].id,
        "other_cohort_id": other_cohort.id,
        "other_session_id": other_cohort.sessions[0].id,
        "past_cohort_id": past_cohort.id,
        "past_session_id": past_cohort.sessions[0].id,
        "enrolment_id": enrolment.id,
        "other_enrolment_id": other_enrolment.id,
        "certificate_id": certificate.id,
        "certificate_number": certificate.number,
        "verification_id": certificate.verification_id,
        "other_certificate_id": other_certificate.id,
    }
    for extend in world_extensions():
        before = dict(w)
        extend(w)
        clobbered = [key for key in before if w[key] is not before[key]]
        assert not clobbered, f"{extend.__module__} overwrites world keys {clobbered}"
    db.session.commit()
    return w


@pytest.fixture
def kept_world(app, request):
    """The world, built again only when the test before changed it.

    For sweeps that try one route per test and mostly change nothing (the access matrix: every
    GET and every refused request). The ``app`` fixture leaves the tables of a test that uses
    this as they are, and empties them before any other test; a world is used again only when
    every row of every table is what it was right after it was built.
    """
    kept = app.extensions.get(KEPT_WORLD)
    if kept is not None and fingerprint(frozenset()) == kept["fingerprint"]:
        for instance in _instances(kept["world"]):
            db.session.add(instance)  # back into this test's session; its attributes load again on use
        return kept["world"]
    if app.extensions.pop(KEPT_WORLD, None) is not None:
        empty_tables()
    w = request.getfixturevalue("world")
    app.extensions[KEPT_WORLD] = {"world": w, "fingerprint": fingerprint(frozenset())}
    return w


def _instances(values: dict):
    for value in values.values():
        if isinstance(value, dict):
            yield from _instances(value)
        elif hasattr(value, "_sa_instance_state"):
            yield value


def client_for(app, world, role) -> Client:
    """A test client logged in as ``role`` of the world (or anonymous)."""
    app.test_client_class = Client
    client = app.test_client()
    if role != "anonymous":
        client.login_session(world["users"][role])
    return client
