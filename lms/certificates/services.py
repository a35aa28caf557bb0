"""Issuing certificates: a readable number, a secret verification id and a frozen snapshot."""

from __future__ import annotations

import secrets
from datetime import date, datetime

import sqlalchemy as sa

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.i18n import to_local

# No 0/O, 1/I/L or 5/S look-alikes: numbers are read aloud and typed over.
NUMBER_ALPHABET = "2346789ABCDEFGHJKMNPQRTUVWXYZ"


def new_number(issued_at: datetime) -> str:
    """A number such as WOR-2026-7K3F-9QXD, unique in the table."""
    while True:
        body = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
        number = f"WOR-{to_local(issued_at).year}-{body[:4]}-{body[4:]}"
        if not db.session.execute(sa.select(Certificate.id).where(Certificate.number == number)).first():
            return number


def new_verification_id() -> str:
    """192 random bits, URL-safe: the secret part of the public verification link."""
    return secrets.token_urlsafe(24)


def normalise_number(text: str) -> str:
    """Accept typed numbers with spaces, lower case or without dashes."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(compact) == 15 and compact.startswith("WOR"):
        return f"{compact[:3]}-{compact[3:7]}-{compact[7:11]}-{compact[11:]}"
    return text.strip().upper()


def valid_until(issued_at: datetime, validity_years: int | None) -> date | None:
    if not validity_years:
        return None
    local = to_local(issued_at).date()
    try:
        return local.replace(year=local.year + validity_years)
    except ValueError:  # 29 February
        return local.replace(year=local.year + validity_years, day=28)


def build_snapshot(enrolment, issued_at: datetime) -> dict:
    """Everything the certificate states, frozen so later edits cannot change it."""
    programme = enrolment.programme
    cohort = enrolment.cohort
    sessions = [s for s in cohort.sessions if not s.is_cancelled]
    return {
        "holder_name": enrolment.user.name,
        "programme_title": programme.title,
        "cohort_title": cohort.title,
        "region": cohort.region.name,
        "municipality": cohort.municipality.name if cohort.municipality else None,
        "sessions": [
            {"title": s.title, "kind": s.kind.value, "starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat()}
            for s in sessions
        ],
        "net_hours": str(programme.net_hours),
        "accreditation_body": programme.accreditation_body,
        "accreditation_course_id": programme.accreditation_course_id,
        "accreditation_points": str(programme.accreditation_points),
        "registration_number": enrolment.user.registration_number,
        "issuer": programme.certificate_issuer,
        "issued_on": to_local(issued_at).date().isoformat(),
    }


def issue_certificate(enrolment, now: datetime) -> Certificate:
    """Issue the certificate for a completed enrolment (one per enrolment)."""
    existing = db.session.execute(
        sa.select(Certificate).where(
            Certificate.enrolment_id == enrolment.id, Certificate.revoked_at.is_(None)
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    certificate = Certificate(
        number=new_number(now),
        verification_id=new_verification_id(),
        user_id=enrolment.user_id,
        enrolment_id=enrolment.id,
        programme_id=enrolment.programme_id,
        cohort_id=enrolment.cohort_id,
        issued_at=now,
        valid_until=valid_until(now, enrolment.programme.validity_years),
        snapshot=build_snapshot(enrolment, now),
    )
    db.session.add(certificate)
    return certificate
