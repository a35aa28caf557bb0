"""The feeds over HTTP, the subscribe page and following cohorts."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from icalendar import Calendar

from lms.auth.models import Role
from lms.calendar.models import CalendarToken
from lms.cohorts.models import CohortStatus, SessionStatus
from lms.enrolment.models import EnrolmentStatus
from lms.extensions import db
from lms.programmes.models import SessionKind
from tests.calendar.conftest import FEED_NOW, enrol, parse_both

VIDEO = "https://meet.example.org/groep"


def feed_path(token: str) -> str:
    return f"/calendar/{token}.ics"


def assert_calendar_response(response, *, private: bool):
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["ETag"]
    cache = response.headers["Cache-Control"]
    assert ("private" in cache) is private and ("public" in cache) is (not private)


# Personal feed --------------------------------------------------------------------------


def test_personal_feed_of_a_coach_across_both_dst_changes(client, dst_cohort, coach, token_for, feed_now):
    enrol(dst_cohort, coach)
    response = client.get(feed_path(token_for(coach)))
    assert_calendar_response(response, private=True)
    assert "Set-Cookie" not in response.headers and response.headers["X-Robots-Tag"].startswith("noindex")
    events = parse_both(response.data)
    assert {e.uid for e in events.values()} == {s.ical_uid for s in dst_cohort.sessions}
    for session in dst_cohort.sessions:
        assert events[session.ical_uid].start == session.starts_at
    instants = {e.summary.split(" – ")[0]: e.start for e in events.values()}
    assert instants["Bijeenkomst 1"] == datetime(2026, 3, 29, 7, 0, tzinfo=timezone.utc)
    assert instants["Bijeenkomst 2"] == datetime(2026, 10, 25, 12, 30, tzinfo=timezone.utc)
    cal = Calendar.from_ical(response.data)
    assert str(cal["X-WR-CALNAME"]) == "Welzijnscoach Academie: mijn bijeenkomsten"
    assert VIDEO in response.get_data(as_text=True)  # enrolled: the video link is there


def test_feed_answers_304_when_nothing_changed_and_200_after_a_reschedule(client, dst_cohort, coach, token_for,
                                                                         feed_now):
    enrol(dst_cohort, coach)
    path = feed_path(token_for(coach))
    first = client.get(path)
    etag = first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client.get(path).data == first.data  # byte for byte: nothing depends on the request time

    session = next(s for s in dst_cohort.sessions if s.title == "Bijeenkomst 1")
    before = parse_both(first.data)[session.ical_uid]
    # The cohort service reschedules: new time, SEQUENCE + 1, last change now.
    session.starts_at += timedelta(hours=1)
    session.ends_at += timedelta(hours=1)
    session.sequence += 1
    session.updated_at = FEED_NOW
    db.session.commit()
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    after = parse_both(changed.data)[session.ical_uid]
    assert after.uid == before.uid
    assert after.sequence == before.sequence + 1
    assert after.start == before.start + timedelta(hours=1)
    assert after.raw.decoded("DTSTAMP") == FEED_NOW


def test_uid_is_the_same_in_every_feed_and_file(client, dst_cohort, coach, token_for, feed_now, region, auth):
    from lms.cohorts.ical import cohort_ics

    enrol(dst_cohort, coach)
    session = dst_cohort.sessions[1]
    personal = parse_both(client.get(feed_path(token_for(coach))).data)
    regional = parse_both(client.get(f"/regions/{region.slug}/calendar.ics").data)
    single = parse_both(client.get(f"/sessions/{session.id}.ics").data)
    mail = parse_both(cohort_ics(dst_cohort, include_video_link=True))
    for events in (personal, regional, single, mail):
        assert session.ical_uid in events
        assert events[session.ical_uid].start == session.starts_at
        assert events[session.ical_uid].sequence == session.sequence


def test_cancelled_session_shows_as_cancelled_for_30_days(client, dst_cohort, coach, token_for, feed_now):
    enrol(dst_cohort, coach)
    path = feed_path(token_for(coach))
    session = dst_cohort.sessions[-1]
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = FEED_NOW
    session.updated_at = FEED_NOW
    session.sequence += 1
    db.session.commit()
    event = parse_both(client.get(path).data)[session.ical_uid]
    assert event.status == "CANCELLED" and event.sequence == 1
    assert event.summary.startswith("Geannuleerd: ")
    feed_now(FEED_NOW + timedelta(days=29))
    assert session.ical_uid in parse_both(client.get(path).data)
    feed_now(FEED_NOW + timedelta(days=31))
    events = parse_both(client.get(path).data)
    assert session.ical_uid not in events and len(events) == len(dst_cohort.sessions) - 1


def test_cancelled_enrolment_disappears_from_the_feed(client, dst_cohort, coach, token_for, feed_now):
    enrolment = enrol(dst_cohort, coach)
    path = feed_path(token_for(coach))
    assert len(parse_both(client.get(path).data)) == len(dst_cohort.sessions)
    enrolment.status = EnrolmentStatus.CANCELLED
    enrolment.cancelled_at = FEED_NOW
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 200
    assert parse_both(response.data) == {}
    Calendar.from_ical(response.data).validate()  # still a valid calendar, without events


def test_trainer_and_following_staff_get_the_sessions_with_video(client, dst_cohort, users, token_for, feed_now, auth):
    trainer_feed = client.get(feed_path(token_for(users["trainer"])))
    assert len(parse_both(trainer_feed.data)) == len(dst_cohort.sessions)
    assert VIDEO in trainer_feed.get_data(as_text=True)

    staff_path = feed_path(token_for(users["staff"]))
    assert parse_both(client.get(staff_path).data) == {}
    auth.login(users["staff"])
    assert client.post(f"/staff/cohorts/{dst_cohort.id}/follow").status_code == 303
    staff_feed = client.get(staff_path)
    assert len(parse_both(staff_feed.data)) == len(dst_cohort.sessions)
    assert VIDEO in staff_feed.get_data(as_text=True)


def test_waitlisted_coach_has_no_sessions_and_pending_coach_no_video(client, dst_cohort, make_user, token_for,
                                                                    feed_now):
    waiting, pending = make_user(Role.COACH), make_user(Role.COACH)
    enrol(dst_cohort, waiting, EnrolmentStatus.WAITLISTED)
    enrol(dst_cohort, pending, EnrolmentStatus.PENDING)
    assert parse_both(client.get(feed_path(token_for(waiting))).data) == {}
    body = client.get(feed_path(token_for(pending))).get_data(as_text=True)
    assert len(parse_both(body.encode())) == len(dst_cohort.sessions)
    assert VIDEO not in body


@pytest.mark.parametrize("token", ["x" * 43, "a" * 10, "A1b2" * 20, "-" * 60])
def test_bad_token_is_a_404_without_detail(client, token, coach, token_for):
    token_for(coach)
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 404
    assert response.data == b"Not Found\n"
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "Set-Cookie" not in response.headers


def test_regenerated_and_revoked_tokens_are_refused(client, coach, token_for, auth):
    old = token_for(coach)
    assert client.get(feed_path(old)).status_code == 200
    new = token_for(coach)
    assert client.get(feed_path(old)).status_code == 404
    assert client.get(feed_path(new)).status_code == 200
    auth.login(coach)
    assert client.post("/calendar/link/revoke").status_code == 303
    assert client.get(feed_path(new)).status_code == 404


def test_feed_of_a_deactivated_account_is_refused(client, coach, token_for):
    token = token_for(coach)
    coach.is_active = False
    db.session.commit()
    assert client.get(feed_path(token)).status_code == 404


def test_feed_use_is_recorded(client, coach, token_for, feed_now):
    token = token_for(coach)
    client.get(feed_path(token))
    row = db.session.query(CalendarToken).one()
    assert row.last_used_at == FEED_NOW


def test_feeds_are_rate_limited_per_address(client, app, coach, token_for, region):
    app.config["CALENDAR_LIMIT"] = "3 per minute"
    token = token_for(coach)
    for _ in range(3):
        assert client.get(feed_path(token)).status_code == 200
    refused = client.get(feed_path(token))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert client.get(f"/regions/{region.slug}/calendar.ics").status_code == 429
    assert client.get("/calendar/" + "y" * 43 + ".ics").status_code == 429  # guessing is counted too


# Regional feed --------------------------------------------------------------------------


def test_regional_feed_has_no_personal_data_and_no_video_links(client, dst_cohort, users, region, feed_now,
                                                               make_cohort, other_region):
    enrol(dst_cohort, users["coach"])
    make_cohort(region=region, title="Concept", status=CohortStatus.DRAFT, trainers=[users["trainer"]])
    make_cohort(region=other_region, title="Elders")
    response = client.get(f"/regions/{region.slug}/calendar.ics")
    assert_calendar_response(response, private=False)
    text = response.get_data(as_text=True)
    events = parse_both(response.data)
    assert {e.uid for e in events.values()} == {s.ical_uid for s in dst_cohort.sessions}
    for user in users.values():
        assert user.name not in text and user.email not in text
    assert "meet.example.org" not in text
    assert "ORGANIZER" not in text and "ATTENDEE" not in text
    assert "Concept" not in text and "Elders" not in text
    assert "X-WR-CALNAME:Welzijnscoach Academie: Achterhoek" in text


def test_unknown_region_is_404(client):
    assert client.get("/regions/atlantis/calendar.ics").status_code == 404


# Single session -------------------------------------------------------------------------


@pytest.fixture
def online_session(dst_cohort):
    return next(s for s in dst_cohort.sessions if s.kind == SessionKind.ONLINE)


def test_single_session_file(client, online_session, feed_now):
    response = client.get(f"/sessions/{online_session.id}.ics")
    assert_calendar_response(response, private=True)
    assert response.headers["Content-Disposition"] == f'attachment; filename="bijeenkomst-{online_session.id}.ics"'
    events = parse_both(response.data)
    assert list(events) == [online_session.ical_uid]
    assert VIDEO not in response.get_data(as_text=True)  # anonymous: no link


@pytest.mark.parametrize("who,sees_link", [
    ("enrolled", True), ("trainer", True), ("staff", True), ("admin", True),
    ("waitlisted", False), ("other_coach", False), ("coordinator", False), ("other_trainer", False),
])
def test_single_session_video_link_only_for_participants_and_staff(client, auth, online_session, users, make_user,
                                                                   who, sees_link):
    cohort = online_session.cohort
    if who == "enrolled":
        user = users["coach"]
        enrol(cohort, user)
    elif who == "waitlisted":
        user = make_user(Role.COACH)
        enrol(cohort, user, EnrolmentStatus.WAITLISTED)
    elif who == "other_coach":
        user = make_user(Role.COACH)
    elif who == "other_trainer":
        user = make_user(Role.TRAINER)
    else:
        user = users[who]
    auth.login(user)
    response = client.get(f"/sessions/{online_session.id}.ics")
    assert response.status_code == 200
    assert (VIDEO in response.get_data(as_text=True)) is sees_link


def test_draft_session_is_hidden(client, make_cohort):
    draft = make_cohort(status=CohortStatus.DRAFT)
    assert client.get(f"/sessions/{draft.sessions[0].id}.ics").status_code == 404


# The subscribe page ---------------------------------------------------------------------


def links_in(page: str) -> tuple[str, str]:
    https = re.search(r'value="(http://localhost/calendar/[A-Za-z0-9_-]{43,}\.ics)"', page)
    webcal = re.search(r'href="(webcal://localhost/calendar/[A-Za-z0-9_-]{43,}\.ics)"', page)
    assert https and webcal, "no subscribe links on the page"
    return https.group(1), webcal.group(1)


def test_page_without_link_offers_to_make_one_and_explains_the_apps(client, auth, coach):
    auth.login(coach)
    page = client.get("/calendar").get_data(as_text=True)
    assert "Je hebt nog geen agendalink" in page
    assert "Maak mijn agendalink" in page
    for app_name in ("Outlook", "Google Agenda", "Apple Agenda"):
        assert app_name in page
    assert "webcal://" not in page.split('id="calendar-regions"')[0]


def test_link_is_shown_once_after_making_it_without_javascript(client, auth, coach):
    auth.login(coach)
    response = client.post("/calendar/link")
    assert response.status_code == 303 and response.headers["Location"] == "/calendar"
    page = client.get("/calendar").get_data(as_text=True)
    https, webcal = links_in(page)
    assert webcal == "webcal://" + https.removeprefix("http://")
    assert "maar één keer" in page
    token = https.rsplit("/", 1)[1].removesuffix(".ics")
    assert client.get(https.removeprefix("http://localhost")).status_code == 200
    later = client.get("/calendar").get_data(as_text=True)
    assert token not in later
    assert "Nieuwe link maken" in later and "Link uitzetten" in later


def test_making_a_link_with_htmx_returns_the_fragment(client, auth, coach):
    auth.login(coach)
    response = client.post("/calendar/link", htmx=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="calendar-subscription"')
    https, _webcal = links_in(body)
    assert client.get(https.removeprefix("http://localhost")).status_code == 200


def test_regenerating_from_the_page_replaces_the_link(client, auth, coach):
    auth.login(coach)
    first, _ = links_in(client.post("/calendar/link", htmx=True).get_data(as_text=True))
    second, _ = links_in(client.post("/calendar/link", htmx=True).get_data(as_text=True))
    assert first != second
    assert client.get(first.removeprefix("http://localhost")).status_code == 404
    assert client.get(second.removeprefix("http://localhost")).status_code == 200


def test_revoking_with_htmx(client, auth, coach, token_for):
    token = token_for(coach)
    auth.login(coach)
    response = client.post("/calendar/link/revoke", htmx=True)
    assert 'id="calendar-subscription"' in response.get_data(as_text=True)
    assert "Je hebt nog geen agendalink" in response.get_data(as_text=True)
    assert client.get(feed_path(token)).status_code == 404


def test_page_lists_coming_sessions_with_add_to_calendar(client, auth, coach, make_cohort):
    cohort = make_cohort(first=date(2027, 3, 16), title="Groep Achterhoek")
    enrol(cohort, coach)
    auth.login(coach)
    page = client.get("/calendar").get_data(as_text=True)
    assert "Groep Achterhoek" in page
    for session in cohort.sessions:
        assert f'href="/sessions/{session.id}.ics"' in page


def test_page_shows_regional_calendars(client, auth, users, region):
    auth.login(users["coordinator"])
    page = client.get("/calendar").get_data(as_text=True)
    assert f"webcal://localhost/regions/{region.slug}/calendar.ics" in page


def test_page_in_english(client, auth, make_user):
    auth.login(make_user(Role.COACH, locale="en"))
    page = client.get("/calendar").get_data(as_text=True)
    assert "Make my calendar link" in page and "Google Calendar" in page


# Following cohorts ----------------------------------------------------------------------


def test_follow_toggle_with_htmx_returns_the_button(client, auth, users, make_cohort):
    cohort = make_cohort(title="Groep Achterhoek")
    auth.login(users["staff"])
    response = client.post(f"/staff/cohorts/{cohort.id}/follow", htmx=True, data={"next": "/calendar"})
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<form id="follow-{cohort.id}"')
    assert "Niet meer volgen" in body and 'name="next" value="/calendar"' in body
    assert users["staff"] in cohort.followers
    body = client.post(f"/staff/cohorts/{cohort.id}/follow", htmx=True).get_data(as_text=True)
    assert "Volgen in mijn agenda" in body
    db.session.refresh(cohort)
    assert cohort.followers == []


def test_follow_without_javascript_redirects_back(client, auth, users, make_cohort):
    cohort = make_cohort()
    auth.login(users["staff"])
    response = client.post(f"/staff/cohorts/{cohort.id}/follow", data={"next": "/calendar"})
    assert response.status_code == 303 and response.headers["Location"] == "/calendar"
    page = client.get("/calendar").get_data(as_text=True)
    assert f'id="follow-{cohort.id}"' in page and cohort.title in page
    evil = client.post(f"/staff/cohorts/{cohort.id}/follow", data={"next": "https://evil.example/"})
    assert evil.headers["Location"] in ("/calendar", f"/staff/cohorts/{cohort.id}")


def test_follow_is_for_staff_only(client, auth, users, make_cohort):
    cohort = make_cohort(trainers=[users["trainer"]])
    for role in ("coach", "trainer", "coordinator"):
        auth.login(users[role])
        assert client.post(f"/staff/cohorts/{cohort.id}/follow").status_code == 403
        auth.logout()
    auth.login(users["staff"])
    assert client.post("/staff/cohorts/999999/follow").status_code == 404
    assert cohort.followers == []


def test_follow_button_fragment_works_on_any_page(app, users, make_cohort):
    """The staff cohort page includes the fragment with only `cohort` in its context."""
    from flask import render_template
    from flask_login import login_user

    cohort = make_cohort()
    with app.test_request_context(f"/staff/cohorts/{cohort.id}"):
        login_user(users["staff"])
        html = render_template("calendar/_follow_button.html", cohort=cohort)
    assert f'id="follow-{cohort.id}"' in html and f'value="/staff/cohorts/{cohort.id}"' in html
    assert f'action="/staff/cohorts/{cohort.id}/follow"' in html and "hx-post" in html


def test_referrer_policy_is_only_tightened_for_feeds(client, region):
    assert client.get(f"/regions/{region.slug}/calendar.ics").headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/").headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_page_says_when_a_calendar_app_last_fetched_the_link(client, auth, coach, token_for, feed_now):
    token = token_for(coach)
    auth.login(coach)
    assert "Nog geen agenda-app heeft hem opgehaald" in client.get("/calendar").get_data(as_text=True)
    client.get(feed_path(token))
    page = client.get("/calendar").get_data(as_text=True)
    assert "Een agenda-app heeft hem voor het laatst opgehaald op 1 mrt 2026, 13:00" in page
    assert token not in page
