"""Seat counters elsewhere on the page follow an htmx action at once (out-of-band swaps), without a reload."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from lms.auth.models import Role
from lms.extensions import db
from tests.browser.test_enrolment import login
from tests.factories import add_enrolment


def _mark(page) -> None:
    page.evaluate("window.__notReloaded = true")


def _not_reloaded(page) -> None:
    assert page.evaluate("window.__notReloaded === true"), "the page was loaded again"


def test_seats_left_follow_the_coachs_enrolment(page, make_cohort, make_user, now):
    cohort = make_cohort(title="Achterhoek najaar 2027", capacity=3, enrol_opens_at=now - timedelta(days=5))
    add_enrolment(cohort, make_user(Role.COACH))
    db.session.commit()
    coach = make_user(Role.COACH, name="Anna Eerste", email="anna@example.org")

    login(page, coach.email)
    page.goto(f"/trainings/{cohort.id}")
    seats = page.locator("#cohort-seats")
    expect(seats).to_have_text("2 plaatsen vrij")
    _mark(page)
    page.get_by_role("button", name="Inschrijven").click()
    expect(page.locator("#enrol-panel")).to_contain_text("Je bent ingeschreven voor deze groep.")
    expect(seats).to_have_text("1 plaats vrij")
    _not_reloaded(page)


def test_staff_header_follows_a_coach_added_on_the_roster(page, make_cohort, make_user, now):
    staff = make_user(Role.STAFF, email="stella@example.org")
    cohort = make_cohort(title="Utrecht voorjaar 2027", capacity=3, enrol_opens_at=now - timedelta(days=5))
    add_enrolment(cohort, make_user(Role.COACH))
    db.session.commit()
    make_user(Role.COACH, name="Karin Toegevoegd", email="karin@example.org")

    login(page, staff.email)
    page.goto(f"/staff/cohorts/{cohort.id}")
    header = page.locator("#cohort-seats-stat")
    expect(header).to_contain_text("1 / 3")
    expect(header).to_contain_text("2 plaatsen vrij")
    _mark(page)
    page.get_by_label("Zoek een coach op naam of e-mailadres").fill("kar")
    page.locator("#coach-results").get_by_role("button", name=re.compile(r"Toevoegen\W+Karin Toegevoegd")).click()
    expect(page.locator("#roster")).to_contain_text("Karin Toegevoegd")
    expect(header).to_contain_text("2 / 3")
    expect(header).to_contain_text("1 plaats vrij")
    _not_reloaded(page)
