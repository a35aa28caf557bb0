"""What a certificate states, read from its frozen snapshot only, in typed form for templates and mails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from lms.certificates.models import Certificate
from lms.i18n import to_local
from lms.programmes.models import SessionKind


@dataclass(frozen=True)
class CertifiedSession:
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    net_hours: Decimal | None = None
    cohort_title: str | None = None  # the cohort it was attended in (not in older snapshots)
    made_up: bool = False  # attended in another cohort than the certificate's
    session_id: int | None = None  # not in older snapshots

    @property
    def is_online(self) -> bool:
        return self.kind == SessionKind.ONLINE


@dataclass(frozen=True)
class Certified:
    """The snapshot in typed form, for templates."""

    holder_name: str
    programme_title: str
    cohort_title: str
    region: str
    municipality: str | None
    sessions: list[CertifiedSession]
    net_hours: Decimal | None
    accreditation_body: str | None
    accreditation_course_id: str | None
    accreditation_points: Decimal | None
    registration_number: str | None
    issuer: str
    completed_on: date | None
    issued_on: date | None
    reissue_of: str | None
    identity_hash: str | None = None  # the e-mail address, salted and hashed (not in older snapshots)
    identity_salt: str | None = None


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def certified(certificate: Certificate) -> Certified:
    """What the certificate states, read from its frozen snapshot only."""
    s = certificate.snapshot or {}
    sessions = []
    for item in s.get("sessions") or []:
        try:
            sessions.append(CertifiedSession(
                title=item["title"], kind=item["kind"],
                starts_at=datetime.fromisoformat(item["starts_at"]), ends_at=datetime.fromisoformat(item["ends_at"]),
                net_hours=_decimal(item.get("net_hours")), cohort_title=item.get("cohort_title"),
                made_up=bool(item.get("made_up")), session_id=item.get("session_id"),
            ))
        except (KeyError, TypeError, ValueError):
            continue
    issued_on = _date(s.get("issued_on")) or to_local(certificate.issued_at).date()
    return Certified(
        holder_name=s.get("holder_name") or "",
        programme_title=s.get("programme_title") or "",
        cohort_title=s.get("cohort_title") or "",
        region=s.get("region") or "",
        municipality=s.get("municipality"),
        sessions=sessions,
        net_hours=_decimal(s.get("net_hours")),
        accreditation_body=s.get("accreditation_body"),
        accreditation_course_id=s.get("accreditation_course_id"),
        accreditation_points=_decimal(s.get("accreditation_points")),
        registration_number=s.get("registration_number"),
        issuer=s.get("issuer") or "",
        completed_on=_date(s.get("completed_on")) or issued_on,
        issued_on=issued_on,
        reissue_of=s.get("reissue_of"),
        identity_hash=s.get("identity_hash"),
        identity_salt=s.get("identity_salt"),
    )
