"""The catalogue's filters in the browser: region-wide groups under a municipality, and a region change resets the municipality."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_filters_keep_region_wide_groups_and_reset_the_municipality(page, make_region, make_cohort):
    utrecht = make_region("Utrecht", ("Amersfoort", "Utrecht"))
    haaglanden = make_region("Haaglanden", ("Delft", "Den Haag"))
    city = next(m for m in utrecht.municipalities if m.name == "Utrecht")
    make_cohort(title="Utrecht voor de hele regio", region=utrecht)
    make_cohort(title="Stad Utrecht najaar", region=utrecht, municipality=city)
    make_cohort(title="Haaglanden voor de hele regio", region=haaglanden)
    cards = page.locator(".cohort-card h2")

    page.goto("/trainings")
    page.get_by_label("Regio").select_option(label="Utrecht")
    expect(page).to_have_url(re.compile(rf"/trainings\?region={utrecht.id}&month=$"))  # the disabled field is not sent
    page.get_by_label("Gemeente").select_option(label="Utrecht")
    expect(page).to_have_url(re.compile(rf"region={utrecht.id}&municipality={city.id}\b"))
    expect(cards).to_have_text(["Utrecht voor de hele regio", "Stad Utrecht najaar"])

    # Another region: the old municipality is dropped from the page and from the address.
    page.get_by_label("Regio").select_option(label="Haaglanden")
    expect(page).to_have_url(re.compile(rf"/trainings\?region={haaglanden.id}&month=$"))
    expect(page.get_by_label("Gemeente")).to_have_value("")
    expect(cards).to_have_text(["Haaglanden voor de hele regio"])

    # Every state is an address: opening it again shows the same.
    page.goto(f"/trainings?region={utrecht.id}&municipality={city.id}")
    expect(page.get_by_label("Gemeente")).to_have_value(str(city.id))
    expect(cards).to_have_text(["Utrecht voor de hele regio", "Stad Utrecht najaar"])


def test_filters_work_without_javascript(browser, live_server, make_region, make_cohort):
    utrecht = make_region("Utrecht", ("Amersfoort", "Utrecht"))
    haaglanden = make_region("Haaglanden", ("Delft", "Den Haag"))
    city = next(m for m in utrecht.municipalities if m.name == "Utrecht")
    make_cohort(title="Stad Utrecht najaar", region=utrecht, municipality=city)
    make_cohort(title="Haaglanden voor de hele regio", region=haaglanden)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"/trainings?region={utrecht.id}&municipality={city.id}")
        page.get_by_label("Regio").select_option(label="Haaglanden")
        page.get_by_role("button", name="Filteren").click()
        expect(page).to_have_url(re.compile(rf"/trainings\?region={haaglanden.id}&month=$"))
        expect(page.get_by_label("Gemeente")).to_have_value("")
        expect(page.locator(".cohort-card h2")).to_have_text(["Haaglanden voor de hele regio"])
    finally:
        context.close()
