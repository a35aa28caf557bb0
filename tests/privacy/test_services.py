"""Privacy services without HTTP: export, erasure requests, anonymising, retention."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lms.attendance.models import Attendance, AttendanceStatus
from lms.audit.models import AuditEvent
from lms.auth.models import PasswordResetToken, Role, User
from lms.auth.personal_data import ANONYMOUS_NAME
from lms.auth.services import authenticate, make_reset_token, user_for_reset_token
from lms.calendar.models import CalendarToken
from lms.calendar.services import issue_token
from lms.certificates.facts import certified
from lms.certificates.models import Certificate
from lms.certificates.services import issue_certificate, status_of
from lms.cohorts.models import CohortStatus
from lms.enrolment.models import Enrolment, EnrolmentStatus, Interest
from lms.extensions import db
from lms.learning.models import QuizAttempt
from lms.notifications.models import MailStatus, OutboxMail
from lms.privacy.erasure import anonymise_user
from lms.privacy.export import export_data
from lms.privacy.models import ErasureStatus
from lms.privacy.retention import apply_retention
from lms.privacy.services import PrivacyError, reject_request, request_erasure, withdraw_request
from tests.factories import PASSWORD
from tests.privacy.conftest import attend, enrol, figures


def _verify_url(certificate):
    return f"https://example.org/verify/{certificate.verification_id}"


# Export ----------------------------------------------------------------------------------


def test_export_holds_the_users_own_data_and_nothing_of_others(story, now, region):
    coach = story.coach
    module = story.programme.modules[0]
    db.session.add(QuizAttempt(user_id=coach.id, module_id=module.id, submitted_at=now, score=80, is_passed=True))
    db.session.add(QuizAttempt(user_id=story.other.id, module_id=module.id, submitted_at=now, score=20,
                               is_passed=False))
    db.session.add(Interest(user_id=coach.id, programme_id=story.programme.id, region_id=region.id, created_at=now))
    issue_token(coach, now)
    db.session.commit()

    data = export_data(coach, now, _verify_url)

    assert data["account"]["name"] == "Cora Coach"
    assert data["account"]["email"] == "cora@example.org"
    assert data["account"]["registration_number"] == "123456"
    assert data["account"]["municipality"] == "Doetinchem"
    assert data["account"]["preferences"] == {"session_reminders": True}
    assert {e["cohort"]: e["status"] for e in data["enrolments"]} == {"Groep voorjaar": "completed",
                                                                      "Groep 2027": "enrolled"}
    assert [a["status"] for a in data["attendance"]] == ["present", "present", "present"]
    assert data["learning"]["quiz_attempts"] == [
        {"module": module.title, "submitted_at": now.isoformat(), "score": 80, "passed": True}
    ]
    [cert] = data["certificates"]
    assert cert["number"] == story.certificate.number
    assert cert["verification_url"].endswith(story.certificate.verification_id)
    assert cert["status"] == "valid"
    assert data["interest_registrations"][0]["region"] == region.name
    assert set(data["calendar_feed"]) == {"created_at", "last_used_at"}
    text = repr(data)
    for foreign in ("Otto", "otto@example.org", "654321", "Wim", story.other_certificate.number):
        assert foreign not in text
    token_hash = db.session.execute(sa.select(CalendarToken.token_hash)).scalar_one()
    assert token_hash not in text


# Erasure requests ------------------------------------------------------------------------


def test_request_then_withdraw(story, now):
    request = request_erasure(story.coach, "  Ik stop.  ", now)
    db.session.commit()
    assert request.status == ErasureStatus.PENDING and request.reason == "Ik stop."
    mail = db.session.execute(sa.select(OutboxMail).where(OutboxMail.kind == "erasure_requested")).scalar_one()
    assert mail.recipient == "cora@example.org" and "/privacy" in mail.body_text
    with pytest.raises(PrivacyError):
        request_erasure(story.coach, None, now)
    withdraw_request(story.coach, now)
    db.session.commit()
    assert request.status == ErasureStatus.WITHDRAWN
    with pytest.raises(PrivacyError):
        withdraw_request(story.coach, now)
    actions = db.session.execute(sa.select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
    assert "privacy.erasure_requested" in actions and "privacy.erasure_withdrawn" in actions


def test_reject_needs_a_reason_and_mails_it(story, now):
    request = request_erasure(story.coach, None, now)
    with pytest.raises(PrivacyError):
        reject_request(story.admin, request, " ", now)
    reject_request(story.admin, request, "Eerst je openstaande factuur.", now)
    db.session.commit()
    assert request.status == ErasureStatus.REJECTED and request.decided_by_id == story.admin.id
    mail = db.session.execute(sa.select(OutboxMail).where(OutboxMail.kind == "erasure_rejected")).scalar_one()
    assert "Eerst je openstaande factuur." in mail.body_text


# Anonymising -----------------------------------------------------------------------------


def test_anonymise_keeps_the_figures_of_past_cohorts_exactly(story, now, region):
    before = figures(story.programme, region, cohort=story.past)
    anonymise_user(story.admin, story.coach, now)
    db.session.commit()
    assert figures(story.programme, region, cohort=story.past) == before
    # The coach's municipality, enrolment and attendance rows stay.
    assert before[("municipality", "Doetinchem")][:4] == (1, 0, 1, 1)


def test_anonymise_removes_what_identifies_the_person(story, now, region):
    coach = story.coach
    issue_token(coach, now)
    db.session.add(Interest(user_id=coach.id, programme_id=story.programme.id, region_id=region.id, created_at=now))
    request = request_erasure(coach, "Ik stop.", now)
    reset_token = make_reset_token(coach, now)
    db.session.commit()

    impact = anonymise_user(story.admin, coach, now, note="Op verzoek")
    db.session.commit()

    user = db.session.get(User, coach.id)
    assert user.name == ANONYMOUS_NAME
    assert user.email == f"deleted-{user.id}@invalid"
    assert user.registration_number is None and user.organisation_id is None and user.password_hash is None
    assert not user.is_active and user.erased_at is not None and user.roles == set()
    assert user.municipality.name == "Doetinchem"  # the figures count by it
    assert authenticate("cora@example.org", PASSWORD, now) is None
    assert user_for_reset_token(reset_token, now) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordResetToken)) == 0
    assert db.session.execute(sa.select(CalendarToken)).first() is None
    assert db.session.execute(sa.select(Interest)).first() is None
    assert db.session.execute(sa.select(OutboxMail).where(OutboxMail.user_id == user.id,
                                                          OutboxMail.status == MailStatus.PENDING)).first() is None
    assert request.status == ErasureStatus.DONE and request.reason is None and request.note == "Op verzoek"
    assert len(impact.cancelled) == 1 and impact.kept_enrolments == 1
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "user.anonymise")).scalar_one()
    assert event.actor_id == story.admin.id and event.object_id == user.id
    summaries = " ".join(db.session.execute(sa.select(AuditEvent.summary)).scalars())
    assert "Cora" not in summaries and "cora@example.org" not in summaries


def test_anonymise_revokes_certificates_without_the_name(story, now):
    anonymise_user(story.admin, story.coach, now)
    db.session.commit()
    certificate = db.session.get(Certificate, story.certificate.id)
    assert certificate.is_revoked and certificate.revoke_reason == "Account verwijderd"
    assert certificate.revoked_by_id == story.admin.id
    facts = certified(certificate)
    assert facts.holder_name == "" and facts.registration_number is None
    assert facts.programme_title == story.programme.title
    assert status_of(certificate, now).value == "revoked"
    other = db.session.get(Certificate, story.other_certificate.id)
    assert not other.is_revoked and certified(other).holder_name == "Otto Ander"


def test_anonymise_gives_up_seats_to_come_and_the_waitlist_moves_up(story, now):
    anonymise_user(story.admin, story.coach, now)
    db.session.commit()
    future = db.session.get(Enrolment, story.future_enrolment.id)
    assert future.status == EnrolmentStatus.CANCELLED and future.cancel_reason == "Account verwijderd"
    waiting = db.session.execute(sa.select(Enrolment).where(Enrolment.user_id == story.waiting.id)).scalar_one()
    assert waiting.status == EnrolmentStatus.OFFERED
    past = db.session.get(Enrolment, story.past_enrolment.id)
    assert past.status == EnrolmentStatus.COMPLETED and past.user_id == story.coach.id


def test_admin_cannot_anonymise_themselves_or_the_last_admin(story, make_user, now):
    with pytest.raises(PrivacyError):
        anonymise_user(story.admin, story.admin, now)
    other_admin = make_user(Role.ADMIN, name="Bea Beheer")
    anonymise_user(other_admin, story.coach, now)  # admins may anonymise others
    story.admin.is_active = False
    db.session.commit()
    with pytest.raises(PrivacyError):
        anonymise_user(story.admin, other_admin, now)
    with pytest.raises(PrivacyError):
        anonymise_user(other_admin, story.coach, now)  # already removed


# Retention -------------------------------------------------------------------------------


@pytest.fixture
def old_and_recent(app, region, make_user, make_programme, make_cohort, now):
    """Certificates valid for 3 years. An old cohort (2017) and a recent one (2025)."""
    by_name = {m.name: m for m in region.municipalities}
    doetinchem, winterswijk = by_name["Doetinchem"], by_name["Winterswijk"]
    programme = make_programme(validity_years=3)
    old = make_cohort(programme, first=date(2017, 9, 5), status=CohortStatus.COMPLETED, title="Groep 2017")
    recent = make_cohort(programme, first=date(2025, 9, 2), status=CohortStatus.COMPLETED, title="Groep 2025")
    P, A = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT
    coaches = {}
    for key, municipality, cohort, status, marks in (
        ("ann", doetinchem, old, EnrolmentStatus.COMPLETED, (P, P, P)),
        ("bob", winterswijk, old, EnrolmentStatus.ENROLLED, (P, A, P)),
        ("cas", winterswijk, old, EnrolmentStatus.CANCELLED, (P,)),
        ("dee", doetinchem, recent, EnrolmentStatus.COMPLETED, (P, P, P)),
    ):
        user = make_user(Role.COACH, name=f"{key.title()} Coach", municipality=municipality)
        enrolment = enrol(cohort, user, status, completed_at=max(s.ends_at for s in cohort.sessions)
                          if status == EnrolmentStatus.COMPLETED else None)
        attend(user, cohort, *marks)
        if status == EnrolmentStatus.COMPLETED:
            issue_certificate(enrolment, enrolment.completed_at + timedelta(days=1))
        coaches[key] = user
    # Bob made up meeting 1 of 2017 at the 2025 cohort: still counts for the old enrolment.
    db.session.add(Attendance(session=recent.sessions[1], user=coaches["bob"], status=P))
    db.session.commit()
    return programme, old, recent, coaches


def test_retention_detaches_old_enrolments_and_keeps_the_figures(old_and_recent, now, region):
    programme, old, recent, coaches = old_and_recent
    before = figures(programme, region)
    result = apply_retention(now, 7)
    db.session.commit()

    assert (result.coaches, result.enrolments, result.certificates) == (3, 3, 1)
    assert figures(programme, region) == before
    old_rows = db.session.execute(sa.select(Enrolment).where(Enrolment.cohort_id == old.id)).scalars().all()
    assert all(e.anonymised_at is not None for e in old_rows)
    holders = {e.user_id for e in old_rows}
    assert not holders & {c.id for c in coaches.values()}
    placeholders = db.session.execute(sa.select(User).where(User.id.in_(holders))).scalars().all()
    assert {u.name for u in placeholders} == {ANONYMOUS_NAME}
    assert all(u.erased_at and not u.is_active and u.password_hash is None for u in placeholders)
    # Bob's attendance went with his enrolment, the make-up at the recent cohort too.
    assert db.session.execute(sa.select(Attendance).where(Attendance.user_id == coaches["bob"].id)).first() is None
    # The coaches' accounts themselves stay, and so does the recent enrolment.
    assert db.session.get(User, coaches["ann"].id).name == "Ann Coach"
    recent_row = db.session.execute(sa.select(Enrolment).where(Enrolment.cohort_id == recent.id)).scalar_one()
    assert recent_row.user_id == coaches["dee"].id and recent_row.anonymised_at is None
    old_certificate = db.session.execute(
        sa.select(Certificate).where(Certificate.cohort_id == old.id)).scalar_one()
    assert old_certificate.user_id != coaches["ann"].id and certified(old_certificate).holder_name == ""


def test_retention_is_idempotent_and_has_a_dry_run(old_and_recent, now, region):
    programme = old_and_recent[0]
    dry = apply_retention(now, 7, dry_run=True)
    assert dry.enrolments == 3
    assert db.session.execute(sa.select(sa.func.count()).where(Enrolment.anonymised_at.is_not(None))).scalar() == 0
    apply_retention(now, 7)
    db.session.commit()
    users = db.session.execute(sa.select(sa.func.count(User.id))).scalar()
    after_first = figures(programme, region)
    second = apply_retention(now, 7)
    db.session.commit()
    assert (second.coaches, second.enrolments) == (0, 0)
    assert db.session.execute(sa.select(sa.func.count(User.id))).scalar() == users
    assert figures(programme, region) == after_first


def test_retention_keeps_enrolments_behind_a_certificate_in_force(region, make_user, make_programme, make_cohort,
                                                                   now):
    programme = make_programme(validity_years=None)
    old = make_cohort(programme, first=date(2016, 9, 6), status=CohortStatus.COMPLETED)
    coach = make_user(Role.COACH)
    enrolment = enrol(old, coach, EnrolmentStatus.COMPLETED, completed_at=max(s.ends_at for s in old.sessions))
    issue_certificate(enrolment, now - timedelta(days=3000))
    db.session.commit()
    result = apply_retention(now, 7)
    assert result.enrolments == 0 and result.kept_for_certificate == 1
    assert db.session.get(Enrolment, enrolment.id).user_id == coach.id
