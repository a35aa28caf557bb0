"""A cohort's sessions as iCalendar: a pure function from sessions to bytes (RFC 5545 and RFC 7986).

Nothing here reads the request or the clock, and nothing queries: the same sessions give
the same bytes. A file is made in two steps. First a *view*: plain tuples of everything it
will say (``CalendarView`` with an ``EventView`` per session, built from ``SessionFacts``:
the columns of a session, its cohort and programme, which the feeds select as a row and
other callers take from loaded objects). Then the bytes, rendered from that view alone, so
the view's ``digest`` names the file exactly: the feeds answer ``If-None-Match`` with it
before rendering, and the bytes are kept per process by it (``lms.caching``). A new field
in a file must come through the view, so it cannot be left out of the digest.

DTSTAMP and LAST-MODIFIED come from the session's own last change and the UID is the
session's (with this installation's host), so every feed, download and mail attachment
describes the same event with the same SEQUENCE. The calendar feature serves these as feeds
(no METHOD: a published calendar); the enrolment feature attaches them to mails as iTIP
messages (RFC 5546) to the one recipient: ``METHOD:REQUEST`` puts or updates the events in
their calendar, ``METHOD:CANCEL`` takes cancelled ones out (``Invitation``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parseaddr
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from icalendar import Calendar, Conference, Event, vCalAddress, vDuration

from lms.caching import RenderedCache
from lms.cohorts.ical_timezone import vtimezone
from lms.cohorts.models import Cohort, CohortStatus, Session, SessionStatus, installation_host, session_uid
from lms.db import UTCDateTime, from_utc_text, utc_text
from lms.programmes.models import Programme, SessionKind
from lms.urls import external_url

TZID = "Europe/Amsterdam"
PRODID = "-//Welzijnscoach Academie//Agenda//NL"
# Part of every digest: raise it when the rendering changes, so calendar apps fetch the new bytes.
FORMAT = 2
# An empty calendar still needs one component to be valid; its VTIMEZONE is built for
# the years around this one (any year would do, a constant keeps the bytes stable).
EMPTY_CALENDAR_YEAR = 2026


@dataclass(frozen=True)
class Invitation:
    """A calendar file sent by mail to one person: an iTIP REQUEST or CANCEL (RFC 5546, 6047)."""

    method: str  # REQUEST: the events are (still) on, with these details; CANCEL: they are cancelled
    email: str
    name: str = ""


def invitation_for(user, *, cancel: bool = False) -> Invitation:
    return Invitation("CANCEL" if cancel else "REQUEST", user.email, user.name or "")


# What an event is made from ---------------------------------------------------------------


class SessionFacts(NamedTuple):
    """A session's columns, with its cohort's and programme's, that its event is made from."""

    id: int
    cohort_id: int
    kind: SessionKind
    title: str
    starts_at: datetime
    ends_at: datetime
    address: str | None
    room: str | None
    video_url: str | None
    status: SessionStatus
    sequence: int
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None
    cohort_status: CohortStatus
    cohort_cancelled_at: datetime | None
    cohort_title: str
    programme_title: str


# Where each fact is stored, in the order of SessionFacts; a loaded session reaches the
# cohort's and programme's columns through its relationships.
_SOURCES = (
    Session.id, Session.cohort_id, Session.kind, Session.title, Session.starts_at, Session.ends_at,
    Session.address, Session.room, Session.video_url, Session.status, Session.sequence,
    Session.created_at, Session.updated_at, Session.cancelled_at,
    Cohort.status, Cohort.cancelled_at, Cohort.title, Programme.title,
)
_PATHS = {Session: (), Cohort: ("cohort",), Programme: ("cohort", "programme")}


def facts_query(*criteria, sees_video: sa.ColumnElement[bool] | None = None) -> sa.Select:
    """The facts of the sessions matching ``criteria`` (on Session and Cohort), by start: raw rows, not objects.

    The columns come unconverted, the datetimes as UTC text (``raw_facts`` converts a row):
    converting two hundred rows' datetimes and enums costs more than fetching them, and a
    feed that has not changed is recognised by its raw values alone.
    ``sees_video`` adds a last column: whether the reader may see the session's video link.
    """
    named = list(zip(SessionFacts._fields, _SOURCES, strict=True))
    if sees_video is not None:
        named.append(("sees_video", sees_video))
    return (
        sa.select(*(_raw(column).label(name) for name, column in named))
        .select_from(Session)
        .join(Session.cohort)
        .join(Cohort.programme)
        .where(*criteria)
        .order_by(Session.starts_at, Session.id)
    )


