"""A cohort's sessions as iCalendar: a pure function from sessions to bytes (RFC 5545 and RFC 7986).

Nothing here reads the request or the clock, and nothing queries beyond the sessions'
cohort and programme (load those eagerly): the same sessions give the same bytes, so feeds
carry a strong ETag. DTSTAMP and LAST-MODIFIED come from the session's own last change and
the UID is the session's (with this installation's host), so every feed, download and mail
attachment describes the same event with the same SEQUENCE. The calendar feature serves
these as feeds (no METHOD: a published calendar); the enrolment feature attaches them to
mails as iTIP messages (RFC 5546) to the one recipient: ``METHOD:REQUEST`` puts or updates
the events in their calendar, ``METHOD:CANCEL`` takes cancelled ones out (``Invitation``).
"""

from __future__ import annotations

import calendar as _calendar
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parseaddr
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from icalendar import Calendar, Conference, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress, vDuration

from lms.cohorts.models import Cohort, CohortStatus, Session
from lms.programmes.models import SessionKind
from lms.urls import external_url

TZID = "Europe/Amsterdam"
PRODID = "-//Welzijnscoach Academie//Agenda//NL"
# An empty calendar still needs one component to be valid; its VTIMEZONE is built for
# the years around this one (any year would do, a constant keeps the bytes stable).
EMPTY_CALENDAR_YEAR = 2026
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

SessionTest = Callable[[Session], bool]
SessionLink = Callable[[Session], "str | None"]


@dataclass(frozen=True)
class Invitation:
    """A calendar file sent by mail to one person: an iTIP REQUEST or CANCEL (RFC 5546, 6047)."""

    method: str  # REQUEST: the events are (still) on, with these details; CANCEL: they are cancelled
    email: str
    name: str = ""


def invitation_for(user, *, cancel: bool = False) -> Invitation:
    return Invitation("CANCEL" if cancel else "REQUEST", user.email, user.name or "")


def _never(_session: Session) -> bool:
    return False


def _no_link(_session: Session) -> None:
    return None


def sessions_ics(
    sessions: Iterable[Session],
    *,
    name: str,
    description: str = "",
    refresh: timedelta = timedelta(hours=1),
    show_video: SessionTest = _never,
    page_url: SessionLink = _no_link,
    invite: Invitation | None = None,
) -> bytes:
    """One VCALENDAR with a VEVENT per session and the VTIMEZONE they use.

    ``show_video(session)`` says whether this reader may see the video link;
    ``page_url(session)`` gives a web page about the session for readers without it;
    ``invite`` makes it an iTIP message to that person (mail attachments), else a feed.
    """
    sessions = sorted(sessions, key=lambda s: (s.starts_at, s.id))
    organizer = _organizer() if invite else None
    key = (
        str(get_locale()), name, description, refresh, invite, organizer,
        tuple((s.ical_uid, s.sequence, s.updated_at, s.created_at, s.status, s.kind, s.title, s.starts_at,
               s.ends_at, s.address, s.room, s.video_url, s.cohort.status, s.cohort.title, s.cohort.programme.title,
               bool(show_video(s)), page_url(s)) for s in sessions),
    )
    return _RENDERED.get_or_render(
        key, lambda: _render(sessions, name, description, refresh, show_video, page_url, invite, organizer))


def _organizer() -> tuple[str, str]:
    """(name, address) the invitations come from: the platform's sender address."""
    name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    return name or current_app.config["PLATFORM_NAME"], address


class _RenderCache:
    """The last feeds rendered by this process, by everything they say.

    Calendar apps poll the same feed every few minutes while it rarely changes; rendering
    two hundred events costs far more than loading them, so an unchanged feed is served from
    here. Losing it costs nothing: it is a cache, not state.
    """

    def __init__(self, size: int = 64):
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get_or_render(self, key, render) -> bytes:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        body = render()
        with self.lock:
            self.items[key] = body
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return body


_RENDERED = _RenderCache()


