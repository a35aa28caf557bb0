"""Registering attendance: one by one, everyone at once, make-ups, and who may do it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.attendance.models import Attendance, AttendanceStatus
from lms.audit.models import AuditEvent
from lms.auth.models import Role
from lms.cohorts.models import SessionStatus
from lms.enrolment.models import EnrolmentStatus
from lms.extensions import db
from lms.i18n import to_local
from lms.notifications.models import OutboxMail
from tests.conftest import NOW
from tests.mailbox import text_of


@pytest.fixture
def group(course, make_user, enrol):
    """Three coaches enrolled in time, and one who enrolled after the first session."""
    coaches = [make_user(Role.COACH, name=name) for name in ("Anna de Jong", "Bram Jansen", "Charlotte Visser")]
    for coach in coaches:
        enrol(course["cohort"], coach)
    late = make_user(Role.COACH, name="Daan Laat")
    enrol(course["cohort"], late, at=course["sessions"][0].starts_at + timedelta(days=1))
    return {"coaches": coaches, "late": late, "session": course["sessions"][0]}


def status_of(session, user):
    return db.session.execute(
        sa.select(Attendance.status).where(Attendance.session_id == session.id, Attendance.user_id == user.id)
    ).scalar_one_or_none()


def test_trainer_sees_the_list(client, auth, course, group):
    auth.login(course["trainer"])
    page = client.get(f"/sessions/{group['session'].id}/attendance").get_data(as_text=True)
    for coach in group["coaches"]:
        assert coach.name in page
    assert "Daan Laat" in page and "telt niet als afwezig" in page
    assert "Iedereen aanwezig" in page and "Nog niet geregistreerd: 3" in page


def test_mark_one_coach_with_htmx(client, auth, course, group):
    trainer, session, anna = course["trainer"], group["session"], group["coaches"][0]
    auth.login(trainer)
    response = client.post(f"/sessions/{session.id}/attendance/{anna.id}", data={"status": "absent"}, htmx=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="attendance-list">')
    assert 'id="mark-%d-absent"' % anna.id in body and "Afwezig: 1" in body
    attendance = db.session.execute(sa.select(Attendance)).scalar_one()
    assert attendance.status == AttendanceStatus.ABSENT and attendance.recorded_by_id == trainer.id
    assert attendance.recorded_at is not None
    # A correction is recorded with who and when, before and after.
    client.post(f"/sessions/{session.id}/attendance/{anna.id}", data={"status": "excused"}, htmx=True)
    events = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "attendance.set").order_by(AuditEvent.id)
    ).scalars().all()
    assert [(e.before["status"], e.after["status"]) for e in events] == [(None, "absent"), ("absent", "excused")]
    assert {e.actor_id for e in events} == {trainer.id}


def test_mark_without_javascript(client, auth, course, group):
    auth.login(course["trainer"])
    session, bram = group["session"], group["coaches"][1]
    response = client.post(f"/sessions/{session.id}/attendance/{bram.id}", data={"status": "present"})
    assert response.status_code == 303 and response.headers["Location"] == f"/sessions/{session.id}/attendance"
    assert status_of(session, bram) == AttendanceStatus.PRESENT


def test_bad_status_is_refused(client, auth, course, group):
    auth.login(course["trainer"])
    session, bram = group["session"], group["coaches"][1]
    response = client.post(f"/sessions/{session.id}/attendance/{bram.id}", data={"status": "maybe"}, htmx=True)
    assert response.status_code == 422 and "Kies aanwezig, afwezig of afgemeld." in response.get_data(as_text=True)
    assert status_of(session, bram) is None


def test_everyone_present_keeps_earlier_registrations_and_skips_late_enrolment(client, auth, course, group):
    session = group["session"]
    anna, bram, charlotte = group["coaches"]
    auth.login(course["trainer"])
    client.post(f"/sessions/{session.id}/attendance/{anna.id}", data={"status": "excused"})
    response = client.post(f"/sessions/{session.id}/attendance/all-present", htmx=True)
    body = response.get_data(as_text=True)
    assert "2 coaches als aanwezig geregistreerd." in body
    assert status_of(session, anna) == AttendanceStatus.EXCUSED
    assert status_of(session, bram) == status_of(session, charlotte) == AttendanceStatus.PRESENT
    assert status_of(session, group["late"]) is None  # not expected at a session before their enrolment
    assert "Iedereen aanwezig" not in body  # nothing left to register at once


def test_not_before_the_session_starts(client, auth, course, group, make_cohort):
    upcoming = make_cohort(course["programme"], first=to_local(NOW + timedelta(days=3)).date(),
                           trainers=[course["trainer"]])
    session = upcoming.sessions[0]
    auth.login(course["trainer"])
    page = client.get(f"/sessions/{session.id}/attendance").get_data(as_text=True)
    assert "vanaf de start van de bijeenkomst" in page and "Iedereen aanwezig" not in page
    response = client.post(f"/sessions/{session.id}/attendance/all-present")
    assert response.status_code == 303
    anna = group["coaches"][0]
    response = client.post(f"/sessions/{session.id}/attendance/{anna.id}", data={"status": "present"}, htmx=True)
    assert response.status_code == 422
    assert db.session.execute(sa.select(sa.func.count()).select_from(Attendance)).scalar_one() == 0


def test_not_for_a_cancelled_session(client, auth, course, group):
    session = group["session"]
    session.status = SessionStatus.CANCELLED
    db.session.commit()
    auth.login(course["trainer"])
    assert "Deze bijeenkomst is geannuleerd." in client.get(f"/sessions/{session.id}/attendance").get_data(as_text=True)
    client.post(f"/sessions/{session.id}/attendance/{group['coaches'][0].id}", data={"status": "present"})
    assert status_of(session, group["coaches"][0]) is None


def test_only_coaches_on_the_list(client, auth, course, group, make_user):
    auth.login(course["trainer"])
    stranger = make_user(Role.COACH)
    response = client.post(f"/sessions/{group['session'].id}/attendance/{stranger.id}", data={"status": "present"},
                           htmx=True)
    assert response.status_code == 422 and status_of(group["session"], stranger) is None


def test_make_up_from_another_cohort(client, auth, course, group, make_cohort, make_user, enrol, finish_modules,
                                     attend):
    """A coach of another cohort who missed this session attends it here, and that completes them."""
    other = make_cohort(course["programme"], title="Groep Tiel")
    visitor = make_user(Role.COACH, name="Vera Bezoeker")
    enrolment = enrol(other, visitor, at=course["sessions"][0].starts_at - timedelta(days=60))
    finish_modules(visitor, course["programme"])
    # Their own cohort's other two sessions are attended; its first session they missed.
    attend(other.sessions[1], visitor)
    attend(other.sessions[2], visitor)
    # Pretend their own first session is over and missed.
    attend(other.sessions[0], visitor, AttendanceStatus.ABSENT)
    auth.login(course["trainer"])
    session = group["session"]
    page = client.get(f"/sessions/{session.id}/attendance").get_data(as_text=True)
    assert "Vera Bezoeker" not in page  # the picker searches; it does not list everyone
    found = client.get(f"/sessions/{session.id}/attendance/make-up?q=vera", htmx=True).get_data(as_text=True)
    assert "Vera Bezoeker" in found and "(Groep Tiel)" in found
    response = client.post(f"/sessions/{session.id}/attendance/make-up", data={"user_id": visitor.id}, htmx=True)
    body = response.get_data(as_text=True)
    assert "Uit andere groepen (inhalen)" in body and "Vera Bezoeker" in body
    assert "Vera Bezoeker heeft Basistraining welzijnscoach nu afgerond" in body
    db.session.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.COMPLETED
    # Once registered here, they are no longer offered as a make-up.
    response = client.post(f"/sessions/{session.id}/attendance/make-up", data={"user_id": visitor.id})
    assert response.status_code == 422


def test_correction_tells_the_actor_and_staff(client, auth, course, group, finish_modules, attend):
    anna = group["coaches"][0]
    finish_modules(anna, course["programme"])
    for session in course["sessions"][1:]:
        attend(session, anna)
    auth.login(course["trainer"])
    first = group["session"]
    body = client.post(f"/sessions/{first.id}/attendance/{anna.id}", data={"status": "present"},
                       htmx=True).get_data(as_text=True)
    assert "Anna de Jong heeft Basistraining welzijnscoach nu afgerond" in body
    body = client.post(f"/sessions/{first.id}/attendance/{anna.id}", data={"status": "absent"},
                       htmx=True).get_data(as_text=True)
    assert "afronding van Anna de Jong (Groep Achterhoek) ingetrokken" in body
    assert "certificaat moet misschien worden ingetrokken" in body
    mail = db.session.execute(sa.select(OutboxMail).where(OutboxMail.kind == "completion_withdrawn")).scalar_one()
    assert mail.recipient == "opleidingen@example.org"


def test_coordinator_reads_but_cannot_register(client, auth, course, group, make_user, region):
    auth.login(make_user(Role.COORDINATOR, coordinates=[region]))
    session = group["session"]
    page = client.get(f"/sessions/{session.id}/attendance").get_data(as_text=True)
    assert "Anna de Jong" in page and "Iedereen aanwezig" not in page and 'id="mark-' not in page
    assert client.post(f"/sessions/{session.id}/attendance/all-present").status_code == 403


def test_trainer_of_another_cohort_cannot_register(client, auth, course, group, make_user):
    auth.login(make_user(Role.TRAINER))
    session = group["session"]
    assert client.get(f"/sessions/{session.id}/attendance").status_code == 403
    assert client.post(f"/sessions/{session.id}/attendance/{group['coaches'][0].id}",
                       data={"status": "present"}).status_code == 403
    assert client.post(f"/sessions/{session.id}/attendance/all-present").status_code == 403
    assert db.session.execute(sa.select(sa.func.count()).select_from(Attendance)).scalar_one() == 0


def test_trainer_start_page_panel(client, auth, course, group, make_cohort):
    today = make_cohort(course["programme"], first=to_local(NOW).date(), trainers=[course["trainer"]],
                        title="Groep vandaag")
    auth.login(course["trainer"])
    page = client.get("/").get_data(as_text=True)
    assert 'id="panel-attendance"' in page
    # The last session of the running cohort (5 days ago) still has all 4 coaches to register.
    assert course["sessions"][2].title in page and "4 coaches nog niet geregistreerd" in page
    assert "Groep vandaag" in page  # today's session, open from its start


def test_withdrawn_completion_tells_the_coach(client, auth, course, group, finish_modules, attend, mailbox):
    """The coach hears it too: what is still needed and where to see progress, nothing about certificates."""
    anna = group["coaches"][0]
    anna.email = "anna@example.org"
    db.session.commit()
    finish_modules(anna, course["programme"])
    for session in course["sessions"][1:]:
        attend(session, anna)
    auth.login(course["trainer"])
    first = group["session"]
    client.post(f"/sessions/{first.id}/attendance/{anna.id}", data={"status": "present"}, htmx=True)
    client.post(f"/sessions/{first.id}/attendance/{anna.id}", data={"status": "absent"}, htmx=True)
    queued = db.session.execute(sa.select(OutboxMail).where(OutboxMail.kind == "completion_withdrawn_coach")).scalar_one()
    assert queued.recipient == "anna@example.org"
    [message] = [m for m in mailbox.wait_for("anna@example.org", count=2) if m["Subject"] == queued.subject]
    body = text_of(message)
    assert "Anna de Jong" in body and first.title in body and "http://localhost/learn" in body
    assert "certifica" not in body.lower()
    # Staff get their own mail, as before; the coach's is separate.
    kinds = set(db.session.execute(sa.select(OutboxMail.kind)).scalars())
    assert {"completion_withdrawn", "completion_withdrawn_coach"} <= kinds
