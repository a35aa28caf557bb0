"""The account's own mails (queued in the outbox): address links, invitation, password link, warnings."""

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
    "no_account": _l("Password reset: no account"),
    "confirm_address": _l("Confirm address"),
    "confirm_new_address": _l("Confirm new address"),
    "address_change_notice": _l("Address change: notice to the old address"),
    "address_in_use": _l("Address already in use"),
    "two_factor_reset": _l("Second login step reset"),
})


def _queue(user: User, kind: str, now: datetime, *, recipient: str | None = None, **context) -> None:
    queue_mail(kind=kind, template=kind, recipient=recipient or user.email, locale=user.locale, user_id=user.id,
               context={"user": user, **context}, now=now)


def _reset_link(user: User, now: datetime) -> str:
    return external_url("auth.reset_password", token=make_reset_token(user, now))


def send_confirmation(user: User, token: str, now: datetime) -> None:
    """After self-registration (and on request): the link that confirms the account's address."""
    _queue(user, "confirm_address", now, url=external_url("auth.confirm_address", token=token),
           hours=current_app.config["ADDRESS_LINK_HOURS"])


def send_welcome(user: User, now: datetime) -> None:
    """Once a new account's address is confirmed: where to find a training group."""
    _queue(user, "welcome", now, url=external_url("catalogue.index"))


def send_address_in_use(user: User, now: datetime) -> None:
    """Someone tried to register with, or move another account to, the address of ``user``."""
    _queue(user, "address_in_use", now, login_url=external_url("auth.login"),
           reset_url=external_url("auth.forgot_password"))


def send_new_address_link(user: User, new_email: str, token: str, now: datetime) -> None:
    """To the new address: the link that makes it the account's address."""
    _queue(user, "confirm_new_address", now, recipient=new_email,
           url=external_url("auth.confirm_address", token=token), hours=current_app.config["ADDRESS_LINK_HOURS"])


def send_address_change_notice(user: User, new_email: str, token: str, now: datetime) -> None:
    """To the old address: a change was asked for, with the link that stops (or undoes) it."""
    _queue(user, "address_change_notice", now, new_email=new_email,
           url=external_url("auth.undo_address_change", token=token), days=current_app.config["ADDRESS_UNDO_DAYS"])


def send_invitation(user: User, now: datetime) -> None:
    """An account an admin made without a password: a link to set one."""
    _queue(user, "invitation", now, url=_reset_link(user, now))


def send_password_link(user: User, now: datetime) -> None:
    """"Forgot your password?": a single-use link to set a new one."""
    _queue(user, "password_reset", now, url=_reset_link(user, now),
           minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)


def send_no_account(email: str, locale: str, now: datetime) -> None:
    """"Forgot your password?" for an address without an account: the same work, and a useful answer."""
    queue_mail(kind="no_account", template="no_account", recipient=email, locale=locale,
               context={"register_url": external_url("auth.register")}, now=now)


def send_two_factor_reset(user: User, now: datetime) -> None:
    """An admin reset the account's second factor."""
    _queue(user, "two_factor_reset", now, url=external_url("auth.login"))
