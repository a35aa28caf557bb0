"""The make-up picker: a trainer searches a coach of another group by name and registers them, with and
without JavaScript."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from lms.attendance.models import Attendance, AttendanceStatus
from lms.auth.models import Role
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.i18n import to_local
from tests.conftest import NOW
from tests.factories import PASSWORD


@pytest.fixture
def sessions(make_programme, make_cohort, make_user, other_region):
    programme = make_programme()
    trainer = make_user(Role.TRAINER, name="Tineke Trainer", email="tineke@example.org")
    cohort = make_cohort(programme, first=to_local(NOW - timedelta(days=40)).date(), trainers=[trainer],
                         title="Groep Achterhoek")
    elsewhere = make_cohort(programme, title="Groep Tiel", region=other_region)
    visitor = make_user(Role.COACH, name="Vera Bezoeker", region=other_region)
    since = cohort.starts_at - timedelta(days=60)
    db.session.add(Enrolment(cohort=elsewhere, user=visitor, programme_id=programme.id,
                             status=EnrolmentStatus.ENROLLED, created_at=since, enrolled_at=since))
    elsewhere.seats_taken = 1
    for n in range(3):  # others of the programme who do not match the search
        other = make_user(Role.COACH, name=f"Bram Jansen {n}")
        db.session.add(Enrolment(cohort=elsewhere, user=other, programme_id=programme.id,
                                 status=EnrolmentStatus.ENROLLED, created_at=since, enrolled_at=since))
    db.session.commit()
    return {"session": cohort.sessions[0], "visitor": visitor}


def login(page, email):
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")


def present(user) -> bool:
    db.session.expire_all()
    return db.session.execute(sa.select(Attendance.status).where(Attendance.user_id == user.id)).scalar_one_or_none() \
        == AttendanceStatus.PRESENT


def test_search_as_you_type_and_register(page, sessions):
    session, visitor = sessions["session"], sessions["visitor"]
    login(page, "tineke@example.org")
    page.goto(f"/sessions/{session.id}/attendance")
    url = page.url
    expect(page.locator("#make-up-results")).not_to_contain_text("Bram Jansen")  # nobody listed unasked
    page.locator("#make-up-q").press_sequentially("bez", delay=50)
    result = page.locator(f"#make-up-{visitor.id}")
    expect(result).to_contain_text("Vera Bezoeker")  # swapped in by htmx while typing
    expect(result).to_contain_text("Groep Tiel")
    expect(page.locator("#make-up-results")).not_to_contain_text("Bram Jansen")
    assert page.url == url  # no page load
    page.locator(f"#make-up-add-{visitor.id}").click()
    expect(page.locator("#attendance-list")).to_contain_text("Vera Bezoeker")
    expect(page.locator(".flash")).to_contain_text("Vera Bezoeker")
    assert present(visitor)


def test_search_and_register_without_javascript(browser, live_server, sessions):
    session, visitor = sessions["session"], sessions["visitor"]
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        login(page, "tineke@example.org")
        page.goto(f"/sessions/{session.id}/attendance")
        page.locator("#make-up-q").fill("vera")
        page.locator("#make-up-q").press("Enter")
        expect(page.locator(f"#make-up-{visitor.id}")).to_contain_text("Vera Bezoeker")
        assert "/attendance/make-up?q=vera" in page.url
        page.locator(f"#make-up-add-{visitor.id}").click()
        expect(page.locator("#attendance-list")).to_contain_text("Vera Bezoeker")
        assert page.url.endswith(f"/sessions/{session.id}/attendance")
        assert present(visitor)
    finally:
        context.close()
