"""The second login step: set-up with a QR code, codes that work once, recovery codes, the admin's reset,
and the roles that must use it."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest

from lms.audit.models import AuditEvent
from lms.auth.models import RecoveryCode, Role
from lms.auth.twofactor import enable
from lms.config import Config
from lms.extensions import db
from tests.conftest import Client
from tests.factories import PASSWORD
from tests.mailbox import text_of

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def make_client(app):
    app.test_client_class = Client
    return app.test_client


@pytest.fixture
def with_factor(make_user, now):
    """A user whose second factor is set up; returns (user, recovery codes)."""

    def make(*roles: Role, **fields):
        user = make_user(*roles, **fields)
        codes = enable(user, SECRET, pyotp.TOTP(SECRET).at(now - timedelta(seconds=30)), now - timedelta(seconds=30))
        db.session.commit()
        return user, codes

    return make


def _code(now, seconds: int = 0) -> str:
    return pyotp.TOTP(SECRET).at(now + timedelta(seconds=seconds))


def _password(client, email: str, **extra):
    return client.post("/login", data={"email": email, "password": PASSWORD, **extra})


def _events(action: str) -> list[AuditEvent]:
    return db.session.query(AuditEvent).filter_by(action=action).all()


def test_set_up_with_the_qr_code_and_log_in_with_a_code(client, auth, make_user, now):
    user = make_user(Role.COACH, email="cora@example.org")
    auth.login(user)
    page = client.get("/profile/two-factor/setup").get_data(as_text=True)
    assert '<svg' in page and 'class="qr-code"' in page and "<img" not in page
    secret = re.search(r'id="totp-secret">([A-Z2-7]{32})<', page).group(1)
    assert client.post("/profile/two-factor/setup", data={"code": "000000"}).status_code == 422
    response = client.post("/profile/two-factor/setup", data={"code": pyotp.TOTP(secret).at(now)})
    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    db.session.refresh(user)
    assert user.has_two_factor and user.totp_secret == secret
    assert client.get("/profile").status_code == 200  # this session goes on
    assert [e.params for e in _events("account.two_factor_enabled")] == [{"name": user.name}]
    # Only hashes are kept.
    assert all(code.replace("-", "") not in row.code_hash for row in db.session.query(RecoveryCode) for code in codes)


def test_login_asks_for_the_code_after_the_password(app, make_client, with_factor, now):
    user, _codes = with_factor(Role.STAFF, email="stella@example.org")
    client = make_client()
    response = _password(client, "stella@example.org", next="/profile")
    assert response.status_code == 303 and response.headers["Location"] == "/login/code"
    assert client.get("/profile").status_code == 303  # not logged in yet
    assert client.post("/login/code", data={"code": "123456"}).status_code == 422
    response = client.post("/login/code", data={"code": _code(now)})
    assert response.status_code == 303 and response.headers["Location"] == "/profile"
    assert client.get("/profile").status_code == 200
    assert client.get_cookie("lms_device", path="/login") is not None


def test_a_code_works_once(make_client, with_factor, now):
    with_factor(Role.STAFF, email="stella@example.org")
    first, second = make_client(), make_client()
    for c in (first, second):
        _password(c, "stella@example.org")
    assert first.post("/login/code", data={"code": _code(now)}).status_code == 303
    assert second.post("/login/code", data={"code": _code(now)}).status_code == 422  # seen: a replay
    assert second.post("/login/code", data={"code": _code(now, 30)}).status_code == 303  # the next one is fine


def test_a_recovery_code_works_once_and_is_audited(make_client, with_factor):
    user, codes = with_factor(Role.STAFF, email="stella@example.org")
    client = make_client()
    _password(client, "stella@example.org")
    assert client.post("/login/code", data={"code": codes[0].upper()}).status_code == 303
    assert [e.params for e in _events("account.recovery_code_used")] == [{"name": user.name, "left": 9}]
    client.post("/logout")
    _password(client, "stella@example.org")
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 422
    assert client.post("/login/code", data={"code": codes[1].replace("-", " ")}).status_code == 303


def test_code_attempts_are_limited(app, make_client, with_factor, now):
    app.config["TWO_FACTOR_LIMIT"] = "2 per 5 minutes"
    with_factor(Role.STAFF, email="stella@example.org")
    client = make_client()
    _password(client, "stella@example.org")
    for _ in range(2):
        assert client.post("/login/code", data={"code": "000000"}).status_code == 422
    assert client.post("/login/code", data={"code": _code(now)}).status_code == 429


def test_the_code_step_expires(make_client, with_factor, clock, now):
    with_factor(Role.STAFF, email="stella@example.org")
    client = make_client()
    _password(client, "stella@example.org")
    clock.set(now + timedelta(minutes=11))
    response = client.post("/login/code", data={"code": _code(now, 660)})
    assert response.status_code == 303 and response.headers["Location"] == "/login"


def test_an_admin_reset_ends_the_factor_every_session_and_remember_me(app, make_client, with_factor, users, mailbox):
    user, _codes = with_factor(Role.STAFF, email="stella@example.org")
    laptop = make_client()
    laptop.login_session(user)
    remembered = make_client()
    _password(remembered, "stella@example.org", remember="y")
    remembered.post("/login/code", data={"code": _code(app.extensions["clock"].now())})
    assert remembered.get_cookie("remember_token") is not None
    remembered.delete_cookie("session")  # only the "stay logged in" cookie is left
    assert remembered.get("/profile").status_code == 200

    admin = make_client()
    admin.login_session(users["admin"])
    assert f'action="/admin/users/{user.id}/two-factor/reset"' in admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    response = admin.post(f"/admin/users/{user.id}/two-factor/reset")
    assert response.status_code == 303
    db.session.refresh(user)
    assert not user.has_two_factor and db.session.query(RecoveryCode).filter_by(user_id=user.id).count() == 0
    assert laptop.get("/profile").status_code == 303
    remembered.delete_cookie("session")
    assert remembered.get("/profile").status_code == 303
    [event] = _events("account.two_factor_reset")
    assert event.actor_id == users["admin"].id and event.object_id == user.id
    [mail] = mailbox.wait_for("stella@example.org")
    assert "/login" in text_of(mail)
    # Nothing to reset the second time: refused, nothing changes.
    assert admin.post(f"/admin/users/{user.id}/two-factor/reset").status_code == 303
    assert len(_events("account.two_factor_reset")) == 1


def test_roles_named_in_the_setting_must_set_it_up_to_log_in(app, make_client, make_user, now):
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = ("staff", "admin")
    staff = make_user(Role.STAFF, email="stella@example.org")
    make_user(Role.COACH, email="cora@example.org")
    coach_client = make_client()
    assert _password(coach_client, "cora@example.org").headers["Location"] == "/"  # a coach: password alone

    client = make_client()
    response = _password(client, "stella@example.org")
    assert response.headers["Location"] == "/login/two-factor"
    assert client.get("/profile").status_code == 303  # not logged in
    page = client.get("/login/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]{32})<', page).group(1)
    response = client.post("/login/two-factor", data={"code": pyotp.TOTP(secret).at(now)})
    assert response.status_code == 200 and len(re.findall(r"<code>[a-z2-9]{5}-[a-z2-9]{5}</code>",
                                                          response.get_data(as_text=True))) == 10
    assert client.get("/profile").status_code == 200
    db.session.refresh(staff)
    assert staff.has_two_factor
    # The role keeps it: it cannot be switched off.
    response = client.post("/profile/two-factor/disable", data={"current_password": PASSWORD})
    assert response.status_code == 422
    db.session.refresh(staff)
    assert staff.has_two_factor


def test_a_session_without_the_required_factor_goes_to_the_set_up(app, make_client, users):
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = ("staff",)
    client = make_client()
    client.login_session(users["staff"])
    response = client.get("/staff/cohorts")
    assert response.status_code == 303 and response.headers["Location"] == "/profile/two-factor/setup"
    assert client.get("/profile/two-factor/setup").status_code == 200


def test_anyone_may_switch_it_on_and_off(client, auth, with_factor):
    user, _codes = with_factor(Role.COACH, email="cora@example.org")
    auth.login(user)
    assert client.post("/profile/two-factor/disable", data={"current_password": "fout"}).status_code == 422
    assert client.post("/profile/two-factor/disable", data={"current_password": PASSWORD}).status_code == 303
    db.session.refresh(user)
    assert not user.has_two_factor
    assert len(_events("account.two_factor_disabled")) == 1


def test_new_recovery_codes_replace_the_old_ones(client, auth, with_factor):
    user, old = with_factor(Role.COACH, email="cora@example.org")
    auth.login(user)
    response = client.post("/profile/two-factor/recovery-codes", data={"current_password": PASSWORD})
    new = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert db.session.query(RecoveryCode).filter_by(user_id=user.id).count() == 10


def test_the_setting_is_empty_in_development_and_names_staff_roles_in_production(monkeypatch):
    monkeypatch.delenv("TWO_FACTOR_REQUIRED_ROLES", raising=False)
    monkeypatch.setenv("LMS_ENV", "development")
    assert Config().TWO_FACTOR_REQUIRED_ROLES == ()
    monkeypatch.setenv("LMS_ENV", "production")
    assert Config().TWO_FACTOR_REQUIRED_ROLES == ("admin", "staff", "coordinator")
    monkeypatch.setenv("TWO_FACTOR_REQUIRED_ROLES", "admin, trainer")
    assert Config().TWO_FACTOR_REQUIRED_ROLES == ("admin", "trainer")