def _raw(column):
    return utc_text(column) if isinstance(column.type, UTCDateTime) else sa.type_coerce(column, sa.types.NullType())


def raw_facts(dialect: sa.Dialect) -> Callable[[Sequence], tuple[SessionFacts, bool]]:
    """Converts a row of ``facts_query`` as a typed query would: (its facts, whether the reader sees its video)."""
    # Each column's own conversion, as SQLAlchemy would apply it on this database.
    steps = [(n, from_utc_text if isinstance(column.type, UTCDateTime)
              else column.type.dialect_impl(dialect).result_processor(dialect, None))
             for n, column in enumerate(_SOURCES)]
    steps = [(n, convert) for n, convert in steps if convert]
    width = len(_SOURCES)

    def convert(row: Sequence) -> tuple[SessionFacts, bool]:
        values = list(row[:width])
        for n, step in steps:
            values[n] = step(values[n])
        return SessionFacts._make(values), len(row) > width and bool(row[width])

    return convert


def facts_of(session: Session) -> SessionFacts:
    """The same facts from a loaded session (load its cohort and programme eagerly)."""
    values = []
    for column in _SOURCES:
        owner = session
        for step in _PATHS[column.class_]:
            owner = getattr(owner, step)
        values.append(getattr(owner, column.key))
    return SessionFacts(*values)


SessionTest = Callable[[SessionFacts], bool]
SessionLink = Callable[[SessionFacts], "str | None"]


def _never(_facts: SessionFacts) -> bool:
    return False


def _no_link(_facts: SessionFacts) -> None:
    return None


def public_page_url(item: Session | SessionFacts) -> str | None:
    """The public web page of the session's cohort, once that page exists (drafts have none)."""
    status = item.cohort_status if isinstance(item, SessionFacts) else item.cohort.status
    if status == CohortStatus.DRAFT:
        return None
    return external_url("catalogue.cohort", cohort_id=item.cohort_id)


def public_page_urls() -> SessionLink:
    """``public_page_url`` worked out once per cohort: a feed has many sessions of few cohorts."""
    known: dict[tuple[int, bool], str | None] = {}

    def page_url(facts: SessionFacts) -> str | None:
        key = (facts.cohort_id, facts.cohort_status == CohortStatus.DRAFT)
        if key not in known:
            known[key] = public_page_url(facts)
        return known[key]

    return page_url


def is_cancelled(facts: SessionFacts) -> bool:
    """Cancelled itself, or part of a cancelled cohort."""
    return facts.status == SessionStatus.CANCELLED or facts.cohort_status == CohortStatus.CANCELLED


def sequence(facts: SessionFacts) -> int:
    # A cohort cancelled without its sessions being marked still changes every session's
    # status, so its SEQUENCE must rise for clients to take the cancellation.
    cohort_only = facts.cohort_status == CohortStatus.CANCELLED and facts.status != SessionStatus.CANCELLED
    return facts.sequence + (1 if cohort_only else 0)


def last_modified(facts: SessionFacts) -> datetime:
    """The session's last change: its own, or the cancellation of it or of its cohort."""
    moments = [facts.created_at, facts.updated_at, facts.cancelled_at]
    if facts.cohort_status == CohortStatus.CANCELLED:
        moments.append(facts.cohort_cancelled_at)
    return max(m for m in moments if m is not None).astimezone(timezone.utc)


# The view: everything a file says -----------------------------------------------------------


class EventView(NamedTuple):
    """Everything one VEVENT says: the renderer reads nothing else."""

    uid: str
    sequence: int
    created: datetime  # UTC
    changed: datetime  # UTC: DTSTAMP and LAST-MODIFIED
    cancelled: bool
    kind: SessionKind
    title: str
    programme: str
    cohort: str
    starts_at: datetime
    ends_at: datetime
    address: str | None
    room: str | None
    video: str | None  # only for a reader who may see it
    page_url: str | None


class Phrases(NamedTuple):
    """The fixed words of a file in the reader's language, translated once per file."""

    online: str
    cancelled_title: str
    cancelled: str
    group: str
    address: str
    room: str
    video_line: str
    video_elsewhere: str
    more: str
    video_label: str


def _phrases() -> Phrases:
    # Translated without their values, which are filled in per event (the same messages).
    return Phrases(
        online=_("Online"),
        cancelled_title=_("Cancelled: %(title)s"),
        cancelled=_("This session has been cancelled."),
        group=_("Group: %(cohort)s"),
        address=_("Address: %(address)s"),
        room=_("Room: %(room)s"),
        video_line=_("Video link: %(url)s"),
        video_elsewhere=_("Online session; participants find the video link on the platform."),
        more=_("More information: %(url)s"),
        video_label=_("Video link"),
    )


