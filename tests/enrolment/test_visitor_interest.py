"""A visitor without an account asks to hear when a group opens: double opt-in, unsubscribe, no enumeration."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from lms.auth.models import Role
from lms.cohorts.models import CohortStatus
from lms.cohorts.services import change_status
from lms.enrolment.models import VisitorInterest
from lms.extensions import db
from lms.notifications.models import OutboxMail
from lms.privacy.erasure import anonymise_user
from lms.privacy.export import export_data
from lms.privacy.retention import purge_short_lived

ADDRESS = "bezoeker@example.org"


def mails(kind: str | None = None) -> list[OutboxMail]:
    rows = db.session.query(OutboxMail).order_by(OutboxMail.id).all()
    return [m for m in rows if kind is None or m.kind == kind]


def link(mail: OutboxMail, path: str) -> str:
    match = re.search(rf"http://localhost({re.escape(path)}[^\s\"<]+)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def leave_address(client, region, email=ADDRESS, programme=None):
    data = {"email": email, "region_id": region.id}
    if programme is not None:
        data["programme_id"] = programme.id
    return client.post("/keep-informed", data=data, follow_redirects=True)


def confirm(client, mail: OutboxMail):
    path = link(mail, "/keep-informed/confirm/")
    page = client.get(path)
    assert page.status_code == 200
    return client.post(path)


@pytest.fixture
def staff(make_user):
    return make_user(Role.STAFF)


def test_visitor_confirms_and_hears_when_a_group_opens_then_unsubscribes(client, region, make_cohort, staff, now):
    draft = make_cohort(status=CohortStatus.DRAFT, region=region)
    page = leave_address(client, region)
    assert page.status_code == 200 and ADDRESS in page.get_data(as_text=True)
    [confirmation] = mails("interest_confirm")
    assert confirmation.recipient == ADDRESS and confirmation.user_id is None
    assert "/keep-informed/stop/" in confirmation.body_text  # every mail can be stopped

    # Merely opening the link (a mail scanner does) confirms nothing: the button does.
    client.get(link(confirmation, "/keep-informed/confirm/"))
    assert db.session.query(VisitorInterest).one().confirmed_at is None
    assert confirm(client, confirmation).status_code == 200
    assert db.session.query(VisitorInterest).one().confirmed_at == now

    change_status(staff, draft, CohortStatus.OPEN, now)
    db.session.commit()
    [told] = mails("interest_cohort_open")
    assert told.recipient == ADDRESS and draft.title in told.body_text
    assert f"/trainings/{draft.id}" in told.body_text

    # The stop link works without logging in: a page with a button, then the address is gone.
    stop = link(told, "/keep-informed/stop/")
    assert client.get(stop).status_code == 200
    assert db.session.query(VisitorInterest).count() == 1
    done = client.post(stop)
    assert done.status_code == 200
    assert db.session.query(VisitorInterest).count() == 0
    # The same link again says it is done, and a forged one does not work.
    assert client.get(stop).status_code == 200
    assert client.get("/keep-informed/stop/forged").status_code == 404


def test_an_unconfirmed_address_hears_nothing(client, region, make_cohort, staff, now):
    draft = make_cohort(status=CohortStatus.DRAFT, region=region)
    leave_address(client, region)
    change_status(staff, draft, CohortStatus.OPEN, now)
    db.session.commit()
    assert mails("interest_cohort_open") == []


def test_a_group_of_another_programme_or_region_tells_nobody(client, region, other_region, make_cohort,
                                                               make_programme, staff, now):
    wanted = make_programme(title="Verdieping")
    leave_address(client, region, programme=wanted)
    confirm(client, mails("interest_confirm")[0])
    elsewhere = make_cohort(wanted, status=CohortStatus.DRAFT, region=other_region)
    other_programme = make_cohort(status=CohortStatus.DRAFT, region=region)
    for cohort in (elsewhere, other_programme):
        change_status(staff, cohort, CohortStatus.OPEN, now)
    db.session.commit()
    assert mails("interest_cohort_open") == []


def test_confirming_when_a_group_is_open_already_tells_at_once(client, region, make_cohort):
    make_cohort(region=region)  # open now
    leave_address(client, region)
    confirm(client, mails("interest_confirm")[0])
    assert len(mails("interest_cohort_open")) == 1


def test_the_answer_reveals_nothing_about_known_addresses(client, region):
    first = leave_address(client, region).get_data(as_text=True)
    confirm(client, mails("interest_confirm")[0])
    again = leave_address(client, region).get_data(as_text=True)
    def strip(body: str) -> str:
        # CSRF tokens differ (in form fields and in htmx's request headers): signed with the time.
        body = re.sub(r'[\w-]{16,}\.[\w-]{4,}\.[\w-]{16,}', "TOKEN", body)
        return re.sub(r'value="[^"]*"', "", body)

    assert strip(first) == strip(again)
    # A confirmed, waiting address is not mailed again.
    assert len(mails("interest_confirm")) == 1


def test_the_form_is_rate_limited_per_address(client, region, app):
    for _ in range(5):
        response = leave_address(client, region)
        assert response.status_code == 200
    limit = int(app.config["INTEREST_LIMIT_ADDRESS"].split()[0])
    assert len(mails("interest_confirm")) == limit


def test_an_invalid_address_is_refused(client, region):
    response = client.post("/keep-informed", data={"email": "geen-adres", "region_id": region.id})
    assert response.status_code == 422
    assert mails() == []


def test_an_expired_confirmation_link_does_not_work(client, region, clock, app):
    leave_address(client, region)
    clock.advance(timedelta(days=app.config["VISITOR_INTEREST_CONFIRM_DAYS"], hours=1))
    path = link(mails("interest_confirm")[0], "/keep-informed/confirm/")
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404
    assert db.session.query(VisitorInterest).one().confirmed_at is None


def test_unconfirmed_addresses_are_deleted_after_the_confirmation_days(client, region, app, now):
    leave_address(client, region, email="laat@example.org")
    leave_address(client, region, email="bevestigd@example.org")
    confirm(client, mails("interest_confirm")[1])
    days = app.config["VISITOR_INTEREST_CONFIRM_DAYS"]
    assert purge_short_lived(now + timedelta(days=days - 1))["visitor_interest"] == 0
    assert purge_short_lived(now + timedelta(days=days, hours=1))["visitor_interest"] == 1
    db.session.commit()
    assert [i.email for i in db.session.query(VisitorInterest)] == ["bevestigd@example.org"]


def test_an_accounts_export_and_erasure_cover_its_address(client, region, make_user, now):
    coach = make_user(Role.COACH, email="Coach.Bezoeker@example.org")
    admin = make_user(Role.ADMIN)
    leave_address(client, region, email="coach.bezoeker@example.org")
    leave_address(client, region, email="iemand.anders@example.org")
    data = export_data(coach, now, verify_url=lambda c: "")
    assert [i["email"] for i in data["interest_by_email"]] == ["coach.bezoeker@example.org"]
    anonymise_user(admin, coach, now)
    db.session.commit()
    assert [i.email for i in db.session.query(VisitorInterest)] == ["iemand.anders@example.org"]


def test_staff_see_confirmed_visitors_per_region(client, region, make_user, auth):
    leave_address(client, region, email="een@example.org")
    leave_address(client, region, email="twee@example.org")
    confirm(client, mails("interest_confirm")[0])
    auth.login(make_user(Role.STAFF))
    page = client.get("/staff/interest").get_data(as_text=True)
    visitors = page.split("<h2>", 1)[1]
    assert region.name in visitors and "<td>1</td>" in visitors  # only the confirmed one counts
