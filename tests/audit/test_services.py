"""Every kind of staff and admin action leaves an event: who, when, which object, before and after."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from lms.admin.services import save_user
from lms.attendance.models import AttendanceStatus
from lms.attendance.services import set_attendance
from lms.audit.models import AuditEvent, AuditLogIsAppendOnly
from lms.audit.services import AuditFilter, changes, event_query, record
from lms.auth.models import Role
from lms.certificates.models import Certificate
from lms.certificates.services import issue_certificate, reissue_certificate, revoke_certificate
from lms.cohorts.models import CohortStatus
from lms.cohorts.services import SessionData, change_status, update_cohort, update_session
from lms.enrolment import services as enrolment_services
from lms.enrolment.models import EnrolmentStatus
from lms.extensions import db
from lms.i18n import local_to_utc, to_local
from lms.programmes.services import PROGRAMME_FIELDS, save_programme, set_archived
from lms.regions.services import delete_organisation, save_municipality, save_region
from tests.factories import add_enrolment, utc


@pytest.fixture
def staff(make_user):
    return make_user(Role.STAFF, name="Stella Staf", email="stella@example.org")


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, name="Ada Admin", email="ada@example.org")


def only(events, action):
    found = events(action)
    assert len(found) == 1, [e.action for e in db.session.execute(sa.select(AuditEvent)).scalars()]
    return found[0]


def test_programme_change_and_archiving(make_programme, staff, events, now):
    programme = make_programme()
    data = {name: getattr(programme, name) for name in PROGRAMME_FIELDS} | {"title": "Verdiepingstraining"}
    save_programme(staff, programme, data, now)
    set_archived(staff, programme, True, now)
    db.session.commit()
    event = only(events, "programme.update")
    assert (event.actor_id, event.object_type, event.object_id, event.at) == (staff.id, "programme", programme.id, now)
    assert [(c.field, c.before, c.after) for c in changes(event)] == [
        ("title", "Basistraining welzijnscoach", "Verdiepingstraining")]
    archived = only(events, "programme.archive")
    assert archived.before == {"archived_at": None} and archived.after == {"archived_at": now.isoformat()}


def test_cohort_change_and_status(make_cohort, staff, events, now):
    cohort = make_cohort(status=CohortStatus.DRAFT, first=date(2027, 3, 16))
    data = {"title": cohort.title, "description": "", "capacity": 20, "enrol_opens_at": None,
            "enrol_closes_at": None, "region_id": cohort.region_id, "municipality_id": None}
    update_cohort(staff, cohort, data=data, trainers=[], now=now)
    change_status(staff, cohort, CohortStatus.OPEN, now)
    db.session.commit()
    event = only(events, "cohort.update")
    assert event.object_id == cohort.id and event.actor_id == staff.id
    assert {c.field: (c.before, c.after) for c in changes(event)} == {"capacity": (16, 20)}
    status = only(events, "cohort.status")
    assert (status.before, status.after) == ({"status": "draft"}, {"status": "open"})


def test_session_time_and_place_change_keeps_old_and_new(make_cohort, staff, events, now):
    cohort = make_cohort(first=date(2027, 3, 16))
    session = next(s for s in cohort.sessions if s.kind.value == "in_person")
    old_start, old_end = session.starts_at, session.ends_at
    day = to_local(old_start).date() + timedelta(days=1)
    update_session(staff, session, SessionData(
        kind=session.kind, title=session.title, day=day, start=time(14, 0), end=time(17, 30),
        address="Stationsplein 2, Winterswijk", room="Zaal 3", net_hours=session.net_hours,
        is_required=session.is_required), now)
    db.session.commit()
    event = only(events, "session.update")
    assert (event.actor_id, event.object_type, event.object_id) == (staff.id, "session", session.id)
    diff = {c.field: (c.before, c.after) for c in changes(event)}
    assert diff["starts_at"] == (old_start.isoformat(), local_to_utc(day, time(14, 0)).isoformat())
    assert diff["ends_at"] == (old_end.isoformat(), local_to_utc(day, time(17, 30)).isoformat())
    assert diff["address"] == ("Dorpsstraat 1, Doetinchem", "Stationsplein 2, Winterswijk")
    assert diff["room"] == (None, "Zaal 3")
    assert "title" not in diff  # unchanged fields are not listed as changes


def _enrolment(cohort, user, status):
    enrolment = add_enrolment(cohort, user, status, created_at=utc(2027, 1, 5, 9))
    db.session.commit()
    return enrolment


@pytest.mark.parametrize("action, start, act, before, after", [
    ("enrolment.approve", EnrolmentStatus.PENDING,
     lambda staff, e, other, now: enrolment_services.approve(staff, e, now),
     {"status": "pending"}, {"status": "enrolled"}),
    ("enrolment.reject", EnrolmentStatus.PENDING,
     lambda staff, e, other, now: enrolment_services.reject(staff, e, "Geen welzijnscoach", now),
     {"status": "pending"}, {"status": "rejected", "reason": "Geen welzijnscoach"}),
    ("enrolment.cancel", EnrolmentStatus.ENROLLED,
     lambda staff, e, other, now: enrolment_services.cancel_by_staff(staff, e, "Ziek", now),
     {"status": "enrolled"}, {"status": "cancelled", "reason": "Ziek"}),
    ("enrolment.move", EnrolmentStatus.ENROLLED,
     lambda staff, e, other, now: enrolment_services.move(staff, e, other, now),
     "source", "target"),
])
def test_enrolment_decisions(make_cohort, make_programme, make_user, staff, events, now,
                             action, start, act, before, after):
    programme = make_programme()
    cohort = make_cohort(programme, first=date(2027, 3, 16))
    other = make_cohort(programme, first=date(2027, 4, 13))
    coach = make_user(Role.COACH, name="Cora Coach")
    enrolment = _enrolment(cohort, coach, start)
    act(staff, enrolment, other, now)
    db.session.commit()
    event = only(events, action)
    assert (event.actor_id, event.object_type, event.object_id, event.at) == (staff.id, "enrolment", enrolment.id, now)
    if before == "source":
        before, after = {"cohort_id": cohort.id, "status": "enrolled"}, {"cohort_id": other.id, "status": "enrolled"}
    assert (event.before, event.after) == (before, after)


def test_staff_adding_a_coach_again_keeps_the_earlier_status(make_cohort, make_user, staff, events, now):
    cohort = make_cohort(first=date(2027, 3, 16))
    coach = make_user(Role.COACH)
    enrolment = _enrolment(cohort, coach, EnrolmentStatus.ENROLLED)
    enrolment_services.cancel_by_staff(staff, enrolment, "Vergissing", now)
    enrolment_services.add_coach(staff, cohort, coach, now + timedelta(minutes=5))
    db.session.commit()
    event = only(events, "enrolment.add")
    assert event.before == {"status": "cancelled"} and event.after["status"] == "enrolled"


def test_attendance_changes_old_to_new(course, enrol, make_user, events):
    coach = make_user(Role.COACH)
    enrol(course["cohort"], coach)
    session, trainer = course["sessions"][0], course["trainer"]
    later = session.starts_at + timedelta(hours=1)
    set_attendance(trainer, session, coach, AttendanceStatus.ABSENT, later)
    set_attendance(trainer, session, coach, AttendanceStatus.EXCUSED, later + timedelta(days=1))
    db.session.commit()
    found = events("attendance.set")
    assert [(e.before, e.after) for e in found] == [
        ({"status": None}, {"status": "absent"}), ({"status": "absent"}, {"status": "excused"})]
    assert {(e.actor_id, e.object_type) for e in found} == {(trainer.id, "attendance")}


def test_certificate_issue_on_completion_then_revoke_and_reissue(course, enrol, finish_modules, attend, make_user,
                                                                 staff, events):
    coach = make_user(Role.COACH, name="Cora Coach")
    enrolment = enrol(course["cohort"], coach)
    finish_modules(coach, course["programme"])
    first, second, last = course["sessions"]
    attend(first, coach)
    attend(second, coach)
    trainer = course["trainer"]
    set_attendance(trainer, last, coach, AttendanceStatus.PRESENT, last.ends_at)
    db.session.commit()
    certificate = db.session.execute(sa.select(Certificate)).scalar_one()
    issued = only(events, "certificate.issue")
    assert (issued.actor_id, issued.object_type, issued.object_id) == (trainer.id, "certificate", certificate.id)
    assert issued.after["number"] == certificate.number and issued.after["enrolment_id"] == enrolment.id
    assert only(events, "enrolment.completed").object_id == enrolment.id
    # Issuing again finds the one in force: nothing new is recorded.
    assert issue_certificate(enrolment, last.ends_at) is certificate

    later = last.ends_at + timedelta(days=3)
    replacement = reissue_certificate(staff, certificate, "Naam gecorrigeerd", later)
    revoke_certificate(staff, replacement, "Deelname onterecht", later + timedelta(days=1))
    db.session.commit()
    revokes = events("certificate.revoke")
    assert [e.object_id for e in revokes] == [certificate.id, replacement.id]
    assert revokes[1].before["revoked_at"] is None and revokes[1].after["revoke_reason"] == "Deelname onterecht"
    reissued = only(events, "certificate.reissue")
    assert reissued.object_id == replacement.id and reissued.after["reissue_of"] == certificate.number
    assert {e.actor_id for e in revokes + [reissued]} == {staff.id}


def test_role_change_and_deactivation(make_user, admin, region, events, now):
    coach = make_user(Role.COACH, name="Cora Coach", email="cora@example.org")
    data = {"name": coach.name, "email": coach.email, "locale": "nl", "region_id": region.id,
            "municipality_id": coach.municipality_id, "organisation_id": None, "registration_number": None,
            "is_active": False}
    save_user(admin, coach, data=data, roles={Role.COACH, Role.TRAINER}, coordinator_regions=[],
              password=None, now=now)
    db.session.commit()
    event = only(events, "user.update")
    assert (event.actor_id, event.object_type, event.object_id) == (admin.id, "user", coach.id)
    diff = {c.field: (c.before, c.after) for c in changes(event)}
    assert diff == {"roles": (["coach"], ["coach", "trainer"]), "is_active": (True, False)}


def test_password_set_by_an_admin_is_noted_without_the_password(make_user, admin, region, events, now):
    coach = make_user(Role.COACH)
    data = {"name": coach.name, "email": coach.email, "locale": "nl", "region_id": region.id,
            "municipality_id": coach.municipality_id, "organisation_id": None, "registration_number": None,
            "is_active": True}
    save_user(admin, coach, data=data, roles={Role.COACH}, coordinator_regions=[], password="Nieuw-Wachtwoord-77",
              now=now)
    db.session.commit()
    event = only(events, "user.update")
    assert event.after["password_set"] is True
    assert "Nieuw-Wachtwoord-77" not in repr(event.before) + repr(event.after)


def test_places_are_audited(admin, make_organisation, events, now):
    region = save_region(admin, None, name="Twente", now=now)
    municipality = save_municipality(admin, None, name="Enschede", region=region, now=now)
    save_region(admin, region, name="Twente-Oost", now=now)
    organisation = make_organisation("Welzijn Oost")
    delete_organisation(admin, organisation, now)
    db.session.commit()
    assert only(events, "region.create").after == {"name": "Twente", "slug": "twente"}
    assert only(events, "region.update").before == {"name": "Twente", "slug": "twente"}
    assert only(events, "municipality.create").object_id == municipality.id
    deleted = only(events, "organisation.delete")
    assert deleted.before["name"] == "Welzijn Oost" and deleted.after is None


def test_recorded_events_cannot_be_changed_or_deleted_through_the_orm(staff, now):
    event = record(staff, "cohort.update", None, now=now, object_type="cohort", object_id=1, summary="Groep")
    db.session.commit()
    event.summary = "Iets anders"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(event)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id).summary == "Groep"


def test_filters(make_user, now):
    ada = make_user(Role.ADMIN, name="Ada Admin", email="ada@example.org")
    stella = make_user(Role.STAFF, name="Stella Staf", email="stella@example.org")
    amsterdam_midnight = local_to_utc(date(2026, 3, 29), time(0, 30))  # the night the clocks go forward
    record(ada, "user.update", None, now=amsterdam_midnight, object_type="user", object_id=7)
    record(stella, "cohort.update", None, now=amsterdam_midnight - timedelta(hours=1), object_type="cohort",
           object_id=7)
    record(None, "certificate.issue", None, now=now, object_type="certificate", object_id=100_000)
    db.session.commit()

    def actions(**kwargs):
        return [e.action for e in db.session.execute(event_query(AuditFilter(**kwargs))).scalars()]

    assert actions() == ["certificate.issue", "user.update", "cohort.update"]  # newest first
    assert actions(action="cohort.update") == ["cohort.update"]
    assert actions(object_type="user", object_id=7) == ["user.update"]
    assert actions(actor="STELLA@") == ["cohort.update"]
    assert actions(actor="a%") == []  # wildcards are plain text
    assert actions(date_from=date(2026, 3, 29), date_to=date(2026, 3, 29)) == ["user.update"]
    assert actions(date_to=date(2026, 3, 28)) == ["cohort.update"]


def test_an_event_about_the_logged_in_account_is_about_a_user(app, make_user, now):
    """current_user is a proxy; the event names the account, not the proxy ("localproxy #52")."""
    from flask_login import current_user, login_user

    from lms.audit.labels import object_label
    from lms.audit.services import record

    user = make_user()
    with app.test_request_context("/"):
        login_user(user)
        event = record(current_user, "user.update", current_user, now=now)
    assert (event.object_type, event.object_id) == ("user", user.id)
    assert object_label("localproxy") == object_label("user")
