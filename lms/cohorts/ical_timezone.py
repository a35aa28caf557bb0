"""VTIMEZONE components from the tz database, for the calendar files of ``lms.cohorts.ical``."""

from __future__ import annotations

import calendar as _calendar
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


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
