"""Addresses people prove are theirs: sign-up, confirming, changing and undoing a change.

Whoever asks, the answer is the same: signing up with an address that already has an
account, or asking a password link for an address without one, does the same work and
sends a mail to that address, so a form never tells a stranger who has an account.

Every link is 256 random bits mailed to the address it is about; only its SHA-256 hash is
stored (``AccountToken``), and it works until its purpose is done or it expires.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from lms.audit.labels import register as register_audit
from lms.audit.services import record
from lms.auth.models import AccountToken, TokenPurpose, User
from lms.auth.notices import (
    send_address_change_notice,
    send_address_in_use,
    send_confirmation,
    send_new_address_link,
    send_no_account,
    send_password_link,
    send_welcome,
)
from lms.auth.passwords import hash_password, verify_password
from lms.auth.services import AccountError, email_taken, find_user_by_email, register_coach
from lms.extensions import db

register_audit(actions={
    "account.email_change": (_l("Email address changed"), _l("%(name)s confirmed a new email address")),
    "account.email_change_undone": (_l("Email address change undone"),
                                    _l("%(name)s undid a change of email address from the old address")),
    "account.email_change_stopped": (_l("Email address change stopped"),
                                     _l("%(name)s stopped a change of email address from the old address")),
})

TOKEN_LENGTH = 43  # secrets.token_urlsafe(32): 256 bits


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_link(user: User, purpose: TokenPurpose, email: str, now: datetime, lifetime: timedelta) -> str:
    """A new link about ``email``; returns the token for the URL (only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    db.session.add(AccountToken(user=user, purpose=purpose, email=email, token_hash=_hash(token), created_at=now,
                                expires_at=now + lifetime))
    return token


def _link_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["ADDRESS_LINK_HOURS"])


def forget_tokens(user: User, *purposes: TokenPurpose) -> None:
    """The user's links of these purposes (all when none are named) stop working."""
    stmt = sa.delete(AccountToken).where(AccountToken.user_id == user.id)
    if purposes:
        stmt = stmt.where(AccountToken.purpose.in_(purposes))
    db.session.execute(stmt)


def find_token(token: str, now: datetime) -> AccountToken | None:
    """The live link this token stands for, with its user; None for anything else."""
    if not isinstance(token, str) or len(token) != TOKEN_LENGTH:
        return None  # nothing like a token: no need to ask the database
    row = db.session.execute(
        sa.select(AccountToken).options(joinedload(AccountToken.user)).where(AccountToken.token_hash == _hash(token))
    ).scalar_one_or_none()
    if row is None or row.expires_at <= now or not row.user.is_active:
        return None
    return row


