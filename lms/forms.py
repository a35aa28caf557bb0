"""Shared form pieces: filters, validators and the select-field helpers."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import ValidationError

from lms.auth.passwords import MAX_LENGTH, MIN_LENGTH, is_common


def strip(value):
    return value.strip() if isinstance(value, str) else value


def no_control_chars(form, field):
    """Refuse invisible control characters in single-line text."""
    if isinstance(field.data, str) and any(ord(ch) < 32 or ord(ch) == 127 for ch in field.data):
        raise ValidationError(_("This field contains characters that are not allowed."))


def password_policy(form, field):
    password = field.data or ""
    if len(password) < MIN_LENGTH:
        raise ValidationError(_("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise ValidationError(_("Use at most %(n)d characters.", n=MAX_LENGTH))
    if is_common(password):
        raise ValidationError(_("This password is too common. Choose one that is harder to guess."))
    email = getattr(form, "email", None)
    if email is not None and email.data and password.lower() == str(email.data).strip().lower():
        raise ValidationError(_("Your password may not be your email address."))


def optional_int(value):
    """Coerce for select fields with an empty 'none' choice."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # not a valid choice; the field reports it


NONE_CHOICE = ("", _l("— none —"))
