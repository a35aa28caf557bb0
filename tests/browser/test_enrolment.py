"""Enrol, the waitlist, an offer accepted after a cancellation, and the staff roster, in a browser."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from lms.auth.models import Role
from lms.extensions import db
from tests.factories import PASSWORD


def login(page, email):
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")


def logout(page):
    page.get_by_role("button", name="Uitloggen").click()


def test_enrol_waitlist_and_offer_after_cancellation(page, make_cohort, make_user, now, mailbox):
    cohort = make_cohort(title="Achterhoek voorjaar 2027", capacity=1, enrol_opens_at=now - timedelta(days=5))
    make_user(Role.COACH, name="Anna Eerste", email="anna@example.org")
    make_user(Role.COACH, name="Bram Tweede", email="bram@example.org")

    login(page, "anna@example.org")
    page.get_by_role("link", name="Trainingen").click()
    page.get_by_role("link", name="Achterhoek voorjaar 2027").first.click()
    page.get_by_role("button", name="Inschrijven").click()
    expect(page.locator("#enrol-panel")).to_contain_text("Je bent ingeschreven voor deze groep.")
    expect(page.locator(".flash-success")).to_contain_text("Je bent ingeschreven voor Achterhoek voorjaar 2027")
    mailbox.wait_for("anna@example.org")
    logout(page)

    login(page, "bram@example.org")
    page.goto(f"/trainings/{cohort.id}")
    expect(page.locator(".enrol-box")).to_contain_text("Vol: wachtlijst")
    page.get_by_role("button", name="Op de wachtlijst").click()
    expect(page.locator("#enrol-panel")).to_contain_text("Je staat op de wachtlijst: plaats 1.")
    logout(page)

    login(page, "anna@example.org")
    page.goto(f"/trainings/{cohort.id}")
    page.get_by_role("link", name="Mijn inschrijving annuleren").click()
    page.get_by_role("button", name="Ja, annuleer mijn inschrijving").click()
    expect(page.locator(".flash-success")).to_contain_text("Je inschrijving is geannuleerd.")
    logout(page)

    [offer] = [m for m in mailbox.wait_for("bram@example.org", count=2) if "plaats vrij" in m["Subject"]]
    login(page, "bram@example.org")
    panel = page.locator("#panel-enrolments")
    expect(panel).to_contain_text("Er is een plaats vrij voor je!")
    panel.get_by_role("button", name="Plaats accepteren").click()
    expect(page.locator(".flash-success")).to_contain_text("Je hebt de plaats geaccepteerd")
    expect(page.locator("#panel-enrolments")).to_contain_text("Ingeschreven")


def test_staff_roster(page, make_cohort, make_user, now):
    staff = make_user(Role.STAFF, name="Stella Staf", email="stella@example.org")
    cohort = make_cohort(title="Utrecht voorjaar 2027", capacity=1, enrol_opens_at=now - timedelta(days=5))
    cohort.programme.requires_approval = True
    db.session.commit()
    pending = make_user(Role.COACH, name="Piet Wachtend", email="piet@example.org")
    make_user(Role.COACH, name="Karin Toegevoegd", email="karin@example.org")
    from lms.enrolment.services import enrol

    enrol(pending, cohort, now)
    db.session.commit()

    login(page, staff.email)
    page.goto(f"/staff/cohorts/{cohort.id}")
    roster = page.locator("#roster")
    expect(roster).to_contain_text("Wacht op goedkeuring (1)")
    roster.get_by_role("button", name=re.compile(r"Goedkeuren\W+Piet Wachtend")).click()
    expect(page.locator("#roster")).to_contain_text("Ingeschreven (1)")
    expect(page.locator(".flash-success")).to_contain_text("De inschrijving is goedgekeurd.")

    # Add a coach by searching; the group is full, so staff must confirm overbooking.
    # The approval swapped the roster in: type once htmx has settled it and listens to the new field.
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    page.get_by_label("Zoek een coach op naam of e-mailadres").press_sequentially("kar", delay=50)
    page.locator("#coach-results").get_by_role("button", name=re.compile(r"Toevoegen\W+Karin Toegevoegd")).click()
    expect(page.locator("#roster")).to_contain_text("Utrecht voorjaar 2027 is vol")
    page.get_by_role("button", name="Ja, boven de capaciteit plaatsen").click()
    expect(page.locator("#roster")).to_contain_text("Ingeschreven (2)")
    expect(page.locator("#roster")).to_contain_text("boven capaciteit")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download als CSV").click()
    content = open(download.value.path(), encoding="utf-8-sig").read()
    assert "Karin Toegevoegd" in content and "Piet Wachtend" in content