def _same(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


# Signing up and confirming -----------------------------------------------------------------


def sign_up(*, name: str, email: str, password: str, region, municipality, organisation,
            registration_number: str | None, locale: str, now: datetime) -> User | None:
    """A coach signs up: a new, unconfirmed account and a link to confirm it; None when the address is taken.

    A taken address gets a mail saying someone tried, after the same work (the password is
    hashed either way), so the answer reveals nothing.
    """
    existing = find_user_by_email(email)
    if existing is not None:
        hash_password(password)  # the same time as a new account
        if existing.is_active and existing.erased_at is None:
            send_address_in_use(existing, now)
        return None
    user = register_coach(name=name, email=email, password=password, region=region, municipality=municipality,
                          organisation=organisation, registration_number=registration_number, locale=locale, now=now)
    db.session.flush()
    send_confirmation_link(user, now)
    return user


def send_confirmation_link(user: User, now: datetime) -> None:
    """A new link to confirm the account's address (the earlier ones stop working)."""
    if user.is_email_verified:
        return
    forget_tokens(user, TokenPurpose.VERIFY_EMAIL)
    send_confirmation(user, make_link(user, TokenPurpose.VERIFY_EMAIL, user.email, now, _link_lifetime()), now)


def confirm(link: AccountToken, now: datetime) -> User:
    """Use a confirmation link: a new account's address, or a new address the user asked for."""
    user = link.user
    if link.purpose == TokenPurpose.VERIFY_EMAIL:
        if not _same(link.email, user.email):
            raise AccountError(_("This link is for an address your account no longer uses."))
        if not user.is_email_verified:
            user.email_verified_at = now
            send_welcome(user, now)
        forget_tokens(user, TokenPurpose.VERIFY_EMAIL)
        return user
    if link.purpose != TokenPurpose.CHANGE_EMAIL:
        raise AccountError(_("This link is not valid."))
    if email_taken(link.email, except_user=user):
        forget_tokens(user, TokenPurpose.CHANGE_EMAIL)
        raise AccountError(_("This address is now used by another account, so your address has not changed."))
    old = user.email
    user.email = link.email.strip()
    user.email_verified_at = now
    forget_tokens(user, TokenPurpose.CHANGE_EMAIL, TokenPurpose.VERIFY_EMAIL)
    record(user, "account.email_change", user, now=now, summary=user.name, params={"name": user.name},
           before={"email": old}, after={"email": user.email})
    return user


def address_proved_by_reset(user: User, now: datetime) -> None:
    """A password link works only from the account's mailbox: the address is confirmed too."""
    if not user.is_email_verified:
        user.email_verified_at = now
        forget_tokens(user, TokenPurpose.VERIFY_EMAIL)


# Changing the address -----------------------------------------------------------------------


def request_email_change(user: User, *, password: str, new_email: str, now: datetime) -> None:
    """Ask for a new address: it takes effect when the new address confirms; the old one may stop it.

    Needs the current password. A new address that belongs to another account answers the
    same (that account's owner is told someone tried), so the form reveals no accounts.
    """
    if not verify_password(user.password_hash, password):
        raise AccountError(_("This is not your current password."), "current_password")
    if _same(new_email, user.email):
        raise AccountError(_("This is already your email address."), "email")
    owner = find_user_by_email(new_email)
    if owner is not None:
        if owner.is_active and owner.erased_at is None:
            send_address_in_use(owner, now)
        return
    forget_tokens(user, TokenPurpose.CHANGE_EMAIL)
    change = make_link(user, TokenPurpose.CHANGE_EMAIL, new_email.strip(), now, _link_lifetime())
    undo = make_link(user, TokenPurpose.UNDO_EMAIL_CHANGE, user.email, now,
                      _link_lifetime() + timedelta(days=current_app.config["ADDRESS_UNDO_DAYS"]))
    send_new_address_link(user, new_email.strip(), change, now)
    send_address_change_notice(user, new_email.strip(), undo, now)


def pending_email(user: User, now: datetime) -> str | None:
    """The new address the user asked for and has not confirmed yet."""
    return db.session.execute(
        sa.select(AccountToken.email).where(AccountToken.user_id == user.id,
                                            AccountToken.purpose == TokenPurpose.CHANGE_EMAIL,
                                            AccountToken.expires_at > now)
        .order_by(AccountToken.created_at.desc()).limit(1)
    ).scalar()


def undo_email_change(link: AccountToken, now: datetime) -> User:
    """"This was not me", from the old address: the change stops, or is undone, and every session ends."""
    if link.purpose != TokenPurpose.UNDO_EMAIL_CHANGE:
        raise AccountError(_("This link is not valid."))
    user = link.user
    if not _same(user.email, link.email):
        if email_taken(link.email, except_user=user):
            raise AccountError(_("The old address is now used by another account. Please contact us."))
        changed = user.email
        user.email = link.email
        record(user, "account.email_change_undone", user, now=now, summary=user.name, params={"name": user.name},
               before={"email": changed}, after={"email": user.email})
    else:
        asked = pending_email(user, now)
        record(user, "account.email_change_stopped", user, now=now, summary=user.name, params={"name": user.name},
               before={"requested_email": asked} if asked else None)
    user.email_verified_at = user.email_verified_at or now
    forget_tokens(user)
    user.rotate_session_token()  # whoever asked for the change is logged out
    return user


# Password links -------------------------------------------------------------------------------


def request_password_link(email: str, locale: str, now: datetime) -> None:
    """"Forgot your password?": a link for an account, or a "no account here" mail; the same work either way."""
    user = find_user_by_email(email)
    if user is not None and user.is_active:
        send_password_link(user, now)
    else:  # no account, or one that can no longer be used
        send_no_account(email.strip(), locale, now)
