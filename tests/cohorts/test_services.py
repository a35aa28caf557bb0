from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from lms.attendance.models import Attendance, AttendanceStatus
from lms.auth.models import Role
from lms.cohorts.models import CohortStatus, SessionStatus
from lms.cohorts.services import (
    CohortError,
    NeedsConfirmation,
    SessionData,
    add_session,
    cancel_cohort,
    cancel_session,
    change_status,
    create_cohort,
    delete_session,
    restore_session,
    sessions_from_pattern,
    update_cohort,
    update_session,
)
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.i18n import to_local
from lms.programmes.models import SessionKind

UTC = timezone.utc


def local(session_at):
    return to_local(session_at).strftime("%Y-%m-%d %H:%M")


def test_pattern_keeps_local_times_across_the_march_dst_change(make_programme):
    programme = make_programme()
    # 2027-03-16 is winter time; day 14 (30 March) and day 35 (20 April) are summer time.
    sessions = sessions_from_pattern(programme, date(2027, 3, 16))
    assert [local(s.starts_at) for s in sessions] == ["2027-03-16 09:00", "2027-03-30 13:30", "2027-04-20 13:30"]
    assert [local(s.ends_at) for s in sessions] == ["2027-03-16 12:30", "2027-03-30 17:00", "2027-04-20 17:00"]
    assert sessions[0].starts_at == datetime(2027, 3, 16, 8, 0, tzinfo=UTC)
    assert sessions[1].starts_at == datetime(2027, 3, 30, 11, 30, tzinfo=UTC)


def test_pattern_keeps_local_times_across_the_october_dst_change(make_programme):
    programme = make_programme()
    sessions = sessions_from_pattern(programme, date(2026, 10, 20))
    assert sessions[0].starts_at == datetime(2026, 10, 20, 7, 0, tzinfo=UTC)  # CEST, UTC+2
    assert sessions[1].starts_at == datetime(2026, 11, 3, 12, 30, tzinfo=UTC)  # CET, UTC+1
    assert local(sessions[1].starts_at) == "2026-11-03 13:30"


def test_session_on_the_dst_days_themselves(make_programme):
    programme = make_programme()
    for day, utc_hour in ((date(2026, 3, 29), 7), (date(2026, 10, 25), 8)):
        [online, *_] = sessions_from_pattern(programme, day)
        assert online.starts_at == datetime(day.year, day.month, day.day, utc_hour, 0, tzinfo=UTC)
        assert local(online.starts_at).endswith("09:00")


def _new(programme, region, now, **kw):
    args = dict(programme=programme, region=region, municipality=None, title="Groep", first_day=date(2027, 3, 16),
                capacity=12, enrol_opens_at=None, enrol_closes_at=None, description="", trainers=[],
                address="Dorpsstraat 1", video_url="https://meet.example.org/a", now=now)
    args.update(kw)
    return create_cohort(None, **args)


def test_create_cohort_generates_sessions_as_draft(make_programme, region, now):
    cohort = _new(make_programme(), region, now)
    db.session.commit()
    assert cohort.status == CohortStatus.DRAFT
    assert len(cohort.sessions) == 3
    assert cohort.sessions[0].video_url == "https://meet.example.org/a"
    assert cohort.sessions[1].address == "Dorpsstraat 1"
    assert cohort.starts_at == cohort.sessions[0].starts_at


def test_enrolment_must_close_before_the_first_session(make_programme, region, now):
    with pytest.raises(CohortError) as err:
        _new(make_programme(), region, now, enrol_closes_at=datetime(2027, 3, 20, tzinfo=UTC))
    assert err.value.field == "enrol_closes_on"


def test_municipality_must_lie_in_the_region(make_programme, region, other_region, now):
    with pytest.raises(CohortError) as err:
        _new(make_programme(), region, now, municipality=other_region.municipalities[0])
    assert err.value.field == "municipality_id"


def test_archived_programme_cannot_get_a_cohort(make_programme, region, now):
    programme = make_programme()
    programme.archived_at = now
    with pytest.raises(CohortError):
        _new(programme, region, now)


