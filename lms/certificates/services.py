"""Certificates: issuing with a frozen snapshot, who may see them, revoking, reissuing."""

from __future__ import annotations

import secrets
import string
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from lms.attendance.attended import attended_sessions
from lms.audit.labels import register as register_audit
from lms.audit.services import record
from lms.auth.models import Role, User
from lms.certificates.models import REVOCATION_LABELS, Certificate, CertificateStatus, RevocationReason
from lms.certificates.notices import tell_issued, tell_reissued, tell_revoked
from lms.certificates.openbadges.identity import identity_of
from lms.certificates.openbadges.status import assign_entry, mark_revoked
from lms.domain import DomainError
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.i18n import to_local

register_audit(
    actions={
        "certificate.issue": (_l("Certificate issued"), _l("%(number)s: %(coach)s")),
        "certificate.revoke": (_l("Certificate revoked"), _l("%(number)s: %(public_reason)s (%(reason)s)")),
        "certificate.reissue": (_l("Certificate reissued"), _l("%(number)s replaces %(old)s: %(reason)s")),
    },
    objects={"certificate": _l("Certificate")},
    fields={
        "number": _l("Number"),
        "valid_until": _l("Valid until"),
        "revoked_at": _l("Revoked on"),
        "public_reason": _l("Public reason"),
        "revoke_reason": _l("Internal note"),
        "replaced_by_id": _l("Replaced by"),
        "reissue_of": _l("Replaces"),
        "holder_name": _l("Holder"),
    },
    values={"public_reason": REVOCATION_LABELS},
)

# No 0/O, 1/I/L or 5/S look-alikes: numbers are read aloud and typed over.
NUMBER_ALPHABET = "2346789ABCDEFGHJKMNPQRTUVWXYZ"
NUMBER_PREFIX = "WOR"


class CertificateError(DomainError):
    """A rule refused a change to a certificate; the message is for the user."""


# Issuing -------------------------------------------------------------------------------


def new_number(issued_at: datetime) -> str:
    """A number such as WOR-2026-7K3F-9QXD, unique in the table."""
    while True:
        body = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
        number = f"{NUMBER_PREFIX}-{to_local(issued_at).year}-{body[:4]}-{body[4:]}"
        if not db.session.execute(sa.select(Certificate.id).where(Certificate.number == number)).first():
            return number


def new_verification_id() -> str:
    """192 random bits, URL-safe: the secret part of the public verification link."""
    return secrets.token_urlsafe(24)


_TYPED = set(string.ascii_uppercase + string.digits)


def normalise_number(text: str) -> str | None:
    """A typed number in its canonical form, or None when it cannot be one.

    Case, spaces, missing or odd dashes do not matter: "wor 2026 7k3f9qxd" is
    WOR-2026-7K3F-9QXD.
    """
    compact = "".join(ch for ch in (text or "").upper() if ch in _TYPED)
    if len(compact) != 15 or not compact.startswith(NUMBER_PREFIX) or not compact[3:7].isdigit():
        return None
    body = compact[7:]
    if any(ch not in NUMBER_ALPHABET for ch in body):
        return None
    return f"{NUMBER_PREFIX}-{compact[3:7]}-{body[:4]}-{body[4:]}"


def valid_until(issued_at: datetime, validity_years: int | None) -> date | None:
    if not validity_years:
        return None
    local = to_local(issued_at).date()
    try:
        return local.replace(year=local.year + validity_years)
    except ValueError:  # 29 February
        return local.replace(year=local.year + validity_years, day=28)


