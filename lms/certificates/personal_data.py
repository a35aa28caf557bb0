"""Certificates' part in privacy: what the export shows, what erasure and retention do to them.

- A certificate of an anonymised account is revoked with the reason "Account verwijderd" and
  loses the holder's name and registration number, so public verification says it was
  withdrawn because the account was removed, without a name. The snapshot is marked
  ``account_removed``; the reports still count such a certificate as certified (the training
  was certified; only the person is gone).
- Retention keeps a coach's enrolments while a certificate of them is in force (it is the
  coach's proof, and names the cohort); then the certificate moves along and is blanked.

Registered with lms/privacy/registry.py; loaded at app creation (RECEIVERS in lms/__init__.py).
The certificate rows change here, in their owner's package.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from lms.audit.services import plain
from lms.auth.models import User
from lms.certificates.models import Certificate, RevocationReason
from lms.certificates.services import revoke_certificate, status_of, today_on
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.privacy.registry import Detached, Erasure, Export, Impact, erasure_step, export_section, retention_part

# Marks a certificate revoked because its holder's account was removed (kept in its snapshot).
ACCOUNT_REMOVED = "account_removed"
PERSONAL_SNAPSHOT_FIELDS = ("holder_name", "registration_number", "identity_hash", "identity_salt")


def is_account_removed(certificate: Certificate) -> bool:
    return bool((certificate.snapshot or {}).get(ACCOUNT_REMOVED))


def certificate_counts_as_certified():
    """SQL condition: a certificate that counts in the figures (in force, or revoked only
    because the holder's account was removed)."""
    return sa.or_(
        Certificate.revoked_at.is_(None),
        Certificate.snapshot[ACCOUNT_REMOVED].as_boolean().is_(True),
    )


def _blank_snapshot(certificate: Certificate, **extra) -> None:
    snapshot = dict(certificate.snapshot or {})
    for name in PERSONAL_SNAPSHOT_FIELDS:
        snapshot[name] = None
    snapshot.update(extra)
    certificate.snapshot = snapshot  # a new dict, so the JSON column is written


@export_section("certificates", 50)
def _export(export: Export) -> list[dict]:
    certificates = db.session.execute(
        sa.select(Certificate)
        .where(Certificate.user_id == export.user.id)
        .options(joinedload(Certificate.programme))
        .order_by(Certificate.issued_at, Certificate.id)
    ).scalars().all()
    return [
        {
            "number": c.number,
            "programme": c.programme.title if c.programme else (c.snapshot or {}).get("programme_title"),
            "verification_url": export.verify_url(c),
            "status": plain(status_of(c, export.now)),
            "issued_at": plain(c.issued_at),
            "valid_until": plain(c.valid_until),
            "revoked_at": plain(c.revoked_at),
            "revoke_reason": c.revoke_reason,
            "as_certified": {
                "holder_name": (c.snapshot or {}).get("holder_name"),
                "registration_number": (c.snapshot or {}).get("registration_number"),
            },
        }
        for c in certificates
    ]


def _certificates_of(user_id: int):
    return "certificate", sa.select(Certificate.id).where(Certificate.user_id == user_id)


def _preview(user: User, now: datetime, impact: Impact) -> None:
    for certificate in db.session.execute(sa.select(Certificate).where(Certificate.user_id == user.id)).scalars():
        if certificate.is_revoked:
            impact.certificates_blanked += 1
        else:
            impact.certificates_revoked += 1


@erasure_step("certificates", 20, preview=_preview, about=_certificates_of)
def _revoke_and_blank(erasure: Erasure) -> None:
    for certificate in db.session.execute(
        sa.select(Certificate).where(Certificate.user_id == erasure.user.id).order_by(Certificate.id)
    ).scalars().all():
        if not certificate.is_revoked:
            revoke_certificate(erasure.actor, certificate, erasure.reason, erasure.now,
                               reason=RevocationReason.ACCOUNT_DELETED)
            _blank_snapshot(certificate, **{ACCOUNT_REMOVED: True})
        else:
            _blank_snapshot(certificate)


@retention_part("certificates")
def _detach(user_id: int, programme_id: int, now: datetime) -> Detached:
    enrolments = sa.select(Enrolment.id).where(Enrolment.user_id == user_id, Enrolment.programme_id == programme_id)
    today = today_on(now)
    in_force = db.session.execute(sa.select(sa.select(Certificate.id).where(
        Certificate.enrolment_id.in_(enrolments),
        Certificate.revoked_at.is_(None),
        sa.or_(Certificate.valid_until.is_(None), Certificate.valid_until >= today),
    ).exists())).scalar()
    ids = list(db.session.execute(
        sa.select(Certificate.id).where(Certificate.enrolment_id.in_(enrolments))
    ).scalars())

    def move(placeholder_id: int, now: datetime) -> None:
        for certificate in db.session.execute(sa.select(Certificate).where(Certificate.id.in_(ids))).scalars():
            certificate.user_id = placeholder_id
            _blank_snapshot(certificate)

    return Detached("certificate", ids, move, keeps=bool(in_force))
