from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms import clock
from lms.db import enum_type
from lms.extensions import db


class Role(enum.StrEnum):
    COACH = "coach"
    TRAINER = "trainer"
    STAFF = "staff"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __table_args__ = (
        sa.CheckConstraint("locale IN ('nl', 'en')", name="locale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(5), default="nl", server_default="nl")
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("region.id", ondelete="SET NULL"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipality.id", ondelete="SET NULL"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    registration_number: Mapped[str | None] = mapped_column(sa.String(30))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    wants_reminders: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Flask-Login's alternative id: rotating it ends every session of the user.
    session_token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]
    # When the person proved the address is theirs (a link we mailed to it); None: not yet.
    email_verified_at: Mapped[datetime | None]
    # The second factor (TOTP, RFC 6238): the shared secret in base32, set up once confirmed
    # with a code; the last time step used, so a code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    # Places are a higher floor (regions): named, not imported.
    region: Mapped[Region | None] = relationship()  # noqa: F821
    municipality: Mapped[Municipality | None] = relationship()  # noqa: F821
    organisation: Mapped[Organisation | None] = relationship()  # noqa: F821
    role_grants: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    coordinated_regions: Mapped[list[Region]] = relationship(  # noqa: F821
        secondary="coordinator_region", order_by="Region.name", lazy="selectin"
    )

    def get_id(self) -> str:
        # Called when logging in: the moment rides along in the session and in the "stay
        # logged in" cookie (both signed), so the server can refuse a cookie past REMEMBER_DAYS.
        return f"{self.session_token}.{int(clock.timestamp())}"

    @property
    def roles(self) -> set[Role]:
        return {grant.role for grant in self.role_grants}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @property
    def is_staff(self) -> bool:
        return self.has_role(Role.STAFF, Role.ADMIN)

    @property
    def coordinated_region_ids(self) -> set[int]:
        return {region.id for region in self.coordinated_regions}

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None and bool(self.totp_secret)

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.id}>"


# Case-insensitive uniqueness, enforced by the database itself.
sa.Index("uq_user_email_lower", sa.func.lower(User.email), unique=True)


class UserRole(db.Model):
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(default=clock.now)

    user: Mapped[User] = relationship(back_populates="role_grants")


coordinator_region = sa.Table(
    "coordinator_region",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("region_id", sa.ForeignKey("region.id", ondelete="CASCADE"), primary_key=True),
)


class PasswordResetToken(db.Model):
    """A password-reset link: 256 random bits from ``secrets``, only their SHA-256 hash stored.

    A link works once, until it expires; setting a new password removes every link of the user.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]

    user: Mapped[User] = relationship()


class TokenPurpose(enum.StrEnum):
    VERIFY_EMAIL = "verify_email"  # a new account's address
    CHANGE_EMAIL = "change_email"  # a new address, sent to the new address
    UNDO_EMAIL_CHANGE = "undo_email_change"  # "this was not me", sent to the old address


class AccountToken(db.Model):
    """A link mailed about an address: 256 random bits, only their SHA-256 hash stored.

    ``email`` is the address the link is about: the one to confirm, or (undo) the old one to
    return to. A link works until it expires or its purpose is done.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_type(TokenPurpose, "token_purpose"))
    email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]

    user: Mapped[User] = relationship()

    @property
    def is_new_address(self) -> bool:
        return self.purpose == TokenPurpose.CHANGE_EMAIL


class RecoveryCode(db.Model):
    """A one-time code that stands in for the second factor; only its hash is stored, used ones are deleted."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
