"""The second login step in a real browser: set it up with the QR code's key, then log in with a code."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from playwright.sync_api import expect

from lms.auth.models import Role
from tests.factories import PASSWORD


def _password(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


def test_set_up_at_the_first_login_then_log_in_with_a_code(page, app, make_user, now):
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = ("staff",)
    make_user(Role.STAFF, email="stella@example.org", name="Stella Staf")
    _password(page, "stella@example.org")

    expect(page).to_have_url(f"{app.config['BASE_URL']}/login/two-factor")
    expect(page.locator("svg.qr-code")).to_be_visible()
    page.locator("details summary").click()
    secret = page.locator("#totp-secret").inner_text().strip()
    page.locator("#code").fill(pyotp.TOTP(secret).at(now))
    page.locator("#main form button[type=submit]").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.locator("#main a[role=button]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Stella Staf")

    page.get_by_role("button", name="Uitloggen").click()
    _password(page, "stella@example.org")
    expect(page).to_have_url(f"{app.config['BASE_URL']}/login/code")
    page.locator("#code").fill("000000")
    page.locator("#main form button[type=submit]").click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.locator("#code").fill(pyotp.TOTP(secret).at(now + timedelta(seconds=30)))  # the set-up used this step's
    page.locator("#main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Stella Staf")
