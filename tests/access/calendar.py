"""Routes of the calendar: the subscribe page, the feeds and following cohorts."""

from __future__ import annotations

from datetime import date, time, timedelta

from lms.calendar.services import issue_token
from lms.cohorts.models import Cohort, CohortStatus, Session
from lms.i18n import local_to_utc
from lms.programmes.models import SessionKind
from tests.access import EVERYONE, LOGGED_IN, STAFF, Route, p
from tests.conftest import NOW

NOBODY: frozenset[str] = frozenset()
UNKNOWN_TOKEN = "x" * 43


def extend_world(w: dict) -> None:
    """A feed token for the coach, and a draft cohort (in the coordinator's region) with one session."""
    from lms.extensions import db

    w["calendar_token"] = issue_token(w["users"]["coach"], NOW)
    draft = Cohort(programme=w["programme"], region=w["region"], title="Groep in voorbereiding",
                   status=CohortStatus.DRAFT, trainers=[w["users"]["trainer"]])
    starts = local_to_utc(date(2027, 9, 7), time(9, 0))
    draft.sessions.append(Session(kind=SessionKind.ONLINE, title="Online dagdeel", starts_at=starts,
                                  ends_at=starts + timedelta(hours=3), video_url="https://meet.example.org/d"))
    db.session.add(draft)
    db.session.flush()
    w["draft_session_id"] = draft.sessions[0].id
    w["draft_cohort_id"] = draft.id


DRAFT_READERS = frozenset({"trainer", "staff", "coordinator", "admin"})

ROUTES: list[Route] = [
    Route("calendar.index", "GET", p("/calendar"), LOGGED_IN),
    Route("calendar.regenerate", "POST", p("/calendar/link"), LOGGED_IN),
    Route("calendar.revoke", "POST", p("/calendar/link/revoke"), LOGGED_IN),
    # The personal feed is reached by its token alone, whoever asks; a bad token is a 404 for all.
    Route("calendar.feed", "GET", p("/calendar/{calendar_token}.ics"), EVERYONE),
    Route("calendar.feed", "GET", p("/calendar/" + UNKNOWN_TOKEN + ".ics"), NOBODY,
          denied_status=404, anonymous_status=404),
    Route("calendar.region_feed", "GET", p("/regions/{region_slug}/calendar.ics"), EVERYONE),
    Route("calendar.region_feed", "GET", p("/regions/{other_region_slug}/calendar.ics"), EVERYONE),
    Route("calendar.region_feed", "GET", p("/regions/no-such-region/calendar.ics"), NOBODY,
          denied_status=404, anonymous_status=404),
    Route("calendar.session_ics", "GET", p("/sessions/{session_id}.ics"), EVERYONE),
    Route("calendar.session_ics", "GET", p("/sessions/{other_session_id}.ics"), EVERYONE),
    # A draft cohort's existence is private: 404 for those who may not see it.
    Route("calendar.session_ics", "GET", p("/sessions/{draft_session_id}.ics"), DRAFT_READERS,
          denied_status=404, anonymous_status=404),
    Route("calendar.session_ics", "GET", p("/sessions/999999.ics"), NOBODY, denied_status=404, anonymous_status=404),
    Route("calendar.follow", "POST", p("/staff/cohorts/{cohort_id}/follow"), STAFF),
    Route("calendar.follow", "POST", p("/staff/cohorts/{draft_cohort_id}/follow"), STAFF),
]
