"""Calendar feeds and the subscribe page; the feeds only load, authorise and send the file."""

from __future__ import annotations

import functools
from datetime import timedelta

from flask import Response, abort, current_app, flash, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms import clock, ratelimit
from lms.auth.access import staff_required
from lms.calendar import bp
from lms.calendar.feeds import CalendarFile, feed_file, view_file
from lms.calendar.services import (
    all_regions,
    find_token,
    followed_cohorts,
    get_session,
    is_following,
    issue_token,
    may_see_session,
    may_see_video,
    personal_feed_rows,
    personal_sessions,
    record_use,
    region_by_slug,
    regional_feed_rows,
    revoke_token,
    toggle_follow,
    token_of,
)
from lms.cohorts import ical
from lms.cohorts.ical import public_page_url
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.htmx import is_htmx, redirect_to, render
from lms.urls import external_url, is_safe_next

# The new link waits here between the POST and the page that shows it, once.
SHOWN_ONCE_KEY = "calendar_new_token"


# Feeds -----------------------------------------------------------------------------------


def _plain(status: int, text: str) -> Response:
    """A bare answer for calendar apps: no page, no cookie, nothing about the token."""
    response = Response(text + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def _rate_limited(view):
    """Count every fetch of a feed against the client address; a 429 when over CALENDAR_LIMIT."""

    @functools.wraps(view)
    def limited(*args, **kwargs):
        address = request.remote_addr or "unknown"
        if ratelimit.hit("CALENDAR_LIMIT", "calendar", address):
            return view(*args, **kwargs)
        response = _plain(429, "Too Many Requests")
        response.headers["Retry-After"] = str(ratelimit.retry_after("CALENDAR_LIMIT", "calendar", address))
        return response

    return limited


def _not_found() -> Response:
    # The fetch still counts against the limit (rate-limit counters outlive a refused request,
    # ARCHITECTURE.md): guessing tokens is slow.
    return _plain(404, "Not Found")


def _found(item, visible: bool = True):
    """``item``, or a plain 404 answer when there is none or it is not for this reader."""
    if item is None or not visible:
        abort(_not_found())
    return item


def _send(file: CalendarFile, *, cache: str, filename: str | None = None) -> Response:
    """The file, named by its digest (the ETag); a 304 before rendering when the client has it."""
    if request.if_none_match.contains_weak(file.digest):
        response = Response(status=304)
    else:
        response = Response(file.content(), mimetype="text/calendar")
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
        if filename:
            response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = cache
    response.set_etag(file.digest)
    return response.make_conditional(request)


@bp.get("/calendar/<token>.ics")
@_rate_limited
def feed(token: str):
    """A person's own feed, found by the secret token in its URL."""
    subscriber = _found(find_token(token))
    now = clock.now()
    platform = current_app.config["PLATFORM_NAME"]
    with force_locale(subscriber.locale):
        file = feed_file(
            personal_feed_rows(subscriber, now),
            name=_("%(platform)s: my sessions", platform=platform),
            description=_("Your sessions at %(platform)s.", platform=platform),
        )
    response = _send(file, cache="private, no-cache")
    record_use(subscriber, now)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("/regions/<slug>/calendar.ics")
@_rate_limited
def region_feed(slug: str):
    """The public sessions of a region: no names, no video links."""
    region = _found(region_by_slug(slug))
    file = feed_file(
        regional_feed_rows(region, clock.now()),
        name=_("%(platform)s: %(region)s", platform=current_app.config["PLATFORM_NAME"], region=region.name),
        description=_("Training sessions for welzijnscoaches in %(region)s.", region=region.name),
        refresh=timedelta(hours=6),
    )
    return _send(file, cache="public, max-age=900")


@bp.get("/sessions/<int:session_id>.ics")
@_rate_limited
def session_ics(session_id: int):
    """One session for the user's calendar; the video link only for participants and staff."""
    item = get_session(session_id)
    _found(item, item is not None and may_see_session(current_user, item))
    view = ical.session_view(item, show_video=may_see_video(current_user, item), page_url=public_page_url(item))
    # Private: the same URL answers with or without the video link, depending on who asks.
    return _send(view_file(view), cache="private, no-cache", filename=f"bijeenkomst-{item.id}.ics")


# The subscribe page --------------------------------------------------------------------


def _links(https: str) -> dict:
    return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1]}


def _page_context(user, new_token: str | None = None) -> dict:
    now = clock.now()
    return {
        "token": token_of(user),
        "links": _links(external_url("calendar.feed", token=new_token)) if new_token else None,
        "upcoming": [s for s in personal_sessions(user, now) if s.ends_at >= now],
        "followed": followed_cohorts(user) if user.is_staff else [],
        "regions": [
            {"region": r, **_links(external_url("calendar.region_feed", slug=r.slug))} for r in all_regions()
        ],
    }


@bp.get("/calendar")
@login_required
def index():
    new_token = session.pop(SHOWN_ONCE_KEY, None)
    return render("calendar/index.html", **_page_context(current_user, new_token))


@bp.post("/calendar/link")
@login_required
def regenerate():
    """Make a new personal feed link; the previous one stops working at once."""
    had_one = token_of(current_user) is not None
    token = issue_token(current_user, clock.now())
    if had_one:  # a first link announces itself in the page
        flash(_("Your new calendar link is ready. The old link no longer works."), "success")
    if is_htmx():
        context = _page_context(current_user, token)
        return render("calendar/index.html", "calendar/_subscription.html", **context)
    session[SHOWN_ONCE_KEY] = token
    return redirect_to(url_for("calendar.index"))


@bp.post("/calendar/link/revoke")
@login_required
def revoke():
    if revoke_token(current_user):
        flash(_("Your calendar link has been switched off. Calendar apps no longer receive updates."), "success")
    session.pop(SHOWN_ONCE_KEY, None)
    if is_htmx():
        return render("calendar/index.html", "calendar/_subscription.html", **_page_context(current_user))
    return redirect_to(url_for("calendar.index"))


# Following cohorts (staff) ---------------------------------------------------------------


@bp.post("/staff/cohorts/<int:cohort_id>/follow")
@staff_required
def follow(cohort_id: int):
    """Follow a cohort in one's own calendar feed, or stop following it."""
    cohort = db.get_or_404(Cohort, cohort_id)
    following = toggle_follow(current_user, cohort)
    if following:
        flash(_("You follow %(cohort)s: its sessions are in your calendar feed.", cohort=cohort.title), "success")
    else:
        flash(_("You no longer follow %(cohort)s.", cohort=cohort.title), "info")
    if is_htmx():
        return render(
            "calendar/_follow_button.html", "calendar/_follow_button.html",
            cohort=cohort, following=following, next=request.form.get("next", ""),
        )
    target = request.form.get("next", "")
    if not is_safe_next(target):
        target = url_for("cohorts.show", cohort_id=cohort.id)
    return redirect_to(target)


def following(cohort: Cohort) -> bool:
    """Template helper for the follow button on pages that only have the cohort."""
    return current_user.is_authenticated and is_following(current_user, cohort)


@bp.app_context_processor
def _calendar_helpers():
    return {"calendar_is_following": following}
