"""htmx request and response helpers: one template decides page or fragment."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, make_response, redirect, render_template, request, session


def is_htmx() -> bool:
    """A request made by htmx, but not a history restore (that needs the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(page: str, fragment: str | None = None, /, status: int = 200, **context: Any) -> Response:
    """Render the fragment for htmx, the full page otherwise.

    Flash messages travel along with a fragment as an out-of-band swap, so they
    reach the page even when only part of it is replaced.
    """
    if fragment is not None and is_htmx():
        body = render_template(fragment, **context)
        if _has_flashes():
            body += render_template("_flashes.html", oob=True)
        return make_response(body, status)
    return make_response(render_template(page, **context), status)


def _has_flashes() -> bool:
    # Peek without consuming: _flashes.html pops them.
    return bool(session.get("_flashes"))


def flashes_only(status: int = 200) -> Response:
    """A response that only updates the flash area (for htmx actions with no other change)."""
    return make_response(render_template("_flashes.html", oob=True), status)


def redirect_to(url: str) -> Response:
    """Redirect with 303; htmx requests get HX-Redirect so the browser loads the new page."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def trigger(response: Response, event: str, detail: Any = None) -> Response:
    """Add an event to HX-Trigger, merging with any events already set."""
    existing = response.headers.get("HX-Trigger")
    events: dict[str, Any] = {}
    if existing:
        try:
            events = json.loads(existing)
        except ValueError:
            events = {name.strip(): None for name in existing.split(",") if name.strip()}
    events[event] = detail
    response.headers["HX-Trigger"] = json.dumps(events)
    return response


def add_vary(response: Response) -> Response:
    """Pages and fragments share URLs, so caches must key on HX-Request."""
    response.vary.add("HX-Request")
    return response