class CalendarView(NamedTuple):
    """Everything one calendar file says; its ``digest`` names the bytes rendered from it."""

    locale: str
    name: str
    description: str
    refresh: timedelta
    invite: Invitation | None
    organizer: tuple[str, str] | None
    phrases: Phrases
    events: tuple[EventView, ...]

    def digest(self) -> str:
        """A strong validator of the file: equal views render equal bytes (the feeds' ETag)."""
        # The events as plain tuples: the same text as their named repr, without its cost per field.
        head = self._replace(events=())
        events = tuple(tuple(event) for event in self.events)
        return hashlib.sha256(repr((FORMAT, PRODID, TZID, head, events)).encode()).hexdigest()[:32]


def event_view(facts: SessionFacts, *, show_video: bool, page_url: str | None, host: str | None = None) -> EventView:
    video = facts.video_url if (show_video and facts.kind == SessionKind.ONLINE and facts.video_url) else None
    return EventView(
        uid=session_uid(facts.id, host),
        sequence=sequence(facts),
        created=facts.created_at.astimezone(timezone.utc),
        changed=last_modified(facts),
        cancelled=is_cancelled(facts),
        kind=facts.kind,
        title=facts.title,
        programme=facts.programme_title,
        cohort=facts.cohort_title,
        starts_at=facts.starts_at,
        ends_at=facts.ends_at,
        address=facts.address,
        room=facts.room,
        video=video,
        page_url=page_url,
    )


def calendar_view(
    facts: Iterable[SessionFacts],
    *,
    name: str,
    description: str = "",
    refresh: timedelta = timedelta(hours=1),
    show_video: SessionTest = _never,
    page_url: SessionLink = _no_link,
    invite: Invitation | None = None,
) -> CalendarView:
    """The view of a VCALENDAR with a VEVENT per session, in the current locale.

    ``show_video(facts)`` says whether this reader may see the video link;
    ``page_url(facts)`` gives a web page about the session for readers without it;
    ``invite`` makes it an iTIP message to that person (mail attachments), else a feed.
    """
    host = installation_host()
    events = tuple(
        event_view(f, show_video=bool(show_video(f)), page_url=page_url(f), host=host)
        for f in sorted(facts, key=lambda f: (f.starts_at, f.id))
    )
    return CalendarView(
        locale=str(get_locale()), name=name, description=description, refresh=refresh, invite=invite,
        organizer=_organizer() if invite else None, phrases=_phrases(), events=events,
    )


def _organizer() -> tuple[str, str]:
    """(name, address) the invitations come from: the platform's sender address."""
    name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    return name or current_app.config["PLATFORM_NAME"], address


# Calendar apps poll the same feed every few minutes while it rarely changes; rendering two
# hundred events costs far more than loading them, so the bytes are kept by the view's digest.
_RENDERED = RenderedCache(size=64)  # some 50 KB each


def render(view: CalendarView, digest: str | None = None) -> bytes:
    """The file's bytes: kept ones for the same ``digest`` (``view.digest()`` when not given), or rendered."""
    return rendered(digest or view.digest(), lambda: view)


def rendered(digest: str, view: Callable[[], CalendarView]) -> bytes:
    """The bytes kept for ``digest``, or those of ``view()`` (whose digest it is), rendered and kept."""
    return _RENDERED.get_or_render(digest, lambda: _render(view()))


# The files -----------------------------------------------------------------------------------


def sessions_ics(sessions: Iterable[Session], **options) -> bytes:
    """``calendar_view`` of loaded sessions (with cohort and programme), rendered; ``options`` as there."""
    return render(calendar_view([facts_of(s) for s in sessions], **options))


def session_view(session: Session, *, show_video: bool, page_url: str | None = None,
                 invite: Invitation | None = None) -> CalendarView:
    """The view of one session's ``.ics`` file ("Zet in agenda", or a mail's invitation)."""
    return calendar_view(
        [facts_of(session)],
        name=f"{session.title} – {session.cohort.title}",
        show_video=lambda _f: show_video,
        page_url=lambda _f: page_url,
        invite=invite,
    )


def session_ics(session: Session, *, show_video: bool, page_url: str | None = None,
                invite: Invitation | None = None) -> bytes:
    """The ``.ics`` file of one session."""
    return render(session_view(session, show_video=show_video, page_url=page_url, invite=invite))


