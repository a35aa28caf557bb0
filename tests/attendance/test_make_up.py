"""Make-ups: started sessions of the same programme, held after the coach enrolled; staff exceptions need a reason.

The picker searches coaches of the programme by name, the session's region first.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.attendance.make_up import add_make_up, candidates, search_candidates
from lms.attendance.models import Attendance, AttendanceStatus
from lms.attendance.services import AttendanceError
from lms.audit.models import AuditEvent
from lms.auth.models import Role
from lms.extensions import db
from lms.i18n import to_local
from tests.conftest import NOW


@pytest.fixture
def visitors(course, make_cohort, make_user, enrol, other_region):
    """Coaches of two other cohorts of the programme, enrolled well before the course's sessions;
    one from the course's region, one from elsewhere; and a coach of another programme."""
    first = course["sessions"][0]
    before = first.starts_at - timedelta(days=60)
    near = make_cohort(course["programme"], title="Groep Winterswijk")
    far = make_cohort(course["programme"], title="Groep Tiel", region=other_region)
    zoe = make_user(Role.COACH, name="Zoë de Vries")  # same region, later in the alphabet
    anna = make_user(Role.COACH, name="Anna de Vries", region=other_region)
    enrol(near, zoe, at=before)
    enrol(far, anna, at=before)
    stranger = make_user(Role.COACH, name="Sem de Vries")
    enrol(make_cohort(title="Andere opleiding"), stranger, at=before)
    return {"zoe": zoe, "anna": anna, "stranger": stranger, "session": first, "near": near, "far": far}


def test_search_finds_coaches_of_the_programme_by_name_region_first(course, visitors):
    session = visitors["session"]
    found = search_candidates(session, "de vries")
    assert [c.user.name for c in found] == ["Zoë de Vries", "Anna de Vries"]  # the region's first, then by name
    assert [c.same_region for c in found] == [True, False]
    assert [c.cohort_title for c in found] == ["Groep Winterswijk", "Groep Tiel"]
    assert search_candidates(session, "") == [] and search_candidates(session, "d") == []  # nobody listed unasked
    assert [c.user.name for c in search_candidates(session, "ANNA")] == ["Anna de Vries"]
    assert search_candidates(session, "Sem") == []  # another programme
    assert search_candidates(session, "%") == []  # no wildcards


def test_a_session_before_the_enrolment_does_not_count(course, visitors, make_user, enrol, now):
    session = visitors["session"]
    late = make_user(Role.COACH, name="Lotte Laat")
    enrolment = enrol(visitors["near"], late,
                      at=session.starts_at + timedelta(days=1))
    [candidate] = candidates(session, user_id=late.id)
    assert candidate.enrolled_after and candidate.enrolment.id == enrolment.id
    with pytest.raises(AttendanceError, match="Lotte Laat"):
        add_make_up(course["trainer"], session, late, now)
    staff = make_user(Role.STAFF)
    with pytest.raises(AttendanceError) as refused:
        add_make_up(staff, session, late, now, reason="   ")
    assert refused.value.field == "reason"
    add_make_up(staff, session, late, now, reason="Ingeschreven na afloop; presentielijst van de trainer")
    db.session.commit()
    attendance = db.session.execute(sa.select(Attendance).where(Attendance.user_id == late.id)).scalar_one()
    assert attendance.status == AttendanceStatus.PRESENT
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "attendance.make_up_exception")).scalar_one()
    assert event.actor_id == staff.id and event.object_id == attendance.id
    assert event.params == {"coach": "Lotte Laat", "session": session.title,
                            "date": to_local(session.starts_at).date().isoformat(),
                            "reason": "Ingeschreven na afloop; presentielijst van de trainer"}


def test_only_sessions_that_have_started(course, visitors, make_cohort):
    upcoming = make_cohort(course["programme"], first=to_local(NOW + timedelta(days=3)).date())
    with pytest.raises(AttendanceError):
        add_make_up(course["trainer"], upcoming.sessions[0], visitors["zoe"], NOW)


def test_not_for_a_coach_of_another_programme(course, visitors, now):
    with pytest.raises(AttendanceError):
        add_make_up(course["trainer"], visitors["session"], visitors["stranger"], now)


def test_search_page_without_javascript_and_the_fragment_with(client, auth, course, visitors):
    session = visitors["session"]
    auth.login(course["trainer"])
    url = f"/sessions/{session.id}/attendance/make-up?q=vries"
    page = client.get(url).get_data(as_text=True)
    assert page.lstrip().startswith("<!doctype html>") and 'id="attendance-list"' in page
    assert page.index("Zoë de Vries") < page.index("Anna de Vries")
    assert 'value="vries"' in page  # the search box keeps what was typed
    fragment = client.get(url, htmx=True).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="make-up-results"') and "Zoë de Vries" in fragment
    response = client.post(f"/sessions/{session.id}/attendance/make-up", data={"user_id": visitors["zoe"].id})
    assert response.status_code == 303
    assert db.session.execute(
        sa.select(Attendance.status).where(Attendance.user_id == visitors["zoe"].id)).scalar_one() == "present"
    # Registered here, she is not found again.
    again = client.get(url, htmx=True).get_data(as_text=True)
    assert f'id="make-up-{visitors["zoe"].id}"' not in again and f'id="make-up-{visitors["anna"].id}"' in again


def test_exception_through_the_page_needs_staff_and_a_reason(client, auth, course, visitors, make_user, enrol):
    session = visitors["session"]
    late = make_user(Role.COACH, name="Lotte Laat")
    enrol(visitors["far"], late,
          at=session.starts_at + timedelta(days=1))
    auth.login(course["trainer"])
    found = client.get(f"/sessions/{session.id}/attendance/make-up?q=lotte", htmx=True).get_data(as_text=True)
    assert "Lotte Laat" in found and 'name="reason"' not in found
    response = client.post(f"/sessions/{session.id}/attendance/make-up", data={"user_id": late.id}, htmx=True)
    assert response.status_code == 422
    client.post("/logout")
    auth.login(make_user(Role.STAFF))
    found = client.get(f"/sessions/{session.id}/attendance/make-up?q=lotte", htmx=True).get_data(as_text=True)
    assert 'name="reason"' in found
    response = client.post(f"/sessions/{session.id}/attendance/make-up",
                           data={"user_id": late.id, "reason": "", "q": "lotte"}, htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f'id="make-up-reason-{late.id}-error"' in body and 'value="lotte"' in body
    response = client.post(f"/sessions/{session.id}/attendance/make-up",
                           data={"user_id": late.id, "reason": "Ingeschreven na afloop", "q": "lotte"}, htmx=True)
    assert response.status_code == 200
    assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "attendance.make_up_exception")).scalar_one() == 1


def test_an_unknown_coach_is_refused(client, auth, course, visitors):
    auth.login(course["trainer"])
    session = visitors["session"]
    response = client.post(f"/sessions/{session.id}/attendance/make-up", data={"user_id": 424242}, htmx=True)
    assert response.status_code == 422
    response = client.post(f"/sessions/{session.id}/attendance/make-up", data={"user_id": "x"}, htmx=True)
    assert response.status_code == 422
