"""The key pages on a phone (390x844) and a desktop (1280x900), as a person would see them.

Each page is saved to test-results/screenshots/ (to look at) and checked for what shows on
screen: the menu button on the phone with the links folded away until it is opened, nothing
wider than the screen, the first cohort of the catalogue above the fold and the roster's row
actions within a desktop screen.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from lms.auth.models import Role, User, UserRole
from lms.enrolment.models import EnrolmentStatus
from lms.extensions import db
from tests.browser.conftest import CHROMIUM  # noqa: F401 - the browser fixtures live there
from tests.factories import add_enrolment, password_hash
from tests.quality.crawl import session_cookie
from tests.world import world  # noqa: F401 - the shared world fixture

SHOTS_DIR = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# (role, name, path): the start page of each role and the pages people use most.
KEY_PAGES = [
    ("anonymous", "start", "/"),
    ("anonymous", "catalogue", "/trainings"),
    ("anonymous", "cohort", "/trainings/{cohort_id}"),
    ("coach", "start", "/"),
    ("coach", "catalogue", "/trainings"),
    ("coach", "learning", "/learn"),
    ("coach", "lesson", "/learn/lessons/{lesson_id}"),
    ("coach", "calendar", "/calendar"),
    ("coach", "certificate", "/certificates/{certificate_id}"),
    ("trainer", "start", "/"),
    ("trainer", "attendance", "/sessions/{session_id}/attendance"),
    ("trainer", "calendar", "/calendar"),
    ("staff", "start", "/"),
    ("staff", "cohort", "/staff/cohorts/{cohort_id}"),
    ("staff", "roster", "/staff/cohorts/{cohort_id}/roster"),
    ("staff", "dashboard", "/reports/"),
    ("coordinator", "start", "/"),
    ("coordinator", "dashboard", "/reports/"),
    ("admin", "start", "/"),
]

# Elements that stick out to the right of the screen, unless a box of their own scrolls them.
WIDER_THAN_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  // Is the element inside a box that clips or scrolls it? An absolutely positioned element
  // escapes every box up to the positioned one it hangs from.
  const boxed = el => {
    let position = getComputedStyle(el).position;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (position === "fixed") return false;
      if (position === "absolute" && style.position === "static" && style.transform === "none") continue;
      if (["auto", "scroll", "hidden", "clip"].includes(style.overflowX)) return true;
      position = style.position;
    }
    return false;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if ((box.width === 0 && box.height === 0) || box.right <= width + 1 || boxed(el)) continue;
    found.push(`${name(el)} reaches ${Math.round(box.right)} px`);
  }
  if (document.documentElement.scrollWidth > width && !found.length) {
    found.push(`the page is ${document.documentElement.scrollWidth} px wide`);
  }
  return found.slice(0, 5);
}"""


@pytest.fixture
def busy_world(world, clock):  # noqa: F811
    """The shared world with a cohort that has people in every state, during its first session."""
    cohort = world["cohort"]
    cohort.programme.description = (
        "De basistraining voor welzijnscoaches, met **verdieping** in gespreksvoering.\n\n"
        "- een online dagdeel\n- twee bijeenkomsten in de regio\n- online modules ernaast"
    )
    people = []
    for n, name in enumerate(["Anna de Vries-van den Berg", "Bram Jansen", "Chantal Bakker", "Daan Visser",
                              "Esra Yılmaz", "Fleur van Dijk"]):
        user = User(email=f"deelnemer{n}@example.org", name=name, password_hash=password_hash(),
                    region=world["region"], municipality=world["region"].municipalities[n % 3])
        user.role_grants = [UserRole(role=Role.COACH)]
        db.session.add(user)
        people.append(user)
    db.session.flush()
    for user, status in zip(people, [EnrolmentStatus.PENDING, EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED,
                                     EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED,
                                     EnrolmentStatus.WAITLISTED]):
        add_enrolment(cohort, user, status)
    db.session.commit()
    # Half an hour into the first session: the trainer can take attendance.
    clock.set(cohort.sessions[0].starts_at + timedelta(minutes=30))
    return world


def _context(browser, live_server, app, world, role, viewport, **options):  # noqa: F811
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", timezone_id="Europe/Amsterdam",
                                  viewport=viewport, **options)
    cookie = session_cookie(app, world, role)
    if cookie:
        context.add_cookies([{"name": "session", "value": cookie, "url": live_server.url}])
    return context


