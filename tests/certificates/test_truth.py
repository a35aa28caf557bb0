"""A certificate states only what happened: the sessions attended, by the completion date, and their hours."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from lms.attendance.models import Attendance, AttendanceStatus
from lms.certificates.checks import snapshot_problems
from lms.certificates.facts import certified
from lms.certificates.services import issue_certificate, points_for, reissue_certificate
from lms.extensions import db


def present(session, user, status=AttendanceStatus.PRESENT):
    db.session.add(Attendance(session_id=session.id, user_id=user.id, status=status, recorded_at=session.ends_at))
    db.session.commit()


@pytest.fixture
def made_up(coach, complete, make_programme, make_cohort):
    """The issue's coach: her own group meets in March-April 2027, she made up all three sessions
    in another group this autumn and completed on 10 November 2026."""
    programme = make_programme()
    own = make_cohort(programme, first=date(2027, 3, 16), title="Groep Achterhoek voorjaar")
    elsewhere = make_cohort(programme, first=date(2026, 10, 6), title="Groep Tiel")
    for session in elsewhere.sessions:
        present(session, coach)
    enrolment = complete(coach, own, completed_at=elsewhere.sessions[-1].ends_at, attended=False)
    return {"own": own, "elsewhere": elsewhere, "enrolment": enrolment}


def test_make_ups_are_listed_with_the_cohort_they_were_made_up_in(coach, made_up):
    certificate = issue_certificate(made_up["enrolment"], made_up["enrolment"].completed_at + timedelta(hours=1))
    db.session.commit()
    s = certificate.snapshot
    assert s["completed_on"] == "2026-11-10"
    assert [item["session_id"] for item in s["sessions"]] == [x.id for x in made_up["elsewhere"].sessions]
    assert {item["cohort_title"] for item in s["sessions"]} == {"Groep Tiel"}
    assert all(item["made_up"] for item in s["sessions"])
    assert s["cohort_title"] == "Groep Achterhoek voorjaar"  # the group the certificate is for
    assert not any(item["starts_at"].startswith("2027") for item in s["sessions"])
    assert s["net_hours"] == "10.00" and s["accreditation_points"] == "10.00"
    facts = certified(certificate)
    assert [x.made_up for x in facts.sessions] == [True, True, True]
    assert facts.sessions[0].cohort_title == "Groep Tiel" and facts.sessions[0].net_hours == Decimal("3.50")
    assert snapshot_problems(certificate) == []


def test_sessions_not_attended_are_left_out_and_the_hours_follow(coach, complete, make_cohort):
    cohort = make_cohort(first=date(2026, 3, 10))
    enrolment = complete(coach, cohort, attended=False)
    present(cohort.sessions[0], coach)
    present(cohort.sessions[1], coach, AttendanceStatus.ABSENT)
    present(cohort.sessions[2], coach)
    certificate = issue_certificate(enrolment, enrolment.completed_at)
    db.session.commit()
    s = certificate.snapshot
    assert [item["title"] for item in s["sessions"]] == ["Online dagdeel", "Bijeenkomst 2"]
    assert not any(item["made_up"] for item in s["sessions"])
    assert s["net_hours"] == "6.75" and s["accreditation_points"] == "6.75"
    assert snapshot_problems(certificate) == []


def test_nothing_after_the_completion_date(coach, complete, make_cohort, staff, now):
    """A reissue builds the snapshot again: a session attended after the completion does not appear."""
    cohort = make_cohort(first=date(2026, 3, 10))
    later = make_cohort(cohort.programme, first=date(2026, 9, 1), title="Groep later")
    enrolment = complete(coach, cohort, completed_at=cohort.sessions[1].ends_at, attended=False)
    present(cohort.sessions[0], coach)
    present(cohort.sessions[1], coach)
    present(cohort.sessions[2], coach)  # on 14 April, after the completion on 24 March
    present(later.sessions[0], coach)
    certificate = issue_certificate(enrolment, enrolment.completed_at)
    db.session.commit()
    assert [item["title"] for item in certificate.snapshot["sessions"]] == ["Online dagdeel", "Bijeenkomst 1"]
    new = reissue_certificate(staff, certificate, "Naam gecorrigeerd", now)
    db.session.commit()
    assert [item["title"] for item in new.snapshot["sessions"]] == ["Online dagdeel", "Bijeenkomst 1"]
    assert new.snapshot["completed_on"] == "2026-03-24" and new.snapshot["net_hours"] == "6.75"
    assert snapshot_problems(new) == []


def test_points_are_one_per_hour_and_never_more_than_accredited(coach, complete, make_programme, make_cohort):
    assert points_for(Decimal("6.75"), Decimal("10")) == Decimal("6.75")
    assert points_for(Decimal("12"), Decimal("10")) == Decimal("10")
    programme = make_programme()
    programme.accreditation_points = Decimal("8")
    db.session.commit()
    enrolment = complete(coach, make_cohort(programme, first=date(2026, 3, 10)))
    certificate = issue_certificate(enrolment, enrolment.completed_at)
    db.session.commit()
    assert certificate.snapshot["net_hours"] == "10.00" and certificate.snapshot["accreditation_points"] == "8.00"
    assert snapshot_problems(certificate) == []


def test_check_names_what_the_records_do_not_support(coach, issue, make_cohort):
    certificate = issue(coach)
    elsewhere = make_cohort(certificate.programme, first=date(2026, 9, 1))
    snapshot = dict(certificate.snapshot)
    never = elsewhere.sessions[0]
    snapshot["sessions"] = [*snapshot["sessions"], {
        "session_id": never.id, "title": never.title, "kind": never.kind.value,
        "starts_at": never.starts_at.isoformat(), "ends_at": never.ends_at.isoformat(), "net_hours": "3.50",
        "cohort_title": elsewhere.title, "made_up": True,
    }]
    certificate.snapshot = snapshot
    db.session.commit()
    problems = snapshot_problems(certificate)
    assert any("did not attend" in p for p in problems)
    assert any("after its completion date" in p for p in problems)
    assert any("states 10.00 hours; its sessions add up to 13.50" in p for p in problems)


def test_an_older_snapshot_is_checked_by_the_session_times(coach, issue):
    """Snapshots from before this rule named no session ids and stated the programme's hours."""
    certificate = issue(coach)
    snapshot = dict(certificate.snapshot)
    snapshot["sessions"] = [{k: v for k, v in item.items() if k in ("title", "kind", "starts_at", "ends_at")}
                            for item in snapshot["sessions"]]
    certificate.snapshot = snapshot
    db.session.commit()
    assert snapshot_problems(certificate) == []
    attendance = db.session.query(Attendance).filter_by(user_id=coach.id).first()
    attendance.status = AttendanceStatus.ABSENT
    db.session.commit()
    assert len(snapshot_problems(certificate)) >= 2  # a session not attended, and the hours


def test_page_pdf_and_verification_state_the_make_ups(client, auth, coach, made_up):
    certificate = issue_certificate(made_up["enrolment"], made_up["enrolment"].completed_at + timedelta(hours=1))
    db.session.commit()
    auth.login(coach)
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    pdf = client.get(f"/certificates/{certificate.id}.pdf").data
    # The PDF wraps long lines wherever the words fall (the Dutch text is longer): compare words.
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    auth.logout()
    public = client.get(f"/verify/{certificate.verification_id}").get_data(as_text=True)
    for body in (page, text, public):
        assert "Groep Tiel" in body
        assert "2027" not in body.replace(certificate.number, "")  # none of her own group's sessions
        assert "10" in body
