"""Staff design a programme, open a cohort, and the public catalogue shows it in Dutch local time."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from lms.auth.models import Role
from tests.factories import PASSWORD


def login(page, user):
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(user.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")


def add_planned_session(page, kind, title, day, start, minutes):
    page.get_by_text("Geplande bijeenkomst toevoegen").click()
    pattern = page.locator("#pattern")
    pattern.get_by_label("Soort").select_option(label=kind)
    pattern.get_by_label("Titel").fill(title)
    pattern.get_by_label("Dagen na de eerste bijeenkomst").fill(str(day))
    pattern.get_by_label("Begintijd").fill(start)
    pattern.get_by_label("Duur (minuten)").fill(str(minutes))
    pattern.get_by_role("button", name="Toevoegen aan patroon").click()
    expect(page.locator("#pattern")).to_contain_text(title)


def test_staff_schedule_a_cohort_that_appears_in_the_catalogue(page, make_user, region):
    staff = make_user(Role.STAFF, name="Stella Staf")
    make_user(Role.TRAINER, name="Tim Trainer")
    login(page, staff)

    page.get_by_role("link", name="Opleidingen").click()
    page.get_by_role("button", name="Nieuwe opleiding").click()
    page.get_by_label("Titel").fill("Basistraining welzijnscoach")
    page.get_by_label("Netto opleidingsuren").fill("10")
    page.get_by_role("button", name="Opleiding aanmaken").click()
    expect(page.locator(".flash-success")).to_contain_text("is aangemaakt")

    # Modules, reordered without a page reload.
    for title in ("Het eerste gesprek", "De rol van de welzijnscoach"):
        page.get_by_text("Module toevoegen", exact=True).first.click()
        page.locator("#modules").get_by_label("Titel van de module").fill(title)
        page.locator("#modules").get_by_role("button", name="Module toevoegen").click()
        expect(page.locator("#modules")).to_contain_text(title)
    page.get_by_role("button", name="Omhoog: De rol van de welzijnscoach").click()
    expect(page.locator("#modules li").first).to_contain_text("De rol van de welzijnscoach")

    add_planned_session(page, "Online", "Online dagdeel", 0, "09:00", 210)
    add_planned_session(page, "Fysiek", "Bijeenkomst 1", 14, "13:30", 210)
    add_planned_session(page, "Fysiek", "Bijeenkomst 2", 35, "13:30", 210)

    page.get_by_role("link", name="Een groep van deze opleiding openen").click()
    page.get_by_label("Datum van de eerste bijeenkomst").fill("2027-03-16")
    page.get_by_label("Naam van de groep").fill("Achterhoek voorjaar 2027")
    page.get_by_label("Regio").select_option(label="Achterhoek")
    page.get_by_label("Capaciteit (plaatsen)").fill("14")
    page.get_by_label("Adres van de fysieke bijeenkomsten (optioneel)").fill("Markt 1, Doetinchem")
    page.get_by_label("Videolink van de online bijeenkomst (optioneel)").fill("https://meet.example.org/achterhoek")
    page.get_by_label("Trainers").select_option(label="Tim Trainer")
    page.get_by_role("button", name="Groep aanmaken").click()
    expect(page.locator(".flash-success")).to_contain_text("is aangemaakt als concept")
    page.get_by_role("button", name="Open voor inschrijving").click()
    expect(page.locator("h1 .badge")).to_have_text("Open voor inschrijving")

    # The public catalogue, as a visitor who is not logged in.
    page.get_by_role("button", name="Uitloggen").click()
    page.get_by_role("link", name="Trainingen").click()
    card = page.locator(".cohort-card", has_text="Achterhoek voorjaar 2027")
    expect(card).to_contain_text("dinsdag 16 maart 2027, 09:00–12:30")
    # 30 March is after the change to summer time: still 13:30 local.
    expect(card).to_contain_text("dinsdag 30 maart 2027, 13:30–17:00")
    expect(card).to_contain_text("14 plaatsen vrij")
    expect(card).not_to_contain_text("meet.example.org")

    # Filter without a page reload; the filter lands in the URL.
    page.get_by_label("Regio").select_option(label="Achterhoek")
    expect(page).to_have_url(re.compile(rf"/trainings\?region={region.id}\b"))
    expect(page.locator(".cohort-card")).to_have_count(1)
    page.go_back()
    expect(page.get_by_label("Regio")).to_have_value("")