def test_cohort_opens_only_with_complete_sessions(make_programme, region, now):
    cohort = _new(make_programme(), region, now, address=None)
    with pytest.raises(CohortError, match="adres"):
        change_status(None, cohort, CohortStatus.OPEN, now)
    for s in cohort.sessions:
        if s.kind == SessionKind.IN_PERSON:
            s.address = "Markt 1"
    change_status(None, cohort, CohortStatus.OPEN, now)
    assert cohort.status == CohortStatus.OPEN


def test_cohort_cannot_open_without_sessions(make_cohort, now):
    cohort = make_cohort(status=CohortStatus.DRAFT)
    for s in list(cohort.sessions):
        cohort.sessions.remove(s)
    with pytest.raises(CohortError, match="zonder bijeenkomsten"):
        change_status(None, cohort, CohortStatus.OPEN, now)


def test_status_transitions(make_cohort, now):
    cohort = make_cohort(status=CohortStatus.DRAFT)
    with pytest.raises(CohortError):
        change_status(None, cohort, CohortStatus.COMPLETED, now)
    change_status(None, cohort, CohortStatus.OPEN, now)
    change_status(None, cohort, CohortStatus.CLOSED, now)
    change_status(None, cohort, CohortStatus.COMPLETED, now)
    with pytest.raises(CohortError):
        change_status(None, cohort, CohortStatus.CANCELLED, now)


def _data(session, **changes):
    local_start, local_end = to_local(session.starts_at), to_local(session.ends_at)
    values = dict(kind=session.kind, title=session.title, day=local_start.date(), start=local_start.time(),
                  end=local_end.time(), address=session.address, room=session.room, video_url=session.video_url,
                  net_hours=session.net_hours, is_required=session.is_required)
    values.update(changes)
    return SessionData(**values)


def test_reschedule_keeps_identity_raises_sequence_and_records_change(make_cohort, now):
    cohort = make_cohort()
    session = cohort.sessions[1]
    session_id, old_start = session.id, session.starts_at
    assert update_session(None, session, _data(session, day=date(2027, 4, 1), start=time(10, 0), end=time(13, 0)), now)
    db.session.commit()
    assert session.id == session_id
    assert session.sequence == 1
    assert session.updated_at == now
    assert session.starts_at == datetime(2027, 4, 1, 8, 0, tzinfo=UTC)
    [change] = session.changes
    assert change.kind == "rescheduled"
    assert change.before["starts_at"] == old_start.isoformat()
    assert change.after["starts_at"] == session.starts_at.isoformat()


def test_unchanged_save_changes_nothing(make_cohort, now):
    cohort = make_cohort()
    session = cohort.sessions[1]
    assert not update_session(None, session, _data(session), now)
    assert session.sequence == 0 and session.changes == []


def test_moving_place_is_a_change_too(make_cohort, now):
    session = make_cohort().sessions[1]
    update_session(None, session, _data(session, address="Nieuwe Markt 3"), now)
    assert session.sequence == 1 and session.changes[0].kind == "moved"


def test_session_validation(make_cohort, now):
    cohort = make_cohort()
    online, meeting1, meeting2 = cohort.sessions
    with pytest.raises(CohortError) as err:
        update_session(None, online, _data(online, end=time(8, 0)), now)
    assert err.value.field == "end"
    with pytest.raises(CohortError) as err:
        update_session(None, online, _data(online, video_url="http://insecure.example.org"), now)
    assert err.value.field == "video_url"
    with pytest.raises(CohortError) as err:
        update_session(None, meeting1, _data(meeting1, address=None), now)
    assert err.value.field == "address"
    # Meeting 1 may not move before the online half-day, nor after meeting 2.
    with pytest.raises(CohortError) as err:
        update_session(None, meeting1, _data(meeting1, day=date(2027, 3, 10)), now)
    assert err.value.field == "day"
    with pytest.raises(CohortError):
        update_session(None, meeting1, _data(meeting1, day=date(2027, 5, 1)), now)


def test_cancel_and_restore_session(make_cohort, now):
    cohort = make_cohort()
    session = cohort.sessions[2]
    cancel_session(None, session, "Trainer ziek", now)
    assert session.status == SessionStatus.CANCELLED and session.sequence == 1
    assert session.changes[-1].kind == "cancelled" and session.changes[-1].after["reason"] == "Trainer ziek"
    assert session in cohort.sessions  # stays visible
    with pytest.raises(CohortError):
        cancel_session(None, session, "nog eens", now)
    restore_session(None, session, now)
    assert session.status == SessionStatus.SCHEDULED and session.sequence == 2


