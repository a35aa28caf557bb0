"""Live filters in a real browser: what is typed before the page has finished loading still counts."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from lms.auth.models import Role
from tests.factories import PASSWORD


def test_a_filter_typed_before_htmx_has_loaded_is_sent_once_it_has(page, make_user):
    """On a slow phone the search field is there before the script that listens to it: the
    text typed then filters the list as soon as the script is ready."""
    make_user(Role.ADMIN, email="ada@example.org", name="Ada Admin")
    make_user(Role.COACH, email="cora@example.org", name="Cora Coach")
    make_user(Role.COACH, email="bram@example.org", name="Bram Bakker")
    page.goto("/login")
    page.get_by_label("E-mailadres").fill("ada@example.org")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")

    held = []
    page.route("**/vendor/htmx-*.js", lambda route: held.append(route))  # the network holds the script back
    page.goto("/admin/users", wait_until="commit")
    field = page.get_by_label("Zoek op naam of e-mailadres")
    field.fill("bram")  # typed while htmx is still on its way: no listener yet
    expect(page.locator("#user-table")).to_contain_text("Cora Coach")
    for _ in range(100):  # the request for the script has been made and is waiting
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    held[0].continue_()
    expect(page.locator("#user-table")).not_to_contain_text("Cora Coach")
    expect(page.locator("#user-table")).to_contain_text("Bram Bakker")
    expect(page).to_have_url(re.compile(r"/admin/users\?q=bram"))  # the address says what the list shows
