from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms import clock
from lms.auth.models import User
from lms.cohorts.models import Cohort
from lms.db import enum_type, unique_where
from lms.extensions import db
from lms.programmes.models import Programme


class CertificateStatus(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


class RevocationReason(enum.StrEnum):
    """Why a certificate was revoked, as the holder and whoever checks it are told (stored as the code)."""

    ISSUED_IN_ERROR = "issued_in_error"
    REQUIREMENTS_NOT_MET = "requirements_not_met"
    HOLDER_REQUEST = "holder_request"
    REPLACED = "replaced"
    ACCOUNT_DELETED = "account_deleted"
    WITHDRAWN = "withdrawn"

    @property
    def label(self):
        return REVOCATION_LABELS[self]


REVOCATION_LABELS = {
    RevocationReason.ISSUED_IN_ERROR: _l("Issued in error"),
    RevocationReason.REQUIREMENTS_NOT_MET: _l("The requirements were not met"),
    RevocationReason.HOLDER_REQUEST: _l("At the holder's request"),
    RevocationReason.REPLACED: _l("Replaced by a new certificate"),
    RevocationReason.ACCOUNT_DELETED: _l("Account removed"),
    RevocationReason.WITHDRAWN: _l("Withdrawn by the issuer"),
}
# What staff choose from when they revoke; a reissue and an account's removal give their own.
CHOOSABLE_REASONS = (
    RevocationReason.ISSUED_IN_ERROR,
    RevocationReason.REQUIREMENTS_NOT_MET,
    RevocationReason.HOLDER_REQUEST,
    RevocationReason.WITHDRAWN,
)


class StatusList(db.Model):
    """A W3C Bitstring Status List of revocations, published as a signed credential.

    Every certificate holds one entry (``status_list_id``, ``status_index``) from issue on;
    the bit of an entry is set when its certificate is revoked. The bits are read from the
    certificates themselves, so the published list is exactly what is committed; a revoke
    moves ``updated_at`` in the same transaction (it dates the published list).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)

    def __repr__(self) -> str:
        return f"<StatusList {self.id}>"


class Certificate(db.Model):
    """An issued certificate; ``snapshot`` holds what was certified, frozen at issue."""

    __table_args__ = (
        # One certificate in force per enrolment; a reissue revokes the old one first.
        unique_where("uq_certificate_current_per_enrolment", "enrolment_id", where="revoked_at IS NULL"),
        # A revoked certificate always says why, in words from the list.
        sa.CheckConstraint("revoked_at IS NULL OR public_reason IS NOT NULL", name="revoked_with_reason"),
        # One entry of a status list per certificate (the Open Badge's credentialStatus).
        sa.UniqueConstraint("status_list_id", "status_index"),
        # The set bits of a list (its revoked entries), read by every verification, without
        # visiting the list's other entries (up to 65,536 each).
        sa.Index("ix_certificate_revoked_entry", "status_list_id", "status_index",
                 sqlite_where=sa.text("revoked_at IS NOT NULL"), postgresql_where=sa.text("revoked_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    verification_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    enrolment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="SET NULL"), index=True)
    programme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("programme.id", ondelete="SET NULL"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohort.id", ondelete="SET NULL"), index=True)
    issued_at: Mapped[datetime] = mapped_column(default=clock.now)
    valid_until: Mapped[date | None]
    snapshot: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    revoked_at: Mapped[datetime | None]
    # The public reason (verification page, PDF, the holder's mail) ...
    public_reason: Mapped[RevocationReason | None] = mapped_column(enum_type(RevocationReason, "revocation_reason"))
    # ... and the internal note, for staff pages and the audit log only.
    revoke_reason: Mapped[str | None] = mapped_column(sa.String(500))
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    replaced_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id", ondelete="SET NULL"), index=True)
    # Set when the holder was told the certificate is about to expire (at most once).
    expiry_reminded_at: Mapped[datetime | None]
    # Its entry in a revocation status list (lms/certificates/openbadges/status.py), set at issue.
    status_list_id: Mapped[int] = mapped_column(sa.ForeignKey("status_list.id"))
    status_index: Mapped[int]

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
    programme: Mapped[Programme | None] = relationship()
    cohort: Mapped[Cohort | None] = relationship()
    replaced_by: Mapped[Certificate | None] = relationship(remote_side=[id], foreign_keys=[replaced_by_id])
    # The other way: the certificate this one was reissued for (read only; set through replaced_by).
    replaces: Mapped[Certificate | None] = relationship(foreign_keys=[replaced_by_id], uselist=False, viewonly=True)
    status_list: Mapped[StatusList] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def public_reason_label(self):
        """Why it was revoked, in the reader's language; the internal note is never shown publicly."""
        return self.public_reason.label if self.public_reason else None

    @property
    def pdf_filename(self) -> str:
        return f"certificaat-{self.number}.pdf"

    def is_expired_on(self, day: date) -> bool:
        return self.valid_until is not None and self.valid_until < day

    def status_on(self, day: date) -> CertificateStatus:
        """What the certificate says on ``day``; revoked outranks expired."""
        if self.is_revoked:
            return CertificateStatus.REVOKED
        if self.is_expired_on(day):
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID

    def __repr__(self) -> str:
        return f"<Certificate {self.number}>"