def cohort_ics(cohort: Cohort, include_video_link: bool, *, locale: str | None = None,
               invite: Invitation | None = None) -> bytes:
    """The sessions of a cohort for the enrolment confirmation mail (same UIDs as the feeds).

    Cancelled sessions are left out: a new participant never had them in a calendar.
    """
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return sessions_ics(
            [s for s in cohort.sessions if not s.is_cancelled],
            name=cohort.title,
            description=cohort.programme.title,
            show_video=lambda _s: include_video_link,
            page_url=public_page_url,
            invite=invite,
        )


def cohort_attachment(cohort: Cohort, include_video_link: bool, *, locale: str | None = None,
                      invite: Invitation | None = None) -> dict:
    """``cohort_ics`` as an attachment for ``queue_mail(attachments=[...])`` (JSON-safe)."""
    return {
        "filename": f"bijeenkomsten-groep-{cohort.id}.ics",
        "content_type": "text/calendar",
        "content": cohort_ics(cohort, include_video_link, locale=locale, invite=invite).decode("utf-8"),
    }


# Rendering: from the view alone -------------------------------------------------------------


def _render(view: CalendarView) -> bytes:
    cal = Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    if view.invite is not None:
        cal.add("METHOD", view.invite.method)
    cal.calendar_name = view.name  # NAME and X-WR-CALNAME
    if view.description:
        cal.description = view.description  # DESCRIPTION and X-WR-CALDESC
    cal.add("X-WR-TIMEZONE", TZID)
    cal.add("REFRESH-INTERVAL", vDuration(view.refresh), parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", vDuration(view.refresh))
    if view.events:
        first_year = min(e.starts_at for e in view.events).astimezone(timezone.utc).year - 1
        last_year = max(e.ends_at for e in view.events).astimezone(timezone.utc).year + 1
    else:
        first_year, last_year = EMPTY_CALENDAR_YEAR - 1, EMPTY_CALENDAR_YEAR + 1
    cal.add_component(vtimezone(TZID, first_year, last_year))
    for event_data in view.events:
        event = _event(event_data, view.phrases)
        if view.invite is not None:
            _address(event, view.invite, view.organizer)
        cal.add_component(event)
    return cal.to_ical()


def _address(event: Event, invite: Invitation, organizer: tuple[str, str]) -> None:
    """ORGANIZER and ATTENDEE, which an iTIP REQUEST and CANCEL must carry (RFC 5546, 3.2)."""
    organizer_name, organizer_address = organizer
    event.add("ORGANIZER", vCalAddress(f"mailto:{organizer_address}"), parameters={"CN": organizer_name})
    parameters = {"CUTYPE": "INDIVIDUAL", "ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"}
    if invite.name:
        parameters["CN"] = invite.name
    event.add("ATTENDEE", vCalAddress(f"mailto:{invite.email}"), parameters=parameters)


def location(event: EventView, phrases: Phrases) -> str:
    if event.kind == SessionKind.ONLINE:
        return phrases.online
    return ", ".join(part for part in (event.room, event.address) if part)


def _event(data: EventView, phrases: Phrases) -> Event:
    zone = ZoneInfo(TZID)
    title = f"{data.title} – {data.programme}"
    # Many clients ignore STATUS in subscriptions; the title says it everywhere.
    summary = phrases.cancelled_title % {"title": title} if data.cancelled else title

    lines = []
    if data.cancelled:
        lines.append(phrases.cancelled)
    lines.append(phrases.group % {"cohort": data.cohort})
    if data.kind == SessionKind.IN_PERSON:
        if data.address:
            lines.append(phrases.address % {"address": data.address})
        if data.room:
            lines.append(phrases.room % {"room": data.room})
    elif data.video:
        lines.append(phrases.video_line % {"url": data.video})
    else:
        lines.append(phrases.video_elsewhere)
    if data.page_url:
        lines.append(phrases.more % {"url": data.page_url})

    event = Event()
    event.add("UID", data.uid)
    event.add("DTSTAMP", data.changed)
    event.add("LAST-MODIFIED", data.changed)
    event.add("CREATED", data.created)
    event.add("SEQUENCE", data.sequence)
    event.add("STATUS", "CANCELLED" if data.cancelled else "CONFIRMED")
    event.add("TRANSP", "TRANSPARENT" if data.cancelled else "OPAQUE")
    event.add("SUMMARY", summary)
    event.add("DTSTART", data.starts_at.astimezone(zone))
    event.add("DTEND", data.ends_at.astimezone(zone))
    event.add("LOCATION", location(data, phrases))
    event.add("DESCRIPTION", "\n".join(lines))
    if data.video:
        event.add("URL", data.video)
        event.conferences = [Conference(data.video, feature="VIDEO", label=phrases.video_label)]
    elif data.page_url:
        event.add("URL", data.page_url)
    return event