def build_snapshot(enrolment, issued_at: datetime) -> dict:
    """Everything the certificate states, frozen so later edits cannot change it.

    It states only what happened: the sessions the coach attended for their cohort's
    sessions (a make-up with the cohort it was made up in), all started by the completion;
    the hours are those sessions' net hours, the points follow from the hours.
    """
    programme = enrolment.programme
    cohort = enrolment.cohort
    completed_at = enrolment.completed_at or issued_at
    attended = attended_sessions(enrolment, until=completed_at)
    hours = sum((r.session.net_hours for r in attended), Decimal("0"))
    return {
        "holder_name": enrolment.user.name,
        "programme_title": programme.title,
        "cohort_title": cohort.title,
        "region": cohort.region.name,
        "municipality": cohort.municipality.name if cohort.municipality else None,
        "sessions": [_session_item(r, made_up=r.session.cohort_id != cohort.id) for r in attended],
        "net_hours": str(hours),
        "accreditation_body": programme.accreditation_body,
        "accreditation_course_id": programme.accreditation_course_id,
        "accreditation_points": str(points_for(hours, programme.accreditation_points)),
        "registration_number": enrolment.user.registration_number,
        "issuer": programme.certificate_issuer,
        "completed_on": to_local(completed_at).date().isoformat(),
        "issued_on": to_local(issued_at).date().isoformat(),
        "valid_until": _iso(valid_until(issued_at, programme.validity_years)),
        **identity_of(enrolment.user.email),  # the Open Badge's identifier: the e-mail address, salted and hashed
    }


def points_for(hours: Decimal, most: Decimal | None) -> Decimal:
    """Registerplein's rule: one point per net training hour, never more than the programme is accredited for."""
    return min(hours, most if most is not None else Decimal("0"))


