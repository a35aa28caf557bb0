"""A feed fetched again is not rendered again; any change to what it shows is a new ETag and new bytes (issue 20)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from lms.calendar import feeds, services
from lms.cohorts import ical
from lms.cohorts.models import SessionStatus
from lms.enrolment.models import EnrolmentStatus
from lms.extensions import db
from tests.calendar.conftest import FEED_NOW, enrol


@pytest.fixture
def renders(monkeypatch):
    """The views rendered to bytes during the test (the kept ones are forgotten first)."""
    rendered = []
    real = ical._render

    def counting(view):
        rendered.append(view)
        return real(view)

    ical._RENDERED.clear()
    feeds._DIGESTS.clear()
    monkeypatch.setattr(ical, "_render", counting)
    return rendered


@pytest.fixture
def views(monkeypatch):
    """The views made during the test."""
    made = []
    real = ical.calendar_view

    def counting(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(ical, "calendar_view", counting)
    return made


@pytest.fixture
def world(dst_cohort, make_cohort, users, token_for, feed_now):
    """A coach enrolled in the trainer's cohort, a second cohort, and a feed link for each person."""
    coach, trainer, staff = users["coach"], users["trainer"], users["staff"]
    enrolment = enrol(dst_cohort, coach)
    other = make_cohort(first=date(2026, 4, 14), title="Groep Voorjaar")
    return {
        "cohort": dst_cohort, "other": other, "enrolment": enrolment, "users": users,
        "session": next(s for s in dst_cohort.sessions if s.title == "Bijeenkomst 1"),
        "paths": {name: f"/calendar/{token_for(user)}.ics" for name, user in
                  (("coach", coach), ("trainer", trainer), ("staff", staff))},
    }


def test_a_second_fetch_returns_the_same_bytes_without_rendering(client, world, renders):
    path = world["paths"]["coach"]
    first = client.get(path)
    second = client.get(path)
    assert first.status_code == second.status_code == 200
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
    assert len(renders) == 1
    assert second.headers["Cache-Control"] == "private, no-cache"


def test_a_feed_fetched_again_makes_no_view_and_a_new_process_makes_the_same_one(client, world, renders, views):
    path = world["paths"]["coach"]
    first = client.get(path)
    again = client.get(path)
    assert len(views) == 1 and len(renders) == 1  # the second fetch: its query and a hash
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    feeds._DIGESTS.clear()
    ical._RENDERED.clear()  # as in another worker process: nothing kept
    elsewhere = client.get(path)
    assert len(views) == 2 and elsewhere.headers["ETag"] == first.headers["ETag"] and elsewhere.data == first.data


def test_bytes_no_longer_kept_are_made_again_from_the_rows(client, world, renders, views):
    path = world["paths"]["coach"]
    first = client.get(path)
    ical._RENDERED.clear()  # the digest is remembered, the bytes were evicted
    again = client.get(path)
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert len(views) == 2 and len(renders) == 2


def test_if_none_match_is_a_304_before_anything_is_rendered(client, world, renders):
    path = world["paths"]["coach"]
    etag = client.get(path).headers["ETag"]
    ical._RENDERED.clear()  # as in another worker process: nothing kept
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == "private, no-cache"
    assert len(renders) == 1  # only the first fetch
    assert client.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_the_region_feed_too(client, world, region, renders):
    path = f"/regions/{region.slug}/calendar.ics"
    first = client.get(path)
    assert client.get(path).data == first.data and len(renders) == 1
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    world["other"].title = "Groep Voorjaar (nieuw)"
    db.session.commit()
    changed = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and b"Groep Voorjaar (nieuw)" in changed.data and len(renders) == 2


def _move(w):
    # Straight in the database, without SEQUENCE or updated_at: the digest looks at the data itself.
    w["session"].starts_at += timedelta(minutes=30)
    w["session"].ends_at += timedelta(minutes=30)


def _cancel_session(w):
    w["session"].status = SessionStatus.CANCELLED
    w["session"].cancelled_at = FEED_NOW


def _cancel_enrolment(w):
    w["enrolment"].status = EnrolmentStatus.CANCELLED
    w["enrolment"].cancelled_at = FEED_NOW


