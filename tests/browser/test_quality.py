"""Every page of every role in Chromium: accessible (axe-core, WCAG 2.2 A/AA) and usable on a phone."""

from __future__ import annotations

import pytest

from tests.access import ROLES
from tests.browser.conftest import CHROMIUM  # noqa: F401 - the browser fixtures live there
from tests.quality.crawl import AXE_JS, pages, session_cookie
from tests.world import world  # noqa: F401 - the shared world fixture

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _context(browser, live_server, app, world, role, viewport=None):  # noqa: F811
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", timezone_id="Europe/Amsterdam",
                                  bypass_csp=True, viewport=viewport or DESKTOP)
    cookie = session_cookie(app, world, role)
    if cookie:
        context.add_cookies([{"name": "session", "value": cookie, "url": live_server.url}])
    # axe-core comes with every page the context opens: sent to Chromium once, not once per page.
    context.add_init_script(path=str(AXE_JS))
    return context


def _html_pages(page, app, world, role):  # noqa: F811
    """Open every full HTML page of the role (the crawl through the test client says which)."""
    for found in pages(app, world, [role]):
        if found.html.lstrip().lower().startswith("<!doctype"):
            response = page.goto(found.path)
            if response and response.status == 200:
                yield found.endpoint, found.path


def _axe_problems(page, role, endpoint, path) -> list[str]:
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
                           "resultTypes: ['violations']})", AXE_TAGS)
    problems = []
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [", ".join(n["target"]) for n in violation["nodes"][:3]]
            problems.append(f"{role} {path} ({endpoint}): {violation['id']} ({violation['impact']}): "
                            f"{violation['help']} at {targets}")
    return problems


def _too_wide(page, role, endpoint, path) -> list[str]:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        return [f"{role} {path} ({endpoint}): {width[0]} px wide on a {width[1]} px screen"]
    return []


@pytest.mark.parametrize("role", ROLES)
def test_every_page_is_accessible_and_fits_a_phone(browser, live_server, app, world, role):  # noqa: F811
    """Each page once: axe-core at desktop width, then the same page narrowed to a phone's width."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing; `make test` installs it (npm ci in tests/tools).")
    context = _context(browser, live_server, app, world, role)
    page = context.new_page()
    problems, wide = [], []
    try:
        for endpoint, path in _html_pages(page, app, world, role):
            problems += _axe_problems(page, role, endpoint, path)
            page.set_viewport_size(PHONE)
            wide += _too_wide(page, role, endpoint, path)
            page.set_viewport_size(DESKTOP)
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
    assert wide == [], "\n".join(wide)
