"""Login throttles that hold under bursts and that strangers cannot use to lock an owner out.

Every attempt is counted before it is judged (lms/ratelimit.py: one atomic increment,
then the new count is compared with the limit), so of N attempts at once, on any number
of workers and servers, at most the limit reach the password check.

Which counters an attempt goes to depends on the browser (OWASP's "device cookies"):

- A browser that logged into the account before carries a signed device cookie naming it;
  its attempts count against that device's own allowance (LOGIN_LIMIT_ACCOUNT), so however
  many wrong passwords others send, the owner's browser still gets in.
- Any other browser counts per client address (LOGIN_LIMIT_ADDRESS, over all accounts),
  per account and client address (LOGIN_LIMIT_ACCOUNT), and per account over every such
  client together (LOGIN_LIMIT_UNTRUSTED, looser, against guessing from many addresses).

A login that succeeds counts as no attempt: its counters are cleared or given back.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from flask import current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer

from lms import ratelimit

DEVICE_COOKIE = "lms_device"
DEVICE_ACCOUNTS = 5  # the accounts a shared browser is trusted for, the latest first


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lms-device-cookie")


def _account(email: str) -> str:
    # The cookie names accounts by a hash of the address: readable by the browser, but not the address.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:24]


def client_address() -> str:
    return request.remote_addr or "unknown"


def _device() -> dict | None:
    raw = request.cookies.get(DEVICE_COOKIE, "")
    if not raw or len(raw) > 1000:
        return None
    try:
        data = _serializer().loads(raw, max_age=current_app.config["DEVICE_COOKIE_DAYS"] * 86400)
    except BadData:
        return None
    if not (isinstance(data, dict) and isinstance(data.get("n"), str) and isinstance(data.get("a"), list)):
        return None
    return data


def _trusted_device(email: str) -> str | None:
    """The device's id, when this browser's cookie names the account."""
    device = _device()
    return device["n"] if device is not None and _account(email) in device["a"] else None


@dataclass(frozen=True)
class LoginAttempt:
    email: str
    address: str
    device: str | None

    @classmethod
    def of(cls, email: str) -> LoginAttempt:
        return cls(email.strip().lower(), client_address(), _trusted_device(email))

    def _limits(self) -> list[tuple[str, str, str]]:
        if self.device is not None:
            return [("LOGIN_LIMIT_ACCOUNT", "login-device", f"{self.email}|{self.device}")]
        return [
            ("LOGIN_LIMIT_ADDRESS", "login-address", self.address),
            ("LOGIN_LIMIT_ACCOUNT", "login-account", f"{self.email}|{self.address}"),
            ("LOGIN_LIMIT_UNTRUSTED", "login-untrusted", self.email),
        ]

    def admit(self) -> int | None:
        """Count the attempt; None when it may be checked, else the seconds until it may be tried again.

        The limits are counted in turn and the first one over stops the rest, so a refused
        attempt never uses up a broader allowance.
        """
        for setting, scope, value in self._limits():
            if not ratelimit.hit(setting, scope, value):
                return ratelimit.retry_after(setting, scope, value)
        return None

    def succeeded(self) -> None:
        """The password was right: this attempt counts as none."""
        for setting, scope, value in self._limits():
            if setting == "LOGIN_LIMIT_ACCOUNT":
                ratelimit.clear(setting, scope, value)
            else:
                ratelimit.refund(setting, scope, value)


def remember_device(response, email: str) -> None:
    """After a full login: this browser is trusted for the account from now on."""
    device = _device() or {"n": secrets.token_urlsafe(16), "a": []}
    account = _account(email)
    accounts = [account] + [a for a in device["a"] if a != account and isinstance(a, str)]
    value = _serializer().dumps({"n": device["n"], "a": accounts[:DEVICE_ACCOUNTS]})
    config = current_app.config
    response.set_cookie(DEVICE_COOKIE, value, max_age=config["DEVICE_COOKIE_DAYS"] * 86400, path="/login",
                        secure=config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