CHANGES = {
    "session time": ("coach", _move),
    "session title": ("coach", lambda w: setattr(w["session"], "title", "Startbijeenkomst")),
    "venue": ("coach", lambda w: setattr(w["session"], "address", "Markt 5, Aalten")),
    "room": ("coach", lambda w: setattr(w["session"], "room", "Zaal 7")),
    "video link": ("coach", lambda w: [setattr(s, "video_url", "https://meet.example.org/nieuw")
                                       for s in w["cohort"].sessions if s.video_url]),
    "session cancelled": ("coach", _cancel_session),
    "cohort title": ("coach", lambda w: setattr(w["cohort"], "title", "Groep Najaar")),
    "programme title": ("coach", lambda w: setattr(w["cohort"].programme, "title", "Basistraining (nieuw)")),
    "coach enrolled elsewhere": ("coach", lambda w: enrol(w["other"], w["users"]["coach"])),
    "enrolment cancelled": ("coach", _cancel_enrolment),
    "video link no longer shown": ("coach", lambda w: setattr(w["enrolment"], "status", EnrolmentStatus.PENDING)),
    "trainer added": ("trainer", lambda w: w["other"].trainers.append(w["users"]["trainer"])),
    "a follow": ("staff", lambda w: services.toggle_follow(w["users"]["staff"], w["other"])),
    "language": ("coach", lambda w: setattr(w["users"]["coach"], "locale", "en")),
}


@pytest.mark.parametrize("change", CHANGES)
def test_any_change_to_what_the_feed_shows_is_a_new_etag_and_new_bytes(client, app, world, renders, change):
    whose, apply = CHANGES[change]
    path = world["paths"][whose]
    before = client.get(path)
    assert client.get(path, headers={"If-None-Match": before.headers["ETag"]}).status_code == 304
    apply(world)
    db.session.commit()
    after = client.get(path, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200, change
    assert after.headers["ETag"] != before.headers["ETag"] and after.data != before.data
    assert len(renders) == 2


def test_the_platform_name_and_the_installation_are_part_of_it(client, app, world, renders):
    path = world["paths"]["coach"]
    etags = {client.get(path).headers["ETag"]}
    app.config["PLATFORM_NAME"] = "Academie Oost"
    etags.add(client.get(path).headers["ETag"])
    app.config["BASE_URL"] = "https://academie.example.org"  # UIDs and page links
    etags.add(client.get(path).headers["ETag"])
    assert len(etags) == 3 and len(renders) == 3


def _feed_facts(world, whose="coach"):
    found = services.find_token(world["paths"][whose].removeprefix("/calendar/").removesuffix(".ics"))
    return [facts for facts, _sees_video in services.personal_feed_rows(found, FEED_NOW).facts()]


def test_feeds_read_the_same_sessions_and_facts_as_the_objects_give(app, world):
    # The feed's query takes the columns unconverted (datetimes as UTC text) and converts them
    # as the objects' loading does: to the microsecond, in UTC, with None for NULL.
    world["session"].updated_at = datetime(2026, 2, 3, 4, 5, 6, 789012, tzinfo=ZoneInfo("Europe/Amsterdam"))
    world["session"].cancelled_at = datetime(2026, 2, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    db.session.commit()
    db.session.expire_all()
    facts = _feed_facts(world)
    [moved] = [f for f in facts if f.id == world["session"].id]
    assert moved.updated_at == datetime(2026, 2, 3, 3, 5, 6, 789012, tzinfo=timezone.utc)
    assert moved.cancelled_at == datetime(2026, 2, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    assert {f.cohort_cancelled_at for f in facts} == {None}
    sessions = services.personal_sessions(world["users"]["coach"], FEED_NOW)
    assert facts == [ical.facts_of(s) for s in sessions] and len(facts) == len(world["cohort"].sessions)
    assert all(f.starts_at.tzinfo == timezone.utc and f.created_at.utcoffset() == timedelta(0) for f in facts)
    region = world["other"].region
    assert [f for f, _sees_video in services.regional_feed_rows(region, FEED_NOW).facts()] == [
        ical.facts_of(s) for s in services.regional_sessions(region, FEED_NOW)]


def test_a_mail_attachment_and_the_feed_describe_an_event_alike(app, world):
    """One view for every file: the same session gives the same event in a feed and a download."""
    session = world["session"]
    [from_row] = [f for f in _feed_facts(world) if f.id == session.id]
    assert ical.event_view(from_row, show_video=True, page_url=None) == ical.event_view(
        ical.facts_of(session), show_video=True, page_url=None)
