"""A walk through the demo as every role: every page in the menu opens, in Dutch, without errors."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lms.demo import DEMO_PASSWORD, seed_demo


@pytest.fixture
def demo(app, now):
    seed_demo(now)


@pytest.mark.parametrize("email", [
    "coach@example.org", "trainer@example.org", "staff@example.org", "coordinator@example.org", "admin@example.org",
])
def test_every_menu_page_opens(page, live_server, demo, email):
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")
    links = page.locator("nav[aria-label='Hoofdmenu'] .nav-links a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) >= 3
    for href in hrefs + ["/profile", "/calendar"]:
        response = page.goto(href)
        assert response.status == 200, href
        expect(page.locator("html")).to_have_attribute("lang", "nl")
        expect(page.locator("main h1").first).to_be_visible()
        # Follow the first link inside the page too: lists lead to detail pages.
        inner = page.locator("main table a[href^='/'], main article h2 a[href^='/'], main article h3 a[href^='/']")
        targets = [inner.nth(i).get_attribute("href") for i in range(min(inner.count(), 10))]
        pages = [t for t in targets if not t.split("?")[0].endswith((".ics", ".pdf", ".csv", ".xlsx", ".txt"))]
        if pages:
            response = page.goto(pages[0])
            assert response.status == 200, f"{href} -> {pages[0]}"
