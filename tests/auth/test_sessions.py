"""'Stay logged in' lasts at most REMEMBER_DAYS: the cookie's life, and the server's own check."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from lms.auth.models import Role
from lms.config import Config
from tests.conftest import Client
from tests.factories import PASSWORD


def _remembered(app, make_user):
    make_user(Role.COACH, email="cora@example.org")
    app.test_client_class = Client
    client = app.test_client()
    client.post("/login", data={"email": "cora@example.org", "password": PASSWORD, "remember": "y"})
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    client.delete_cookie("session")  # a browser restarted: only the "stay logged in" cookie is left
    return client, cookie


def test_the_default_is_thirty_days(monkeypatch):
    monkeypatch.delenv("REMEMBER_DAYS", raising=False)
    config = Config()
    assert config.REMEMBER_DAYS == 30 and config.REMEMBER_COOKIE_DURATION == timedelta(days=30)


def _expiry(cookie) -> datetime:
    expires = cookie.expires
    return datetime.fromtimestamp(expires, timezone.utc) if isinstance(expires, (int, float)) else expires


def test_the_cookie_lives_remember_days(app, make_user):
    app.config.update(REMEMBER_DAYS=7, DEVICE_COOKIE_DAYS=1)
    client, cookie = _remembered(app, make_user)
    device = client.get_cookie("lms_device", path="/login")
    # Flask-Login and Werkzeug date cookies by the machine's clock; the tests never read it, so
    # the "stay logged in" cookie is measured against the device cookie of the same login (1 day).
    assert timedelta(days=6, minutes=-1) < _expiry(cookie) - _expiry(device) <= timedelta(days=6, minutes=1)


def test_the_server_refuses_a_remember_cookie_older_than_remember_days(app, make_user, clock, now):
    client, _cookie = _remembered(app, make_user)
    clock.set(now + timedelta(days=29))
    assert client.get("/profile").status_code == 200
    client.delete_cookie("session")
    clock.set(now + timedelta(days=30, minutes=1))
    assert client.get("/profile").status_code == 303  # the cookie is still in the browser; it no longer counts