def test_sessions_of_published_cohorts_are_cancelled_not_removed(make_cohort, now):
    cohort = make_cohort(status=CohortStatus.OPEN)
    with pytest.raises(CohortError):
        delete_session(None, cohort.sessions[0], now)
    draft = make_cohort(status=CohortStatus.DRAFT)
    delete_session(None, draft.sessions[2], now)
    db.session.commit()
    assert len(draft.sessions) == 2


def test_a_draft_session_with_attendance_cannot_be_removed(make_cohort, make_user, now):
    """Cohorts ask the features above them (attendance answers session_in_use) before removing a session."""
    draft = make_cohort(status=CohortStatus.DRAFT)
    db.session.add(Attendance(session=draft.sessions[0], user=make_user(), status=AttendanceStatus.PRESENT))
    db.session.commit()
    with pytest.raises(CohortError, match="aanwezigheid geregistreerd"):
        delete_session(None, draft.sessions[0], now)
    assert len(draft.sessions) == 3


def test_add_session(make_cohort, now):
    cohort = make_cohort()
    session = add_session(None, cohort, SessionData(kind=SessionKind.IN_PERSON, title="Terugkomdag",
                                                    day=date(2027, 6, 1), start=time(13, 30), end=time(16, 0),
                                                    address="Markt 1"), now)
    db.session.commit()
    assert session.template_id is None and session in cohort.sessions


def _enrol(cohort, user, status=EnrolmentStatus.ENROLLED):
    db.session.add(Enrolment(cohort=cohort, user=user, programme_id=cohort.programme_id, status=status))
    if status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.PENDING):
        cohort.seats_taken += 1


def test_lowering_capacity_below_seats_taken_needs_confirmation(make_cohort, make_user, now):
    cohort = make_cohort(capacity=3)
    coaches = [make_user(Role.COACH, name=f"Coach {i}") for i in range(3)]
    for coach in coaches:
        _enrol(cohort, coach)
    db.session.commit()
    data = dict(title=cohort.title, description="", region_id=cohort.region_id, municipality_id=None, capacity=2,
                enrol_opens_at=None, enrol_closes_at=None)
    with pytest.raises(NeedsConfirmation) as err:
        update_cohort(None, cohort, data=data, trainers=[], now=now)
    assert [u.name for u in err.value.affected] == ["Coach 2"]
    update_cohort(None, cohort, data=data, trainers=[], now=now, confirmed=True)
    assert cohort.capacity == 2 and cohort.seats_left == 0


def test_cancelling_a_cohort_with_enrolments(make_cohort, make_user, now):
    cohort = make_cohort()
    coach = make_user(Role.COACH)
    _enrol(cohort, coach)
    db.session.commit()
    with pytest.raises(NeedsConfirmation) as err:
        cancel_cohort(None, cohort, "Te weinig aanmeldingen", now)
    assert err.value.affected == [coach]
    cancel_cohort(None, cohort, "Te weinig aanmeldingen", now, confirmed=True)
    db.session.commit()
    enrolment = db.session.query(Enrolment).one()
    assert enrolment.status == EnrolmentStatus.CANCELLED
    assert cohort.seats_taken == 0
    assert all(s.status == SessionStatus.CANCELLED and s.sequence == 1 for s in cohort.sessions)


def test_cancelling_the_last_required_session_completes_at_once(make_cohort, make_user, now):
    from lms.attendance.models import Attendance, AttendanceStatus
    from lms.certificates.models import Certificate

    cohort = make_cohort()
    coach = make_user(Role.COACH)
    _enrol(cohort, coach)
    for session in cohort.sessions[:2]:
        db.session.add(Attendance(session=session, user=coach, status=AttendanceStatus.PRESENT))
    db.session.commit()
    cancel_session(None, cohort.sessions[2], "Zaal niet beschikbaar", now)
    db.session.commit()
    enrolment = db.session.query(Enrolment).one()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert db.session.query(Certificate).filter_by(enrolment_id=enrolment.id).count() == 1