def _session_item(record, *, made_up: bool) -> dict:
    session = record.session
    return {
        "session_id": session.id,
        "title": session.title,
        "kind": session.kind.value,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "net_hours": str(session.net_hours),
        "cohort_title": record.cohort_title,
        "made_up": made_up,
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def current_certificate_of(enrolment_id: int) -> Certificate | None:
    return db.session.execute(
        sa.select(Certificate).where(Certificate.enrolment_id == enrolment_id, Certificate.revoked_at.is_(None))
    ).scalars().first()


def issue_certificate(enrolment, now: datetime) -> Certificate:
    """Issue the certificate for a completed enrolment; returns the one in force if it exists.

    The database holds at most one unrevoked certificate per enrolment, so two
    requests completing the same enrolment at once cannot both issue one: the
    second fails on commit instead of leaving a duplicate behind.
    """
    existing = current_certificate_of(enrolment.id)
    if existing is not None:
        return existing
    return _new_certificate(enrolment, now, valid_until(now, enrolment.programme.validity_years),
                            build_snapshot(enrolment, now))


def _new_certificate(enrolment: Enrolment, now: datetime, until: date | None, snapshot: dict, **more) -> Certificate:
    status_list_id, status_index = assign_entry(now)
    certificate = Certificate(
        number=new_number(now),
        verification_id=new_verification_id(),
        user_id=enrolment.user_id,
        enrolment_id=enrolment.id,
        programme_id=enrolment.programme_id,
        cohort_id=enrolment.cohort_id,
        issued_at=now,
        valid_until=until,
        snapshot=snapshot,
        status_list_id=status_list_id,
        status_index=status_index,
        **more,
    )
    db.session.add(certificate)
    return certificate


def issue_for_completion(actor: User | None, enrolment: Enrolment, now: datetime) -> Certificate:
    """Issue the certificate of an enrolment that was just completed, recording the event when it is new.

    A certificate still in force from an earlier completion (withdrawn since, and staff did
    not revoke it) stays when it states the same sessions; otherwise it is replaced by one
    that states what this completion rests on.
    """
    existing = current_certificate_of(enrolment.id)
    if existing is not None:
        if _statement(existing.snapshot) == _statement(build_snapshot(enrolment, now)):
            return existing
        with force_locale("nl"):  # stored in the platform's language, like every internal note
            note = _("Completed again after a correction of the attendance.")
        return _replace(actor, existing, enrolment, note, now)
    certificate = issue_certificate(enrolment, now)
    db.session.flush()
    record(actor, "certificate.issue", certificate, now=now,
           summary=f"{certificate.number}: {enrolment.user.name}",
           params={"number": certificate.number, "coach": enrolment.user.name},
           after={"number": certificate.number, "user_id": certificate.user_id,
                  "enrolment_id": certificate.enrolment_id, "valid_until": certificate.valid_until})
    tell_issued(certificate, now)
    return certificate


def _statement(snapshot: dict | None) -> tuple:
    """What a certificate says happened: the sessions, the hours and the points."""
    snapshot = snapshot or {}
    sessions = tuple((item.get("session_id"), item.get("starts_at")) for item in snapshot.get("sessions") or [])
    return sessions, snapshot.get("net_hours"), snapshot.get("accreditation_points")


# Reading -------------------------------------------------------------------------------


def today_on(now: datetime) -> date:
    return to_local(now).date()


def status_of(certificate: Certificate, now: datetime) -> CertificateStatus:
    return certificate.status_on(today_on(now))


def can_view(user, certificate: Certificate) -> bool:
    """The holder, staff and admins; a coordinator for cohorts in their regions."""
    if not getattr(user, "is_authenticated", False):
        return False
    if certificate.user_id is not None and certificate.user_id == user.id:
        return True
    if user.is_staff:
        return True
    if user.has_role(Role.COORDINATOR) and certificate.cohort is not None:
        return certificate.cohort.region_id in user.coordinated_region_ids
    return False


def can_manage(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_staff)


def find_by_verification_id(verification_id: str) -> Certificate | None:
    if not verification_id or len(verification_id) > 64:
        return None
    # With what its public page and its credential show: the replacement, the one it replaces, its status list.
    return db.session.execute(
        sa.select(Certificate).where(Certificate.verification_id == verification_id)
        .options(joinedload(Certificate.replaced_by), joinedload(Certificate.replaces),
                 joinedload(Certificate.status_list))
    ).scalar_one_or_none()


def find_by_number(text: str) -> Certificate | None:
    number = normalise_number(text)
    if number is None:
        return None
    return db.session.execute(sa.select(Certificate).where(Certificate.number == number)).scalar_one_or_none()


def predecessor_of(certificate: Certificate) -> Certificate | None:
    """The certificate this one was reissued for, if any."""
    return certificate.replaces


def certificates_of(user: User):
    """A user's certificates, newest first, as one select."""
    return (
        sa.select(Certificate)
        .where(Certificate.user_id == user.id)
        .options(selectinload(Certificate.replaced_by))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )


def certificate_list_query(now: datetime, search: str = "", status: str = ""):
    """Staff list: search by number, holder's name (as certified or now) or programme."""
    stmt = (
        sa.select(Certificate)
        .options(selectinload(Certificate.user))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    search = (search or "").strip()
    if search:
        like = f"%{search.lower()}%"
        conditions = [
            sa.func.lower(Certificate.snapshot["holder_name"].as_string()).like(like),
            sa.func.lower(Certificate.snapshot["programme_title"].as_string()).like(like),
            Certificate.user_id.in_(sa.select(User.id).where(sa.func.lower(User.name).like(like))),
        ]
        compact = "".join(ch for ch in search.upper() if ch in _TYPED)
        if len(compact) >= 4:
            conditions.append(sa.func.replace(Certificate.number, "-", "").like(f"%{compact}%"))
        stmt = stmt.where(sa.or_(*conditions))
    if status in {s.value for s in CertificateStatus}:
        today = today_on(now)
        if status == CertificateStatus.REVOKED:
            stmt = stmt.where(Certificate.revoked_at.is_not(None))
        elif status == CertificateStatus.EXPIRED:
            stmt = stmt.where(Certificate.revoked_at.is_(None), Certificate.valid_until < today)
        else:
            stmt = stmt.where(
                Certificate.revoked_at.is_(None),
                sa.or_(Certificate.valid_until.is_(None), Certificate.valid_until >= today),
            )
    return stmt


# Revoking and reissuing ----------------------------------------------------------------

AUDIT_FIELDS = ("number", "user_id", "enrolment_id", "valid_until", "revoked_at", "public_reason", "revoke_reason",
                "replaced_by_id")


def _state(certificate: Certificate) -> dict:
    return {name: getattr(certificate, name) for name in AUDIT_FIELDS}


def _check_note(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise CertificateError(_("Give the reason."), "reason")
    return note[:500]


def revoke_certificate(actor: User, certificate: Certificate, note: str, now: datetime, *,
                       reason: RevocationReason = RevocationReason.WITHDRAWN) -> Certificate:
    """Withdraw a certificate for good and tell the holder.

    ``reason`` is what verification, the PDF and the holder's mail say (a code from the
    list); ``note`` is the internal explanation, for staff pages and the audit log only.
    """
    note = _check_note(note)
    reason = RevocationReason(reason)
    if certificate.is_revoked:
        raise CertificateError(_("This certificate has already been revoked."))
    before = _state(certificate)
    _revoke(actor, certificate, reason, note, now)
    record(actor, "certificate.revoke", certificate, now=now, summary=f"{certificate.number}: {reason.value} ({note})",
           params={"number": certificate.number, "public_reason": reason.value, "reason": note},
           before=before, after=_state(certificate))
    tell_revoked(certificate, now)
    return certificate


def _revoke(actor: User | None, certificate: Certificate, reason: RevocationReason, note: str,
            now: datetime) -> None:
    certificate.revoked_at = now
    certificate.public_reason = reason
    certificate.revoke_reason = note
    certificate.revoked_by_id = actor.id if actor is not None else None
    mark_revoked(certificate, now)
    db.session.flush()


def reissue_certificate(actor: User, certificate: Certificate, note: str, now: datetime) -> Certificate:
    """Replace a certificate by a new one with a fresh snapshot and number (e.g. a corrected name).

    The old one is revoked as replaced, with a reference to the new one; ``note`` is the
    internal explanation. The new one keeps the old validity: a correction does not extend
    how long the training counts. The holder is told the new link.
    """
    note = _check_note(note)
    if certificate.is_revoked:
        raise CertificateError(_("A revoked certificate cannot be reissued."))
    enrolment = _enrolment_of(certificate)
    if enrolment is None:
        raise CertificateError(
            _("The enrolment behind this certificate no longer exists, so it cannot be reissued.")
        )
    if enrolment.status != EnrolmentStatus.COMPLETED:
        raise CertificateError(
            _("The completion behind this certificate has been withdrawn, so it cannot be reissued; revoke it instead.")
        )
    return _replace(actor, certificate, enrolment, note, now)


def _replace(actor: User | None, certificate: Certificate, enrolment: Enrolment, note: str,
             now: datetime) -> Certificate:
    before = _state(certificate)
    # Revoke first: the database allows one certificate in force per enrolment.
    _revoke(actor, certificate, RevocationReason.REPLACED, note, now)
    snapshot = build_snapshot(enrolment, now)
    snapshot["reissue_of"] = certificate.number
    snapshot["valid_until"] = _iso(certificate.valid_until)
    replacement = _new_certificate(enrolment, now, certificate.valid_until, snapshot,
                                   expiry_reminded_at=certificate.expiry_reminded_at)
    db.session.flush()
    certificate.replaced_by_id = replacement.id
    db.session.flush()
    # The revoke event names the replacement in its stored text and parameters; its message shows the reason.
    record(actor, "certificate.revoke", certificate, now=now,
           summary=f"{certificate.number}: {RevocationReason.REPLACED.value} ({note}) → {replacement.number}",
           params={"number": certificate.number, "public_reason": RevocationReason.REPLACED.value, "reason": note,
                   "replacement": replacement.number},
           before=before, after=_state(certificate))
    record(actor, "certificate.reissue", replacement, now=now,
           summary=f"{replacement.number} ← {certificate.number}: {note}",
           params={"number": replacement.number, "old": certificate.number, "reason": note},
           after=_state(replacement) | {"holder_name": snapshot["holder_name"], "reissue_of": certificate.number})
    tell_reissued(replacement, certificate, now)
    return replacement


def _enrolment_of(certificate: Certificate) -> Enrolment | None:
    if certificate.enrolment_id is None:
        return None
    return db.session.get(Enrolment, certificate.enrolment_id)
