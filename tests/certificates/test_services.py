"""Issuing, the frozen snapshot, status, who may see a certificate, revoking and reissuing."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from lms.audit.models import AuditEvent
from lms.auth.models import Role
from lms.certificates.facts import certified
from lms.certificates.models import Certificate, CertificateStatus
from lms.certificates.services import (
    NUMBER_ALPHABET,
    CertificateError,
    can_view,
    find_by_number,
    issue_certificate,
    normalise_number,
    reissue_certificate,
    revoke_certificate,
    status_of,
    valid_until,
)
from lms.cohorts.models import SessionStatus
from lms.extensions import db

NUMBER_RE = re.compile(rf"^WOR-\d{{4}}-[{NUMBER_ALPHABET}]{{4}}-[{NUMBER_ALPHABET}]{{4}}$")


def test_issue_gives_a_readable_number_and_a_long_secret_id(coach, issue):
    certificate = issue(coach)
    assert NUMBER_RE.match(certificate.number)
    assert not set(certificate.number[9:]) & set("01OILS5")
    # 24 random bytes, URL-safe: 192 bits, at least the 128 the link must carry.
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", certificate.verification_id)
    assert certificate.number.startswith("WOR-2026-")


def test_numbers_and_ids_are_unique(coach, issue, make_user):
    certificates = [issue(make_user(name=f"Coach {i}")) for i in range(20)]
    assert len({c.number for c in certificates}) == 20
    assert len({c.verification_id for c in certificates}) == 20


def test_the_year_in_the_number_is_the_year_in_amsterdam(coach, complete):
    enrolment = complete(coach)
    # 23:30 UTC on New Year's Eve is already 2027 in Amsterdam.
    certificate = issue_certificate(enrolment, datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc))
    assert certificate.number.startswith("WOR-2027-")
    assert certificate.snapshot["issued_on"] == "2027-01-01"


def test_snapshot_holds_everything_the_certificate_states(coach, complete, make_programme, make_cohort, region):
    programme = make_programme(validity_years=3)
    cohort = make_cohort(programme, first=date(2026, 3, 10), title="Groep Achterhoek voorjaar",
                         municipality=region.municipalities[0])
    cohort.sessions[1].status = SessionStatus.CANCELLED
    db.session.commit()
    enrolment = complete(coach, cohort)
    certificate = issue_certificate(enrolment, datetime(2026, 4, 20, 12, 0, tzinfo=timezone.utc))
    db.session.commit()
    s = certificate.snapshot
    assert s["holder_name"] == "Cora Coach"
    assert s["programme_title"] == "Basistraining welzijnscoach"
    assert s["cohort_title"] == "Groep Achterhoek voorjaar"
    assert s["region"] == "Achterhoek" and s["municipality"] == "Aalten"
    assert [x["title"] for x in s["sessions"]] == ["Online dagdeel", "Bijeenkomst 2"]  # the cancelled one left out
    # Hours and points follow from the sessions attended (3.5 + 3.25), not from the programme's 10.
    assert s["net_hours"] == "6.75" and s["accreditation_points"] == "6.75"
    assert s["accreditation_body"] == "Registerplein" and s["accreditation_course_id"] == "RP-1"
    assert s["issuer"] == "Landelijk Kennisnetwerk Welzijn op Recept"
    assert s["registration_number"] == "123456"
    assert s["issued_on"] == "2026-04-20"
    assert s["completed_on"] == "2026-04-14"
    assert s["valid_until"] == "2029-04-20" and certificate.valid_until == date(2029, 4, 20)


def test_no_validity_setting_means_no_expiry(coach, issue):
    assert issue(coach).valid_until is None


def test_valid_until_on_29_february():
    leap = datetime(2028, 2, 29, 12, 0, tzinfo=timezone.utc)
    assert valid_until(leap, 1) == date(2029, 2, 28)
    assert valid_until(leap, 4) == date(2032, 2, 29)


def test_issuing_twice_returns_the_certificate_in_force(coach, complete, now):
    enrolment = complete(coach)
    first = issue_certificate(enrolment, now)
    db.session.commit()
    assert issue_certificate(enrolment, now + timedelta(hours=1)) is first
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1


def test_database_refuses_a_second_certificate_in_force_for_one_enrolment(coach, issue):
    certificate = issue(coach)
    # A status entry of its own, so only the one-in-force rule can refuse it.
    twin = Certificate(number="WOR-2026-AAAA-BBBB", verification_id="x" * 32, user_id=coach.id,
                       enrolment_id=certificate.enrolment_id, snapshot={},
                       status_list_id=certificate.status_list_id, status_index=certificate.status_index ^ 1)
    db.session.add(twin)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_later_edits_do_not_change_an_issued_certificate(coach, issue):
    certificate = issue(coach)
    before = dict(certificate.snapshot)
    cohort = certificate.cohort
    programme = certificate.programme
    programme.title = "Nieuwe titel"
    programme.net_hours = 12
    programme.accreditation_points = 12
    coach.name = "Cora Anders"
    coach.registration_number = "999999"
    cohort.title = "Andere groep"
    cohort.sessions[0].title = "Verschoven"
    db.session.commit()
    db.session.expire_all()
    certificate = db.session.get(Certificate, certificate.id)
    assert certificate.snapshot == before
    facts = certified(certificate)
    assert facts.holder_name == "Cora Coach" and facts.programme_title == "Basistraining welzijnscoach"
    assert str(facts.net_hours) == "10.00"


@pytest.mark.parametrize("typed", [
    "WOR-2026-7K3F-9QXD", "wor-2026-7k3f-9qxd", "WOR 2026 7K3F 9QXD", "WOR20267K3F9QXD",
    "  wor2026-7k3f9qxd ", "WOR–2026–7K3F–9QXD",
])
def test_typed_numbers_are_normalised(typed):
    assert normalise_number(typed) == "WOR-2026-7K3F-9QXD"


@pytest.mark.parametrize("typed", ["", "WOR-2026-7K3F", "XYZ-2026-7K3F-9QXD", "WOR-20X6-7K3F-9QXD",
                                   "WOR-2026-0K3F-9QXD", "WOR-2026-7K3F-9QXD-1"])
def test_impossible_numbers_are_none(typed):
    assert normalise_number(typed) is None


def test_find_by_number_accepts_sloppy_typing(coach, issue):
    certificate = issue(coach)
    assert find_by_number(certificate.number.lower().replace("-", " ")) == certificate
    assert find_by_number("WOR-2026-2222-2222") is None


def test_status_valid_expired_revoked(coach, issue, staff, make_programme, make_cohort, complete):
    cohort = make_cohort(make_programme(validity_years=1), first=date(2026, 3, 10))
    certificate = issue(coach, enrolment=complete(coach, cohort))
    last_day = certificate.valid_until
    noon = lambda day: datetime(day.year, day.month, day.day, 11, 0, tzinfo=timezone.utc)  # noqa: E731
    assert status_of(certificate, noon(last_day)) == CertificateStatus.VALID
    assert status_of(certificate, noon(last_day + timedelta(days=1))) == CertificateStatus.EXPIRED
    revoke_certificate(staff, certificate, "Fout", noon(last_day))
    assert status_of(certificate, noon(last_day + timedelta(days=1))) == CertificateStatus.REVOKED


def test_revoke_needs_a_reason_and_is_audited(coach, issue, staff, now):
    certificate = issue(coach)
    with pytest.raises(CertificateError) as error:
        revoke_certificate(staff, certificate, "   ", now)
    assert error.value.field == "reason"
    revoke_certificate(staff, certificate, "Deelname bleek onvolledig", now)
    db.session.commit()
    assert certificate.revoked_at == now and certificate.revoked_by_id == staff.id
    assert certificate.revoke_reason == "Deelname bleek onvolledig"
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "certificate.revoke")).scalar_one()
    assert event.object_id == certificate.id and event.actor_id == staff.id
    assert event.before["revoked_at"] is None and event.after["revoke_reason"] == "Deelname bleek onvolledig"
    with pytest.raises(CertificateError):
        revoke_certificate(staff, certificate, "Nog eens", now)


def test_reissue_after_a_name_correction(coach, issue, staff, now, make_programme, make_cohort, complete):
    cohort = make_cohort(make_programme(validity_years=3), first=date(2026, 3, 10))
    old = issue(coach, enrolment=complete(coach, cohort))
    coach.name = "Cora Coach-de Vries"
    db.session.commit()
    new = reissue_certificate(staff, old, "Naam gecorrigeerd", now)
    db.session.commit()
    assert new.id != old.id and new.number != old.number and new.verification_id != old.verification_id
    assert new.snapshot["holder_name"] == "Cora Coach-de Vries"
    assert new.snapshot["reissue_of"] == old.number
    assert new.snapshot["completed_on"] == old.snapshot["completed_on"]
    assert new.valid_until == old.valid_until  # a correction is not a renewal
    assert new.snapshot["valid_until"] == old.valid_until.isoformat()
    assert old.snapshot["holder_name"] == "Cora Coach"
    assert old.is_revoked and old.replaced_by_id == new.id and old.revoke_reason == "Naam gecorrigeerd"
    assert not new.is_revoked and new.enrolment_id == old.enrolment_id
    actions = db.session.execute(sa.select(AuditEvent.action, AuditEvent.object_id).order_by(AuditEvent.id)).all()
    assert actions == [("certificate.revoke", old.id), ("certificate.reissue", new.id)]


def test_a_revoked_certificate_cannot_be_reissued(coach, issue, staff, now):
    certificate = issue(coach)
    revoke_certificate(staff, certificate, "Fout", now)
    with pytest.raises(CertificateError):
        reissue_certificate(staff, certificate, "Naam", now)


def test_who_may_see_a_certificate(coach, issue, make_user, region, other_region, make_cohort):
    certificate = issue(coach, cohort=make_cohort(region=region, first=date(2026, 3, 10)))
    db.session.refresh(certificate)
    assert can_view(coach, certificate)
    assert can_view(make_user(Role.STAFF), certificate)
    assert can_view(make_user(Role.ADMIN), certificate)
    assert can_view(make_user(Role.COORDINATOR, coordinates=[region]), certificate)
    assert not can_view(make_user(Role.COORDINATOR, coordinates=[other_region]), certificate)
    assert not can_view(make_user(Role.COACH), certificate)
    assert not can_view(make_user(Role.TRAINER), certificate)
