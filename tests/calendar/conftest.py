"""Calendar fixtures: sessions on given Amsterdam dates, enrolments, feeds parsed twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import pytest
import vobject
from icalendar import Calendar

from lms.calendar.services import issue_token
from lms.cohorts.models import Session
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.i18n import local_to_utc
from lms.programmes.models import SessionKind
from tests.factories import offer_fields

# A fixed "now" for the feeds, before both DST changes of 2026.
FEED_NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
CREATED = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def feed_now(clock):
    """Put the app's clock at FEED_NOW; returns a setter for moving it."""
    clock.set(FEED_NOW)

    def move(to: datetime) -> datetime:
        clock.set(to)
        return to

    move.now = clock.now
    return move


@pytest.fixture
def add_session(app):
    """A session of ``cohort`` on an Amsterdam wall-clock date and time."""

    def add(cohort, day: date, at: time = time(9, 0), minutes: int = 210, *, kind=SessionKind.IN_PERSON,
            title: str | None = None, **fields) -> Session:
        starts = local_to_utc(day, at)
        session = Session(
            cohort=cohort, kind=kind, title=title or ("Online dagdeel" if kind == SessionKind.ONLINE else "Bijeenkomst"),
            starts_at=starts, ends_at=starts + timedelta(minutes=minutes),
            address="Dorpsstraat 1, Doetinchem" if kind == SessionKind.IN_PERSON else None,
            room="Zaal 2" if kind == SessionKind.IN_PERSON else None,
            video_url="https://meet.example.org/groep" if kind == SessionKind.ONLINE else None,
            created_at=CREATED, updated_at=CREATED, **fields,
        )
        db.session.add(session)
        db.session.commit()
        return session

    return add


@pytest.fixture
def dst_cohort(make_cohort, add_session, users):
    """A cohort taught by the trainer with sessions on both DST change days of 2026, and around them."""
    cohort = make_cohort(first=date(2026, 3, 3), trainers=[users["trainer"]], title="Groep Zomertijd")
    for session in list(cohort.sessions):
        db.session.delete(session)
    db.session.commit()
    add_session(cohort, date(2026, 3, 28), time(9, 0), kind=SessionKind.ONLINE, title="Online dagdeel")
    add_session(cohort, date(2026, 3, 29), time(9, 0), title="Bijeenkomst 1")
    add_session(cohort, date(2026, 3, 29), time(13, 30), title="Bijeenkomst 1, middag")
    add_session(cohort, date(2026, 10, 24), time(13, 30), title="Bijeenkomst 2, zaterdag")
    add_session(cohort, date(2026, 10, 25), time(13, 30), title="Bijeenkomst 2")
    cohort.starts_at = min(s.starts_at for s in cohort.sessions)
    db.session.commit()
    db.session.refresh(cohort)
    return cohort


def enrol(cohort, user, status: EnrolmentStatus = EnrolmentStatus.ENROLLED) -> Enrolment:
    enrolment = Enrolment(cohort=cohort, user=user, programme_id=cohort.programme_id, status=status,
                          **(offer_fields(cohort) if status == EnrolmentStatus.OFFERED else {}))
    if status == EnrolmentStatus.WAITLISTED:
        cohort.waitlist_counter += 1
        enrolment.waitlist_position = cohort.waitlist_counter
    db.session.add(enrolment)
    db.session.commit()
    return enrolment


@pytest.fixture
def token_for(app):
    def make(user) -> str:
        token = issue_token(user, datetime(2026, 2, 1, tzinfo=timezone.utc))
        db.session.commit()
        return token

    return make


@dataclass
class ParsedEvent:
    uid: str
    summary: str
    start: datetime  # UTC
    end: datetime  # UTC
    sequence: int
    status: str
    raw: object


def parse_icalendar(body: bytes) -> dict[str, ParsedEvent]:
    """Events by UID, read with the icalendar library, times in UTC."""
    cal = Calendar.from_ical(body)
    events = {}
    for event in cal.walk("VEVENT"):
        events[str(event["UID"])] = ParsedEvent(
            uid=str(event["UID"]),
            summary=str(event["SUMMARY"]),
            start=event.decoded("DTSTART").astimezone(timezone.utc),
            end=event.decoded("DTEND").astimezone(timezone.utc),
            sequence=int(event.get("SEQUENCE", 0)),
            status=str(event.get("STATUS", "")),
            raw=event,
        )
    return events


def _forget_vobject_timezones() -> None:
    # vobject keeps the first VTIMEZONE it saw per TZID for the whole process; each file
    # must be read with its own.
    registry = vars(vobject.icalendar)["__tzidMap"]
    registry.clear()
    vobject.icalendar.registerTzid("UTC", vobject.icalendar.utc)


def parse_vobject(body: bytes) -> dict[str, ParsedEvent]:
    """The same with vobject, an independent parser that applies the file's own VTIMEZONE."""
    _forget_vobject_timezones()
    cal = vobject.readOne(body.decode("utf-8"))
    events = {}
    for event in getattr(cal, "vevent_list", []):
        uid = event.uid.value
        events[uid] = ParsedEvent(
            uid=uid,
            summary=event.summary.value,
            start=event.dtstart.value.astimezone(timezone.utc),
            end=event.dtend.value.astimezone(timezone.utc),
            sequence=int(event.sequence.value) if hasattr(event, "sequence") else 0,
            status=event.status.value if hasattr(event, "status") else "",
            raw=event,
        )
    return events


def parse_both(body: bytes) -> dict[str, ParsedEvent]:
    """Parse with both libraries and insist they agree on every event's UTC instants."""
    first, second = parse_icalendar(body), parse_vobject(body)
    assert first.keys() == second.keys()
    for uid, event in first.items():
        other = second[uid]
        assert (event.start, event.end, event.sequence, event.status) == (
            other.start, other.end, other.sequence, other.status
        ), uid
    return first


@pytest.fixture
def coach(users):
    return users["coach"]
