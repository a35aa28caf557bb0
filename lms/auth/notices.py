"""The account's own mails: welcome, invitation and password link (queued in the outbox)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.auth.models import User
from lms.auth.services import make_reset_token
from lms.notifications.services import queue_mail, register_kinds
from lms.urls import external_url

register_kinds({
    "welcome": _l("Welcome"),
    "invitation": _l("Invitation"),
    "password_reset": _l("Password reset"),
})


def _queue(user: User, kind: str, now: datetime, **context) -> None:
    queue_mail(kind=kind, template=kind, recipient=user.email, locale=user.locale, user_id=user.id,
               context={"user": user, **context}, now=now)


def _reset_link(user: User, now: datetime) -> str:
    return external_url("auth.reset_password", token=make_reset_token(user, now))


def send_welcome(user: User, now: datetime) -> None:
    """After self-registration."""
    _queue(user, "welcome", now, url=external_url("main.index"))


def send_invitation(user: User, now: datetime) -> None:
    """An account an admin made without a password: a link to set one."""
    _queue(user, "invitation", now, url=_reset_link(user, now))


def send_password_link(user: User, now: datetime) -> None:
    """"Forgot your password?": a single-use link to set a new one."""
    _queue(user, "password_reset", now, url=_reset_link(user, now),
           minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)