def _shoot(browser, live_server, app, world, viewport, check):  # noqa: F811
    """Open every key page at ``viewport``, save a screenshot and collect what ``check`` finds wrong."""
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    problems = []
    for role in dict.fromkeys(role for role, _name, _path in KEY_PAGES):
        context = _context(browser, live_server, app, world, role, viewport)
        page = context.new_page()
        try:
            for _role, name, path in (shot for shot in KEY_PAGES if shot[0] == role):
                url = path.format(**world)
                response = page.goto(url)
                assert response is not None and response.status == 200, f"{role} {url}: {response and response.status}"
                page.screenshot(path=str(SHOTS_DIR / f"{role}-{name}-{viewport['width']}.png"), full_page=True)
                problems += [f"{role} {name} ({url}): {problem}" for problem in check(page, name)]
                problems += [f"{role} {name} ({url}) is wider than the screen: {problem}"
                             for problem in page.evaluate(WIDER_THAN_SCREEN)]
        finally:
            context.close()
    return problems


def _visible(page, selector: str) -> bool:
    return page.locator(selector).first.is_visible()


def test_key_pages_on_a_phone(browser, live_server, app, busy_world):
    def check(page, name):
        if not _visible(page, ".nav-toggle"):
            yield "no menu button"
        if _visible(page, "#site-menu"):
            yield "the navigation shows before the menu is opened"
        if name == "catalogue":
            top = page.locator(".cohort-card").first.bounding_box()["y"]
            if top >= PHONE["height"]:
                yield f"the first cohort starts at {top:.0f} px, below the fold"

    problems = _shoot(browser, live_server, app, busy_world, PHONE, check)
    assert problems == [], "\n".join(problems)


def test_key_pages_on_a_desktop(browser, live_server, app, busy_world):
    def check(page, name):
        if _visible(page, ".nav-toggle"):
            yield "a menu button on a wide screen"
        if not _visible(page, "#site-menu .nav-links a"):
            yield "the navigation is hidden"
        if name == "roster":
            for wrap in page.locator("#roster .table-wrap").all():
                if wrap.evaluate("el => el.scrollWidth > el.clientWidth"):
                    yield "a roster table scrolls sideways"
            for button in page.locator("#roster .row-actions button").all():
                if button.bounding_box()["width"] > 160:
                    yield f"a row action is {button.bounding_box()['width']:.0f} px wide"

    problems = _shoot(browser, live_server, app, busy_world, DESKTOP, check)
    assert problems == [], "\n".join(problems)


def test_the_phone_menu_opens_and_closes_with_the_keyboard(browser, live_server, app, world):  # noqa: F811
    context = _context(browser, live_server, app, world, "coach", PHONE)
    page = context.new_page()
    try:
        page.goto("/")
        toggle = page.locator(".nav-toggle")
        assert toggle.get_attribute("aria-controls") == "site-menu"
        assert toggle.get_attribute("aria-expanded") == "false"
        assert not page.locator("#site-menu").is_visible()
        page.keyboard.press("Tab")  # the skip link
        page.keyboard.press("Tab")  # the platform's name
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.classList.contains('nav-toggle')")
        page.keyboard.press("Enter")
        assert toggle.get_attribute("aria-expanded") == "true"
        assert page.locator("#site-menu").get_by_role("link", name="Mijn certificaten", exact=True).is_visible()
        page.screenshot(path=str(SHOTS_DIR / "coach-menu-open-390.png"), full_page=True)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('#site-menu') !== null")
        page.keyboard.press("Escape")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert not page.locator("#site-menu").is_visible()
        assert page.evaluate("document.activeElement.classList.contains('nav-toggle')")
        page.keyboard.press(" ")
        assert page.locator("#site-menu").is_visible()
    finally:
        context.close()


def test_without_javascript_the_links_stay_in_view_on_a_phone(browser, live_server, app, world):  # noqa: F811
    context = _context(browser, live_server, app, world, "coach", PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/")
        assert not page.locator(".nav-toggle").is_visible()
        assert page.locator("#site-menu").get_by_role("link", name="Mijn certificaten", exact=True).is_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(SHOTS_DIR / "coach-start-nojs-390.png"), full_page=True)
    finally:
        context.close()
