"""The export itself: sessions in, bytes out, read back by two independent parsers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from dateutil import tz as dateutil_tz
from icalendar import Calendar

from lms.cohorts import ical
from lms.cohorts.models import CohortStatus, SessionStatus
from lms.extensions import db
from lms.programmes.models import SessionKind
from tests.calendar.conftest import parse_both, parse_icalendar, parse_vobject

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def render(sessions, **kwargs) -> bytes:
    return ical.sessions_ics(sessions, name="Test", **kwargs)


def test_dst_change_days_land_on_the_same_utc_instants_in_both_parsers(app, dst_cohort):
    body = render(dst_cohort.sessions)
    events = parse_both(body)
    starts = sorted(e.start for e in events.values())
    assert starts == [
        utc(2026, 3, 28, 8, 0),    # Saturday, still winter time (UTC+1)
        utc(2026, 3, 29, 7, 0),    # Sunday 29 March: summer time from 02:00, so UTC+2
        utc(2026, 3, 29, 11, 30),
        utc(2026, 10, 24, 11, 30),  # Saturday, still summer time
        utc(2026, 10, 25, 12, 30),  # Sunday 25 October: winter time again
    ]
    for session in dst_cohort.sessions:
        event = events[session.ical_uid]
        assert (event.start, event.end) == (session.starts_at, session.ends_at)
    text = body.decode()
    assert "DTSTART;TZID=Europe/Amsterdam:20260329T090000" in text
    assert "DTSTART;TZID=Europe/Amsterdam:20261025T133000" in text


def test_vtimezone_matches_the_tz_database_to_the_second(app):
    """Read our VTIMEZONE with dateutil (no knowledge of the name) and compare with zoneinfo."""
    component = ical.vtimezone("Europe/Amsterdam", 2025, 2028)
    text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n" + component.to_ical().decode() + "END:VCALENDAR\r\n"
    ours = dateutil_tz.tzical(__import__("io").StringIO(text)).get("Europe/Amsterdam")
    for year in (2026, 2027, 2028):
        for month in (3, 10):
            last_sunday = max(d for d in (date(year, month, day) for day in range(25, 32)) if d.weekday() == 6)
            change = datetime.combine(last_sunday, time(1, 0), tzinfo=timezone.utc)
            for delta in (-3600, -1, 0, 1, 3600):
                instant = change + timedelta(seconds=delta)
                expected = instant.astimezone(AMSTERDAM).utcoffset()
                assert instant.astimezone(ours).utcoffset() == expected, instant


def test_vtimezone_onsets_follow_rfc_5545(app):
    """The onset is the wall-clock time in TZOFFSETFROM: 02:00 in spring, 03:00 in autumn."""
    text = ical.vtimezone("Europe/Amsterdam", 2025, 2027).to_ical().decode()
    daylight = text[text.index("BEGIN:DAYLIGHT"):text.index("END:DAYLIGHT")]
    standard = text[text.index("BEGIN:STANDARD"):text.index("END:STANDARD")]
    assert "DTSTART:20250330T020000" in daylight and "BYDAY=-1SU" in daylight and "BYMONTH=3" in daylight
    assert "TZOFFSETFROM:+0100" in daylight and "TZOFFSETTO:+0200" in daylight
    assert "DTSTART:20251026T030000" in standard and "BYMONTH=10" in standard


def test_second_parser_really_reads_the_files_vtimezone(app, dst_cohort):
    """Guard for the test above: vobject must not quietly use its own idea of Amsterdam."""
    body = render(dst_cohort.sessions).decode().replace("TZOFFSETTO:+0200", "TZOFFSETTO:+0500")
    shifted = parse_vobject(body.encode())
    session = next(s for s in dst_cohort.sessions if s.title == "Bijeenkomst 1")
    assert shifted[session.ical_uid].start == session.starts_at - timedelta(hours=3)


def test_same_bytes_and_uids_on_every_render(app, dst_cohort):
    first = render(dst_cohort.sessions)
    assert render(list(reversed(dst_cohort.sessions))) == first
    uids = [e.uid for e in parse_both(first).values()]
    assert len(set(uids)) == len(dst_cohort.sessions)
    assert all(uid.startswith("session-") and "@" in uid for uid in uids)
    assert sorted(uids) == sorted(s.ical_uid for s in dst_cohort.sessions)


def test_calendar_properties_rfc_7986(app, dst_cohort):
    body = ical.sessions_ics(dst_cohort.sessions, name="Mijn bijeenkomsten", description="Alles", refresh=timedelta(hours=2))
    text = body.decode()
    cal = Calendar.from_ical(body)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    assert "NAME:Mijn bijeenkomsten" in text and "X-WR-CALNAME:Mijn bijeenkomsten" in text
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT2H" in text
    assert "X-PUBLISHED-TTL:PT2H" in text
    assert "METHOD" not in text  # DTSTAMP then means "last revised", as we use it
    assert text.count("BEGIN:VTIMEZONE") == 1 and "TZID:Europe/Amsterdam" in text


def test_empty_calendar_is_valid(app):
    body = ical.sessions_ics([], name="Leeg")
    cal = Calendar.from_ical(body)
    cal.validate()  # needs at least one component: the VTIMEZONE
    assert cal.walk("VEVENT") == [] and len(cal.walk("VTIMEZONE")) == 1
    assert parse_vobject(body) == {}


def test_stamp_and_last_modified_come_from_the_session_not_the_clock(app, dst_cohort):
    session = dst_cohort.sessions[1]
    session.updated_at = utc(2026, 2, 10, 15, 30)
    db.session.commit()
    event = parse_icalendar(render([session]))[session.ical_uid].raw
    assert event.decoded("DTSTAMP") == utc(2026, 2, 10, 15, 30)
    assert event.decoded("LAST-MODIFIED") == utc(2026, 2, 10, 15, 30)
    assert event.decoded("CREATED") == session.created_at


def test_reschedule_raises_sequence_and_moves_the_event(app, dst_cohort):
    session = dst_cohort.sessions[1]
    before = parse_both(render([session]))[session.ical_uid]
    # What the cohort service does on a reschedule: new times, sequence + 1, updated_at.
    session.starts_at += timedelta(days=7)
    session.ends_at += timedelta(days=7)
    session.sequence += 1
    session.updated_at = utc(2026, 3, 2, 8, 0)
    db.session.commit()
    after = parse_both(render([session]))[session.ical_uid]
    assert after.uid == before.uid
    assert after.sequence == before.sequence + 1
    assert after.start == before.start + timedelta(days=7) == utc(2026, 4, 5, 7, 0)
    assert after.raw.decoded("DTSTAMP") > before.raw.decoded("DTSTAMP")


def test_cancelled_session_is_marked_everywhere(app, dst_cohort):
    session = dst_cohort.sessions[1]
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = utc(2026, 3, 5, 10, 0)
    session.sequence += 1
    db.session.commit()
    event = parse_both(render([session]))[session.ical_uid]
    assert event.status == "CANCELLED" and event.sequence == 1
    assert event.summary.startswith("Geannuleerd: ")
    assert str(event.raw["TRANSP"]) == "TRANSPARENT"
    assert event.raw.decoded("DTSTAMP") == utc(2026, 3, 5, 10, 0)


def test_a_cancelled_cohort_cancels_its_sessions_in_the_calendar(app, dst_cohort):
    dst_cohort.status = CohortStatus.CANCELLED
    dst_cohort.cancelled_at = utc(2026, 3, 6, 9, 0)
    db.session.commit()
    events = parse_both(render(dst_cohort.sessions))
    assert {e.status for e in events.values()} == {"CANCELLED"}
    assert {e.sequence for e in events.values()} == {1}


def test_in_person_location_and_online_link(app, dst_cohort):
    online = next(s for s in dst_cohort.sessions if s.kind == SessionKind.ONLINE)
    in_person = next(s for s in dst_cohort.sessions if s.kind == SessionKind.IN_PERSON)

    events = parse_icalendar(render([online, in_person], show_video=lambda s: True))
    event = events[online.ical_uid].raw
    assert str(event["URL"]) == online.video_url
    assert online.video_url in str(event["DESCRIPTION"])
    assert str(event["LOCATION"]) == "Online"
    assert "CONFERENCE;FEATURE=VIDEO" in render([online], show_video=lambda s: True).decode()
    place = events[in_person.ical_uid].raw
    assert str(place["LOCATION"]) == "Zaal 2, Dorpsstraat 1, Doetinchem"

    hidden = render([online], page_url=lambda s: "https://example.org/trainings/1")
    assert online.video_url.encode() not in hidden
    assert b"URL:https://example.org/trainings/1" in hidden


def test_cohort_ics_for_the_confirmation_mail(app, dst_cohort):
    cancelled = dst_cohort.sessions[2]
    cancelled.status = SessionStatus.CANCELLED
    cancelled.cancelled_at = utc(2026, 3, 1)
    db.session.commit()
    with_link = ical.cohort_ics(dst_cohort, include_video_link=True)
    without = ical.cohort_ics(dst_cohort, include_video_link=False, locale="en")
    events = parse_both(with_link)
    assert set(events) == {s.ical_uid for s in dst_cohort.sessions if s is not cancelled}
    assert b"https://meet.example.org/groep" in with_link
    assert b"https://meet.example.org/groep" not in without
    assert b"Group: Groep Zomertijd" in without and "Groep: Groep Zomertijd".encode() in with_link


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/Sao_Paulo", "Australia/Lord_Howe"])
def test_vtimezone_generator_handles_other_rules(app, zone):
    """No DST, DST abolished within the range, and half-hour changes."""
    component = ical.vtimezone(zone, 2017, 2021)
    text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n" + component.to_ical().decode() + "END:VCALENDAR\r\n"
    ours = dateutil_tz.tzical(__import__("io").StringIO(text)).get(zone)
    real = ZoneInfo(zone)
    instant = utc(2017, 6, 1)
    while instant < utc(2021, 12, 1):
        assert instant.astimezone(ours).utcoffset() == instant.astimezone(real).utcoffset(), instant
        instant += timedelta(hours=11)


def test_cohort_attachment_survives_the_mail_and_matches_the_feed_uids(app, dst_cohort):
    import email
    import email.policy

    from lms.mail import build_message

    attachment = ical.cohort_attachment(dst_cohort, include_video_link=True, locale="nl")
    message = build_message(recipient="cora@example.org", subject="Ingeschreven", text="Welkom",
                            attachments=[attachment])
    parsed = email.message_from_bytes(bytes(message), policy=email.policy.default)
    (part,) = list(parsed.iter_attachments())
    assert part.get_content_type() == "text/calendar"
    assert part.get_filename() == f"bijeenkomsten-groep-{dst_cohort.id}.ics"
    events = parse_both(part.get_content().encode("utf-8"))
    feed = parse_both(render(dst_cohort.sessions))
    assert events.keys() == feed.keys()
    assert {u: e.start for u, e in events.items()} == {u: e.start for u, e in feed.items()}
