"""No overbooking, ever: many requests at the same moment through the real HTTP stack.

Many coaches enrolling at once never take more seats than there are; one coach (or one
staff member adding a coach) sending the same thing ten times at once, round after round,
gets exactly one enrolment, one seat, one mail and one audit event each round.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from lms.audit.models import AuditEvent
from lms.auth.models import Role, User, UserRole
from lms.cohorts.models import Cohort
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.enrolment.services import cancel_by_coach, cancel_by_staff
from lms.extensions import db
from lms.notifications.models import OutboxMail
from tests.factories import PASSWORD, password_hash

pytestmark = pytest.mark.slow

CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
ATTEMPTS = 110
CAPACITY = 20
AT_ONCE = 10
ROUNDS = 20


def _logged_in_session(base: str, email: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    token = CSRF.search(session.get(f"{base}/login").text).group(1)
    response = session.post(f"{base}/login", data={"email": email, "password": PASSWORD},
                            headers={"X-CSRFToken": token}, allow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    token = CSRF.search(session.get(f"{base}/").text).group(1)
    return session, token


@pytest.fixture
def crowd(app, region, now):
    """Many coaches, inserted in one go."""
    hashed = password_hash()
    users = [User(email=f"crowd{i}@example.org", name=f"Coach {i:03d}", password_hash=hashed, region=region,
                  municipality=region.municipalities[0], email_verified_at=now) for i in range(ATTEMPTS)]
    for user in users:
        user.role_grants = [UserRole(role=Role.COACH)]
    db.session.add_all(users)
    db.session.commit()
    return users


def test_concurrent_enrolments_never_overbook(app, live_server, make_cohort, crowd, now):
    app.config["MAIL_DELIVER_AFTER_REQUEST"] = False  # the outbox keeps the mails; sending is not under test
    cohort = make_cohort(capacity=CAPACITY, enrol_opens_at=now - timedelta(days=30))
    base = live_server.url
    emails = [u.email for u in crowd]
    with ThreadPoolExecutor(max_workers=16) as pool:
        sessions = list(pool.map(lambda email: _logged_in_session(base, email), emails))

    start = threading.Barrier(len(sessions))
    url = f"{base}/trainings/{cohort.id}/enrol"

    def attempt(pair):
        session, token = pair
        start.wait()
        return session.post(url, headers={"X-CSRFToken": token},
                            allow_redirects=False, timeout=120).status_code

    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        statuses = list(pool.map(attempt, sessions))

    assert all(status < 500 for status in statuses), statuses
    assert statuses.count(303) == ATTEMPTS
    db.session.expire_all()
    rows = db.session.execute(sa.select(Enrolment).where(Enrolment.cohort_id == cohort.id)).scalars().all()
    assert len(rows) == ATTEMPTS
    enrolled = [e for e in rows if e.status == EnrolmentStatus.ENROLLED]
    waitlisted = sorted((e for e in rows if e.status == EnrolmentStatus.WAITLISTED), key=lambda e: e.waitlist_position)
    assert len(enrolled) == CAPACITY
    assert len(waitlisted) == ATTEMPTS - CAPACITY
    # A strict order: every waitlist number handed out once, without gaps.
    assert [e.waitlist_position for e in waitlisted] == list(range(1, ATTEMPTS - CAPACITY + 1))
    db.session.refresh(cohort)
    assert cohort.seats_taken == CAPACITY


def test_same_coach_submitting_twice_at_once(app, live_server, make_cohort, crowd, now):
    app.config["MAIL_DELIVER_AFTER_REQUEST"] = False
    cohort = make_cohort(capacity=CAPACITY, enrol_opens_at=now - timedelta(days=30))
    base = live_server.url
    session, token = _logged_in_session(base, crowd[0].email)
    start = threading.Barrier(2)
    url = f"{base}/trainings/{cohort.id}/enrol"

    def attempt(_):
        start.wait()
        response = session.post(url, headers={"X-CSRFToken": token},
                                allow_redirects=True, timeout=60)
        return response.status_code, response.text

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(attempt, range(2)))

    assert [status for status, _ in results] == [200, 200]
    assert all("Foutcode" not in text for _, text in results)
    db.session.expire_all()
    rows = db.session.execute(sa.select(Enrolment).where(Enrolment.user_id == crowd[0].id)).scalars().all()
    assert len(rows) == 1 and rows[0].status == EnrolmentStatus.ENROLLED
    db.session.refresh(cohort)
    assert cohort.seats_taken == 1


# The same request ten times at once, twenty rounds -----------------------------------------


def _clone(session: requests.Session) -> requests.Session:
    """Another client with the same login (one requests.Session per thread)."""
    twin = requests.Session()
    twin.cookies.update(session.cookies)
    return twin


def _at_once(session: requests.Session, token: str, url: str, data: dict | None = None) -> list[int]:
    clients = [_clone(session) for _ in range(AT_ONCE)]
    start = threading.Barrier(AT_ONCE)

    def attempt(client):
        start.wait()
        return client.post(url, data=data, headers={"X-CSRFToken": token}, allow_redirects=False,
                           timeout=120).status_code

    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        return list(pool.map(attempt, clients))


def _tally(cohort: Cohort, coach: User, mail_kind: str, action: str) -> dict:
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == coach.id)
    ).scalars().all()
    return {
        "enrolments": [(e.id, e.status) for e in rows],
        "seats": db.session.get(Cohort, cohort.id).seats_taken,
        "mails": db.session.execute(sa.select(sa.func.count(OutboxMail.id)).where(
            OutboxMail.user_id == coach.id, OutboxMail.kind == mail_kind)).scalar_one(),
        "events": db.session.execute(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == action, AuditEvent.object_type == "enrolment")).scalar_one(),
    }


def _rounds(cohort, coach, send, end, mail_kind: str, action: str) -> None:
    """Each round: the enrolment ended, then the same request AT_ONCE times: one of everything more."""
    for round_ in range(ROUNDS):
        before = _tally(cohort, coach, mail_kind, action)
        statuses = send()
        after = _tally(cohort, coach, mail_kind, action)
        assert all(status < 500 for status in statuses), (round_, statuses)
        [(enrolment_id, status)] = after["enrolments"]  # one row, the same one every round
        assert status == EnrolmentStatus.ENROLLED, round_
        assert after["seats"] == 1, (round_, after)
        assert after["mails"] == before["mails"] + 1, (round_, after)
        assert after["events"] == before["events"] + 1, (round_, after)
        end(db.session.get(Enrolment, enrolment_id))
        db.session.commit()
        assert _tally(cohort, coach, mail_kind, action)["seats"] == 0


def test_re_enrolling_ten_times_at_once_takes_one_seat(app, live_server, make_cohort, crowd, now):
    app.config["MAIL_DELIVER_AFTER_REQUEST"] = False
    cohort = make_cohort(capacity=CAPACITY, enrol_opens_at=now - timedelta(days=30))
    coach = crowd[0]
    session, token = _logged_in_session(live_server.url, coach.email)
    url = f"{live_server.url}/trainings/{cohort.id}/enrol"
    # Round one inserts the enrolment; every later round re-enrols after a cancellation.
    _rounds(cohort, coach, lambda: _at_once(session, token, url),
            lambda enrolment: cancel_by_coach(coach, enrolment, now),
            "enrolment_enrolled", "enrolment.enrol")


def test_staff_adding_a_coach_ten_times_at_once_takes_one_seat(app, live_server, make_cohort, make_user, crowd,
                                                              now):
    app.config["MAIL_DELIVER_AFTER_REQUEST"] = False
    cohort = make_cohort(capacity=CAPACITY, enrol_opens_at=now - timedelta(days=30))
    coach = crowd[0]
    staff = make_user(Role.STAFF, email="staf@example.org")
    session, token = _logged_in_session(live_server.url, staff.email)
    url = f"{live_server.url}/staff/cohorts/{cohort.id}/add"
    _rounds(cohort, coach, lambda: _at_once(session, token, url, {"user_id": str(coach.id)}),
            lambda enrolment: cancel_by_staff(staff, enrolment, "Opnieuw", now),
            "enrolment_enrolled", "enrolment.add")
