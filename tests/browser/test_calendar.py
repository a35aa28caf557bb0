"""Make a calendar link, subscribe with it, replace it, follow a cohort: in a real browser."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from lms.auth.models import Role
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from tests.factories import PASSWORD


def login(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")


def test_coach_makes_and_replaces_a_calendar_link(page, make_user, make_cohort):
    coach = make_user(Role.COACH, email="cora@example.org", name="Cora Coach")
    cohort = make_cohort(first=date(2027, 3, 16), title="Groep Achterhoek")
    db.session.add(Enrolment(cohort=cohort, user=coach, programme_id=cohort.programme_id,
                             status=EnrolmentStatus.ENROLLED))
    db.session.commit()

    login(page, "cora@example.org")
    page.get_by_role("link", name="Agenda", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agenda")
    expect(page.locator("#calendar-upcoming")).to_contain_text("Groep Achterhoek")
    page.get_by_role("button", name="Maak mijn agendalink").click()

    link = page.get_by_label("Link voor Google Agenda en Outlook op het web")
    expect(page.locator(".calendar-new-link")).to_contain_text("maar één keer")
    https = link.input_value()
    webcal = page.get_by_role("button", name="Abonneren in mijn agenda-app").get_attribute("href")
    assert https.endswith(".ics") and webcal == "webcal://" + https.split("://", 1)[1]
    feed = page.request.get(https)
    assert feed.status == 200 and feed.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "Groep Achterhoek" in feed.text()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Nieuwe link maken").click()
    expect(page.locator(".flash-success")).to_contain_text("De oude link werkt niet meer")
    new = page.get_by_label("Link voor Google Agenda en Outlook op het web").input_value()
    assert new != https
    assert page.request.get(https).status == 404
    assert page.request.get(new).status == 200

    page.reload()
    expect(page.locator("#calendar-subscription")).to_contain_text("kunnen hem niet opnieuw tonen")
    expect(page.locator("#calendar-subscription input[readonly]")).to_have_count(0)


def test_staff_stops_following_a_cohort_from_the_calendar_page(page, make_user, make_cohort):
    staff = make_user(Role.STAFF, email="stella@example.org", name="Stella Staf")
    cohort = make_cohort(title="Groep Rivierenland")
    cohort.followers.append(staff)
    db.session.commit()

    login(page, "stella@example.org")
    page.goto("/calendar")
    button = page.locator(f"#follow-{cohort.id}")
    expect(button).to_contain_text("In je agenda")
    button.get_by_role("button", name="Niet meer volgen").click()
    expect(page.locator(f"#follow-{cohort.id}")).to_contain_text("Volgen in mijn agenda")
    expect(page.locator(".flash")).to_contain_text("Je volgt Groep Rivierenland niet meer")
    page.locator(f"#follow-{cohort.id}").get_by_role("button", name="Volgen in mijn agenda").click()
    expect(page.locator(f"#follow-{cohort.id}")).to_contain_text("In je agenda")
