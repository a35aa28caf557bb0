"""The second factor: time-based codes (TOTP, RFC 6238) from an authenticator app, and recovery codes.

Required at login for the roles named in ``TWO_FACTOR_REQUIRED_ROLES`` (none in
development, so the demo stays one command away), and open to everyone. A code works
once: the time step it belongs to is stored. Recovery codes are shown once, stored as
hashes and deleted when used. Setting up, using a recovery code and an admin's reset are
audited; a reset ends every session and "stay logged in" cookie of the account.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from lms.audit.labels import register as register_audit
from lms.audit.services import record
from lms.auth.models import RecoveryCode, User
from lms.auth.passwords import verify_password
from lms.auth.services import AccountError
from lms.extensions import db

register_audit(actions={
    "account.two_factor_enabled": (_l("Second login step set up"), _l("%(name)s set up a second login step")),
    "account.two_factor_disabled": (_l("Second login step switched off"),
                                    _l("%(name)s switched off the second login step")),
    "account.recovery_code_used": (_l("Recovery code used"),
                                   _l("%(name)s logged in with a recovery code (%(left)s left)")),
    "account.recovery_codes_renewed": (_l("New recovery codes"), _l("%(name)s made new recovery codes")),
    "account.two_factor_reset": (_l("Second login step reset by an administrator"),
                                 _l("Second login step of %(name)s reset")),
})

RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def required_for(user: User) -> bool:
    """Whether this user's roles must log in with a second factor."""
    required = set(current_app.config.get("TWO_FACTOR_REQUIRED_ROLES") or ())
    return any(role.value in required for role in user.roles)


def new_secret() -> str:
    """A shared secret for a new authenticator (160 random bits, base32)."""
    return pyotp.random_base32()


def is_secret(value: object) -> bool:
    return isinstance(value, str) and len(value) == 32 and all(ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for ch in value)


def setup_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["PLATFORM_NAME"])


def qr_svg(uri: str, label: str) -> Markup:
    """The set-up QR code as inline SVG (no image request, nothing for the CSP to allow)."""
    svg = segno.make(uri, error="m", micro=False).svg_inline(scale=4, svgclass="qr-code", lineclass=None,
                                                             title=label)
    return Markup(svg)


def _normalised_code(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-").lower()


def _step_matching(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code this is (the current one, or one either side for a slow clock)."""
    code = _normalised_code(code)
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def enable(user: User, secret: str, code: str, now: datetime) -> list[str]:
    """Set up the factor once the app shows the right code; returns the recovery codes (shown once)."""
    if not is_secret(secret):
        raise AccountError(_("Start the set-up again, please."))
    step = _step_matching(secret, code, now)
    if step is None:
        raise AccountError(_("This code is not right. Check the time on your phone and try the newest code."), "code")
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, now, step
    codes = _new_recovery_codes(user, now)
    user.rotate_session_token()  # other sessions end; the caller logs this one in again
    record(user, "account.two_factor_enabled", user, now=now, summary=user.name, params={"name": user.name})
    return codes


def check_code(user: User, code: str, now: datetime) -> bool:
    """A code from the app, used at most once."""
    if not user.has_two_factor:
        return False
    step = _step_matching(user.totp_secret, code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def _hash(code: str) -> str:
    # Keyed with the app's secret: a copy of the database alone does not give the codes away.
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, _normalised_code(code).encode(), hashlib.sha256).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    return len(_normalised_code(code)) == 10


def _new_recovery_codes(user: User, now: datetime) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _j in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw), created_at=now))
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id)
    ).scalar_one()


def use_recovery_code(user: User, code: str, now: datetime) -> bool:
    """A recovery code instead of the app's code: it works once."""
    if not user.has_two_factor or not looks_like_recovery_code(code):
        return False
    used = db.session.execute(
        sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code))
    ).rowcount
    if not used:
        return False
    left = recovery_codes_left(user)
    record(user, "account.recovery_code_used", user, now=now, summary=user.name,
           params={"name": user.name, "left": left})
    return True


def renew_recovery_codes(user: User, password: str, now: datetime) -> list[str]:
    """New recovery codes (the old ones stop working); needs the password."""
    if not user.has_two_factor:
        raise AccountError(_("Set up the second login step first."))
    if not verify_password(user.password_hash, password):
        raise AccountError(_("This is not your current password."), "current_password")
    codes = _new_recovery_codes(user, now)
    record(user, "account.recovery_codes_renewed", user, now=now, summary=user.name, params={"name": user.name})
    return codes


def _clear(user: User) -> None:
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def disable(user: User, password: str, now: datetime) -> None:
    """The user switches the factor off (not where their role requires it); needs the password."""
    if required_for(user):
        raise AccountError(_("Your role requires the second login step; it cannot be switched off."))
    if not verify_password(user.password_hash, password):
        raise AccountError(_("This is not your current password."), "current_password")
    _clear(user)
    record(user, "account.two_factor_disabled", user, now=now, summary=user.name, params={"name": user.name})


def reset(actor: User, user: User, now: datetime) -> None:
    """An admin resets a lost factor: it is gone, and so is every session and "stay logged in" cookie."""
    if not user.has_two_factor:
        raise AccountError(_("%(name)s has no second login step to reset.", name=user.name))
    _clear(user)
    user.rotate_session_token()
    record(actor, "account.two_factor_reset", user, now=now, summary=user.name, params={"name": user.name})
