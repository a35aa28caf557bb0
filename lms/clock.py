"""The one place the application reads the time.

Routes and CLI commands take ``now()`` once and hand it down to the services as
``now``; services never read the clock themselves. The clock is the app's
``CLOCK`` setting: the system clock in production, a ``FrozenClock`` in the
tests, so every layer (routes, services, model defaults, the live server of the
browser tests) sees the same fixed instant whatever day the suite runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Flask, current_app, g, has_app_context, has_request_context


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FrozenClock:
    """A clock that stands still at ``at`` until a test moves it."""

    def __init__(self, at: datetime):
        self.at = _aware(at)

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = _aware(at)

    def advance(self, delta: timedelta) -> None:
        self.at += delta


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("a clock needs a timezone-aware instant")
    return at.astimezone(timezone.utc)


def init_app(app: Flask) -> None:
    app.extensions["clock"] = app.config.get("CLOCK") or SystemClock()


def now() -> datetime:
    """The current instant (UTC): the same value for the whole of one request."""
    if has_request_context():
        if "_now" not in g:
            g._now = current_app.extensions["clock"].now()
        return g._now
    if has_app_context():
        return current_app.extensions["clock"].now()
    return datetime.now(timezone.utc)  # outside any app (module import, scripts without an app)


def timestamp() -> float:
    """``now()`` as epoch seconds, for counters that keep time as numbers."""
    return now().timestamp()
