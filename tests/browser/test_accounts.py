"""Register, log in, switch language, reset a forgotten password: in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from lms.auth.models import Role
from tests.factories import PASSWORD
from tests.mailbox import text_of


def test_register_confirm_the_address_then_log_in(page, region, mailbox):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.get_by_role("button", name="Account aanmaken").first.click()
    page.get_by_label("Volledige naam").fill("Sanne Bakker")
    page.get_by_label("E-mailadres").fill("sanne@example.org")
    page.get_by_label("Wachtwoord", exact=True).fill("Paars-Fietsje-Op-De-Dijk")
    page.get_by_label("Herhaal wachtwoord").fill("Paars-Fietsje-Op-De-Dijk")
    page.get_by_label("Regio").select_option(label="Achterhoek")
    # htmx narrows the municipality list to the chosen region: the grouped list becomes a flat one.
    expect(page.locator("#municipality_id optgroup")).to_have_count(0)
    expect(page.locator("#municipality_id option", has_text="Winterswijk")).to_have_count(1)
    page.get_by_label("Gemeente").select_option(label="Winterswijk")
    page.locator("#main").get_by_role("button", name="Account aanmaken").click()
    # "Check your inbox": the same answer as for an address that already has an account.
    expect(page.locator(".flash-info")).to_contain_text("sanne@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")

    page.get_by_label("E-mailadres").fill("sanne@example.org")
    page.get_by_label("Wachtwoord").fill("Paars-Fietsje-Op-De-Dijk")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Sanne Bakker")
    expect(page.locator("#unconfirmed-address")).to_be_visible()

    [mail] = mailbox.wait_for("sanne@example.org")
    link = re.search(r"https?://\S+/account/confirm/\S+", text_of(mail)).group(0)
    page.goto(link)
    page.locator("#main article form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("sanne@example.org")
    expect(page.locator("#unconfirmed-address")).to_have_count(0)

    page.get_by_role("button", name="Uitloggen").click()
    expect(page.locator(".flash")).to_contain_text("Je bent uitgelogd")


def test_register_shows_errors_at_the_fields_and_keeps_input(page, region):
    page.goto("/register")
    page.get_by_label("Volledige naam").fill("Sanne Bakker")
    page.get_by_label("E-mailadres").fill("sanne@example.org")
    page.get_by_label("Wachtwoord", exact=True).fill("password")
    page.get_by_label("Herhaal wachtwoord").fill("password")
    page.locator("#main").get_by_role("button", name="Account aanmaken").click()
    expect(page.locator("#password-error")).to_contain_text("te vaak gebruikt")
    expect(page.get_by_label("Volledige naam")).to_have_value("Sanne Bakker")
    expect(page.get_by_label("Wachtwoord", exact=True)).to_have_attribute("aria-invalid", "true")


def test_wrong_password_then_right_one(page, make_user):
    make_user(Role.COACH, email="cora@example.org", name="Cora Coach")
    page.goto("/login")
    page.get_by_label("E-mailadres").fill("cora@example.org")
    page.get_by_label("Wachtwoord").fill("niet-goed")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("alert")).to_contain_text("onjuist")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Cora Coach")


def test_language_switch(page, make_user):
    page.goto("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Nederlands").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")


def test_password_reset_through_the_received_mail(page, make_user, mailbox):
    make_user(Role.COACH, email="cora@example.org", name="Cora Coach")
    page.goto("/login")
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    page.get_by_label("E-mailadres").fill("cora@example.org")
    page.get_by_role("button", name="Link versturen").click()
    expect(page.locator(".flash")).to_contain_text("Als er een account bestaat")

    [mail] = mailbox.wait_for("cora@example.org")
    link = re.search(r"https?://\S+/password/reset/\S+", text_of(mail)).group(0)
    page.goto(link)
    page.get_by_label("Nieuw wachtwoord", exact=True).fill("Nieuw-Fietspad-2027")
    page.get_by_label("Herhaal nieuw wachtwoord").fill("Nieuw-Fietspad-2027")
    page.get_by_role("button", name="Nieuw wachtwoord opslaan").click()
    expect(page.locator(".flash-success")).to_contain_text("Je wachtwoord is gewijzigd")

    page.get_by_label("E-mailadres").fill("cora@example.org")
    page.get_by_label("Wachtwoord").fill("Nieuw-Fietspad-2027")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Cora Coach")

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Deze link is niet meer geldig")
