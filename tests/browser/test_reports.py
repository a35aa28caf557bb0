"""Reports in a real browser: filtering without a reload, the URL keeping the filters, downloading."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from lms.auth.models import Role
from tests.factories import PASSWORD
from tests.reports.conftest import dataset  # noqa: F401 - the hand-built figures


def _login(page, user):
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(user.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")


def region_row(page, name):
    return page.locator("#region-table tbody tr", has=page.locator("th", has_text=name))


def test_filtering_updates_the_page_and_the_url_then_download(page, make_user, dataset, tmp_path):  # noqa: F811
    staff = make_user(Role.STAFF, name="Stella Staf", region=None)
    _login(page, staff)
    page.get_by_role("link", name="Rapportages", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapportages")
    expect(region_row(page, "Achterhoek").locator("td").first).to_have_text("8")
    expect(page.get_by_role("img", name="Van inschrijving tot certificaat")).to_be_visible()

    # Marks the document: a full page load would lose it.
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Regio", exact=True).select_option(label="Achterhoek")
    expect(page).to_have_url(re.compile(rf"region={dataset.region.id}"))
    expect(page.locator("#municipality-table")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("per gemeente in Achterhoek"))).to_be_visible()
    doetinchem = page.locator("#municipality-table tbody tr", has=page.locator("th", has_text="Doetinchem"))
    expect(doetinchem.locator("td").first).to_have_text("3")

    page.get_by_label("Groepen die starten vanaf").fill("2026-08-01")
    expect(page).to_have_url(re.compile(r"from_date=2026-08-01"))
    expect(region_row(page, "Achterhoek").locator("td").first).to_have_text("3")
    assert page.evaluate("window.__sameDocument") is True
    expect(page.get_by_label("Regio", exact=True)).to_have_value(str(dataset.region.id))

    # The URL alone rebuilds the same view.
    page.reload()
    expect(region_row(page, "Achterhoek").locator("td").first).to_have_text("3")
    expect(page.get_by_label("Groepen die starten vanaf")).to_have_value("2026-08-01")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV (Excel)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv") and "achterhoek-2026-08-01" in download.suggested_filename
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    body = Path(target).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("Regio;Achterhoek;Alle gemeenten;3;3;")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel-werkmap (.xlsx)").click()
    assert download_info.value.suggested_filename.endswith(".xlsx")

    # Drill down from the region's figures to the groups behind them.
    page.get_by_role("link", name="Groepen van Achterhoek").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Groepen achter de cijfers")
    expect(page.get_by_role("link", name="Groep B", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Groep A", exact=True)).to_have_count(0)  # started before the period


def test_without_javascript_the_filters_submit_as_a_get_form(browser, live_server, make_user, dataset):  # noqa: F811
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        staff = make_user(Role.STAFF, name="Stella Staf", region=None)
        _login(page, staff)
        page.goto("/reports/")
        page.get_by_label("Regio", exact=True).select_option(label="Rivierenland")
        page.get_by_role("button", name="Tonen").click()
        expect(page).to_have_url(re.compile(rf"region={dataset.other_region.id}"))
        tiel = page.locator("#municipality-table tbody tr", has=page.locator("th", has_text="Tiel"))
        expect(tiel.locator("td").first).to_have_text("1")
    finally:
        context.close()
