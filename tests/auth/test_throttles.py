"""Login throttles: counted before judged, per account and client, and a device cookie that keeps the owner in."""

from __future__ import annotations

import pytest

import lms.auth.services as auth_services
from lms.auth.models import Role
from lms.auth.routes.throttle import DEVICE_COOKIE
from tests.conftest import Client
from tests.factories import PASSWORD

OWNER = "cora@example.org"


@pytest.fixture
def browser(app):
    """A browser at a client address of its own."""

    def make(address: str) -> Client:
        app.test_client_class = Client
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return client

    return make


@pytest.fixture
def owner(make_user):
    return make_user(Role.COACH, email=OWNER, name="Cora Coach")


def _login(client, password: str, email: str = OWNER) -> int:
    return client.post("/login", data={"email": email, "password": password}).status_code


@pytest.fixture
def checks(monkeypatch):
    """How many passwords were actually verified."""
    calls = []
    real = auth_services.verify_password

    def counting(password_hash, password):
        calls.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(auth_services, "verify_password", counting)
    return calls


def test_an_attempt_is_counted_before_the_password_is_checked(app, owner, browser, checks):
    app.config["LOGIN_LIMIT_ACCOUNT"] = "3 per 15 minutes"
    attacker = browser("198.51.100.7")
    assert [_login(attacker, "fout") for _ in range(5)] == [422, 422, 422, 429, 429]
    assert len(checks) == 3  # the refused attempts never reached the password


def test_strangers_elsewhere_cannot_lock_the_owner_out(app, owner, browser):
    app.config["LOGIN_LIMIT_ACCOUNT"] = "3 per 15 minutes"
    attacker = browser("198.51.100.7")
    for _ in range(10):
        _login(attacker, "fout")
    assert _login(attacker, PASSWORD) == 429  # that client is out
    assert _login(browser("203.0.113.5"), PASSWORD) == 303  # the owner, elsewhere, is not


def test_the_owners_device_keeps_its_own_allowance_behind_the_same_address(app, owner, browser):
    app.config.update(LOGIN_LIMIT_ACCOUNT="3 per 15 minutes", LOGIN_LIMIT_ADDRESS="5 per 15 minutes")
    laptop = browser("192.0.2.10")
    assert _login(laptop, PASSWORD) == 303
    cookie = laptop.get_cookie(DEVICE_COOKIE, path="/login")
    assert cookie is not None and cookie.http_only and OWNER not in cookie.value
    laptop.post("/logout")

    office_neighbour = browser("192.0.2.10")  # the same address, no device cookie
    for _ in range(10):
        _login(office_neighbour, "fout")
    assert _login(office_neighbour, PASSWORD) == 429
    assert _login(laptop, PASSWORD) == 303


def test_a_device_has_an_allowance_of_its_own_too(app, owner, browser, checks):
    app.config["LOGIN_LIMIT_ACCOUNT"] = "3 per 15 minutes"
    laptop = browser("192.0.2.10")
    assert _login(laptop, PASSWORD) == 303
    laptop.post("/logout")
    checks.clear()
    assert [_login(laptop, "fout") for _ in range(4)] == [422, 422, 422, 429]
    assert len(checks) == 3


def test_a_device_cookie_is_trusted_only_for_its_accounts(app, owner, make_user, browser):
    app.config["LOGIN_LIMIT_ACCOUNT"] = "2 per 15 minutes"
    make_user(Role.COACH, email="other@example.org")
    laptop = browser("192.0.2.10")
    assert _login(laptop, PASSWORD, "other@example.org") == 303
    laptop.post("/logout")
    stranger = browser("192.0.2.10")
    for _ in range(3):
        _login(stranger, "fout")
    assert _login(laptop, PASSWORD) == 429  # trusted for the other account, not for this one


def test_a_forged_device_cookie_counts_as_none(app, owner, browser):
    app.config["LOGIN_LIMIT_ACCOUNT"] = "2 per 15 minutes"
    attacker = browser("198.51.100.7")
    for _ in range(3):
        _login(attacker, "fout")
    attacker.set_cookie(DEVICE_COOKIE, "eyJuIjoieCIsImEiOltdfQ.forged.signature", path="/login")
    assert _login(attacker, PASSWORD) == 429


def test_many_clients_together_meet_the_looser_limit_per_account(app, owner, browser):
    app.config.update(LOGIN_LIMIT_ACCOUNT="2 per 15 minutes", LOGIN_LIMIT_UNTRUSTED="5 per 15 minutes")
    laptop = browser("192.0.2.10")
    assert _login(laptop, PASSWORD) == 303
    laptop.post("/logout")
    statuses = [_login(browser(f"198.51.100.{i}"), "fout") for i in range(1, 5) for _ in range(2)]
    assert statuses == [422] * 5 + [429] * 3  # five checked from anywhere, then no more
    assert _login(browser("203.0.113.5"), PASSWORD) == 429  # a new client, without a device cookie
    assert _login(laptop, PASSWORD) == 303  # the owner's device


def test_a_successful_login_uses_up_no_allowance(app, make_user, browser):
    app.config.update(LOGIN_LIMIT_ADDRESS="3 per 15 minutes", LOGIN_LIMIT_UNTRUSTED="3 per 15 minutes")
    emails = [make_user(Role.COACH).email for _ in range(5)]
    office = browser("192.0.2.50")
    for email in emails:  # a training day: everyone logs in from the venue's network
        assert _login(office, PASSWORD, email) == 303
        office.post("/logout")
        office.delete_cookie(DEVICE_COOKIE, path="/login")