def _render(sessions, name, description, refresh, show_video, page_url, invite=None, organizer=None) -> bytes:
    cal = Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    if invite is not None:
        cal.add("METHOD", invite.method)
    cal.calendar_name = name  # NAME and X-WR-CALNAME
    if description:
        cal.description = description  # DESCRIPTION and X-WR-CALDESC
    cal.add("X-WR-TIMEZONE", TZID)
    cal.add("REFRESH-INTERVAL", vDuration(refresh), parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", vDuration(refresh))
    if sessions:
        first_year = min(s.starts_at for s in sessions).astimezone(timezone.utc).year - 1
        last_year = max(s.ends_at for s in sessions).astimezone(timezone.utc).year + 1
    else:
        first_year, last_year = EMPTY_CALENDAR_YEAR - 1, EMPTY_CALENDAR_YEAR + 1
    cal.add_component(vtimezone(TZID, first_year, last_year))
    for session in sessions:
        event = _event(session, show_video(session), page_url(session))
        if invite is not None:
            _address(event, invite, organizer)
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


def session_ics(session: Session, *, show_video: bool, page_url: str | None = None,
                invite: Invitation | None = None) -> bytes:
    """The ``.ics`` file of one session ("Zet in agenda", or a mail's invitation)."""
    return sessions_ics(
        [session],
        name=f"{session.title} – {session.cohort.title}",
        show_video=lambda _s: show_video,
        page_url=lambda _s: page_url,
        invite=invite,
    )


def public_page_url(session: Session) -> str | None:
    """The public web page of the session's cohort, once that page exists (drafts have none)."""
    if session.cohort.status == CohortStatus.DRAFT:
        return None
    return external_url("catalogue.cohort", cohort_id=session.cohort_id)


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


# Events ---------------------------------------------------------------------------------


def is_cancelled(session: Session) -> bool:
    """Cancelled itself, or part of a cancelled cohort."""
    return session.is_cancelled or session.cohort.status == CohortStatus.CANCELLED


def sequence(session: Session) -> int:
    # A cohort cancelled without its sessions being marked still changes every session's
    # status, so its SEQUENCE must rise for clients to take the cancellation.
    extra = 1 if session.cohort.status == CohortStatus.CANCELLED and not session.is_cancelled else 0
    return session.sequence + extra


def last_modified(session: Session) -> datetime:
    """The session's last change: its own, or the cancellation of it or of its cohort."""
    moments = [session.created_at, session.updated_at, session.cancelled_at]
    if session.cohort.status == CohortStatus.CANCELLED:
        moments.append(session.cohort.cancelled_at)
    return max(m for m in moments if m is not None).astimezone(timezone.utc)


def location(session: Session) -> str:
    if session.kind == SessionKind.ONLINE:
        return _("Online")
    return ", ".join(part for part in (session.room, session.address) if part)


def _event(session: Session, show_video: bool, page_url: str | None) -> Event:
    zone = ZoneInfo(TZID)
    cancelled = is_cancelled(session)
    cohort = session.cohort
    video = session.video_url if (show_video and session.kind == SessionKind.ONLINE and session.video_url) else None

    title = f"{session.title} – {cohort.programme.title}"
    # Many clients ignore STATUS in subscriptions; the title says it everywhere.
    summary = _("Cancelled: %(title)s", title=title) if cancelled else title

    lines = []
    if cancelled:
        lines.append(_("This session has been cancelled."))
    lines.append(_("Group: %(cohort)s", cohort=cohort.title))
    if session.kind == SessionKind.IN_PERSON:
        if session.address:
            lines.append(_("Address: %(address)s", address=session.address))
        if session.room:
            lines.append(_("Room: %(room)s", room=session.room))
    elif video:
        lines.append(_("Video link: %(url)s", url=video))
    else:
        lines.append(_("Online session; participants find the video link on the platform."))
    if page_url:
        lines.append(_("More information: %(url)s", url=page_url))

    changed = last_modified(session)
    event = Event()
    event.add("UID", session.ical_uid)
    event.add("DTSTAMP", changed)
    event.add("LAST-MODIFIED", changed)
    event.add("CREATED", session.created_at.astimezone(timezone.utc))
    event.add("SEQUENCE", sequence(session))
    event.add("STATUS", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("TRANSP", "TRANSPARENT" if cancelled else "OPAQUE")
    event.add("SUMMARY", summary)
    event.add("DTSTART", session.starts_at.astimezone(zone))
    event.add("DTEND", session.ends_at.astimezone(zone))
    event.add("LOCATION", location(session))
    event.add("DESCRIPTION", "\n".join(lines))
    if video:
        event.add("URL", video)
        event.conferences = [Conference(video, feature="VIDEO", label=_("Video link"))]
    elif page_url:
        event.add("URL", page_url)
    return event


# Time zone ------------------------------------------------------------------------------


Transition = tuple[datetime, timedelta, timedelta, str, bool]  # at (UTC), from, to, name, is_dst


@lru_cache(maxsize=32)
def _transitions(tzid: str, first_year: int, last_year: int) -> tuple[Transition, ...]:
    """Every change of UTC offset from 1 January of first_year to the end of last_year."""
    zone = ZoneInfo(tzid)
    t = datetime(first_year, 1, 1, tzinfo=timezone.utc)
    end = datetime(last_year + 1, 1, 1, tzinfo=timezone.utc)
    offset = t.astimezone(zone).utcoffset()
    found: list[Transition] = []
    while t < end:
        step = min(t + timedelta(days=1), end)
        new = step.astimezone(zone).utcoffset()
        if new != offset:
            lo, hi = int(t.timestamp()), int(step.timestamp())
            while hi - lo > 1:  # to the second
                mid = (lo + hi) // 2
                if datetime.fromtimestamp(mid, timezone.utc).astimezone(zone).utcoffset() == offset:
                    lo = mid
                else:
                    hi = mid
            at = datetime.fromtimestamp(hi, timezone.utc)
            local = at.astimezone(zone)
            found.append((at, offset, new, local.tzname() or str(new), bool(local.dst())))
            offset = new
        t = step
    return tuple(found)


def _yearly_rule(onsets: list[datetime], until: datetime | None) -> dict | None:
    """An RRULE for onsets on the same weekday of the same month every year, if they are."""
    first = onsets[0]
    if len(onsets) < 2 or [o.year for o in onsets] != list(range(first.year, first.year + len(onsets))):
        return None
    if any((o.month, o.weekday(), o.time()) != (first.month, first.weekday(), first.time()) for o in onsets):
        return None
    if all(o.day + 7 > _calendar.monthrange(o.year, o.month)[1] for o in onsets):
        nth = -1
    elif len({(o.day - 1) // 7 for o in onsets}) == 1:
        nth = (first.day - 1) // 7 + 1
    else:
        return None
    rule = {"FREQ": "YEARLY", "BYMONTH": first.month, "BYDAY": f"{nth}{_WEEKDAYS[first.weekday()]}"}
    if until is not None:
        rule["UNTIL"] = until
    return rule


def vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE from the tz database, correct for first_year to last_year.

    icalendar's ``Timezone.from_tzid`` writes the spring onset in the new offset
    (03:00 for Amsterdam) where RFC 5545 section 3.6.5 wants the wall-clock time in
    TZOFFSETFROM (02:00), which puts the change an hour late for clients that read the
    VTIMEZONE. Here each onset is the UTC instant of the change plus the old offset, and
    regular yearly changes become an RRULE, the form Outlook understands best.
    """
    component = Timezone()
    component.add("TZID", tzid)
    transitions = _transitions(tzid, first_year, last_year)
    if not transitions:
        zone = ZoneInfo(tzid)
        start = datetime(first_year, 1, 1, tzinfo=timezone.utc).astimezone(zone)
        observance = TimezoneDaylight() if start.dst() else TimezoneStandard()
        observance.add("TZNAME", start.tzname())
        observance.add("TZOFFSETFROM", start.utcoffset())
        observance.add("TZOFFSETTO", start.utcoffset())
        observance.add("DTSTART", start.replace(tzinfo=None))
        component.add_component(observance)
        return component
    groups: dict[tuple[timedelta, timedelta, str, bool], list[tuple[datetime, datetime]]] = {}
    for at, before, after, name, is_dst in transitions:
        groups.setdefault((before, after, name, is_dst), []).append(((at + before).replace(tzinfo=None), at))
    for (before, after, name, is_dst), changes in groups.items():
        onsets = [onset for onset, _at in changes]
        # A rule that stopped within the years covered ends there (UNTIL in UTC, RFC 5545).
        until = changes[-1][1] if onsets[-1].year < last_year else None
        observance = TimezoneDaylight() if is_dst else TimezoneStandard()
        observance.add("TZNAME", name)
        observance.add("TZOFFSETFROM", before)
        observance.add("TZOFFSETTO", after)
        observance.add("DTSTART", onsets[0])
        rule = _yearly_rule(onsets, until)
        if rule is not None:
            observance.add("RRULE", rule)
        elif len(onsets) > 1:
            observance.add("RDATE", onsets[1:])
        component.add_component(observance)
    return component
