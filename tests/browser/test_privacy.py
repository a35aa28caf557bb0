"""A coach downloads their data and asks for their account to be removed, in a browser."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from lms.auth.models import Role
from tests.factories import PASSWORD


def test_coach_downloads_data_and_asks_for_erasure(page, make_user, mailbox):
    make_user(Role.COACH, name="Sanne Bakker", email="sanne@example.org", registration_number="778899")
    page.goto("/login")
    page.get_by_label("E-mailadres").fill("sanne@example.org")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")

    page.locator(".nav-user").get_by_role("link", name="Mijn gegevens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn gegevens")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download mijn gegevens").click()
    assert download.value.suggested_filename.startswith("welzijnscoach-gegevens-")
    data = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert data["account"]["name"] == "Sanne Bakker" and data["account"]["registration_number"] == "778899"

    page.get_by_role("button", name="Vragen om mijn account te verwijderen").click()
    page.get_by_role("button", name="Verstuur mijn verzoek").click()
    expect(page.locator("#confirm-error")).to_contain_text("Vink het vakje aan")
    page.get_by_label("Reden (niet verplicht)").fill("Ik stop als coach.")
    page.get_by_label("Ik begrijp dat mijn account wordt verwijderd").check()
    page.get_by_role("button", name="Verstuur mijn verzoek").click()
    expect(page.locator(".flash-success")).to_contain_text("Je verzoek is ontvangen")
    expect(page.locator("#privacy-erasure")).to_contain_text("Verzoek in behandeling")
    mailbox.wait_for("sanne@example.org")

    page.get_by_role("button", name="Mijn verzoek intrekken").click()
    expect(page.locator(".flash-success")).to_contain_text("Je verzoek is ingetrokken")
    expect(page.get_by_role("button", name="Vragen om mijn account te verwijderen")).to_be_visible()
