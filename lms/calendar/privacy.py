"""Keeping personal feed tokens out of logs and referrers.

A feed URL is a password: anyone holding ``/calendar/<token>.ics`` reads that person's
calendar. Werkzeug's request log, gunicorn's access and error logs and the app's own
logs would all write it down, so a filter rewrites the token before any handler sees it.
"""

from __future__ import annotations

import logging
import re

from flask import Flask, request

# A token-like path segment after /calendar/, with or without .ics (a mistyped link is a
# token too); /calendar and /calendar/link stay readable.
TOKEN_PATH = re.compile(r"(/calendar/)[A-Za-z0-9_-]{16,}")
REDACTED = r"\1[redacted]"

# Loggers that write request lines; records from other loggers reach the root handlers.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")

# Endpoints whose responses carry Referrer-Policy: no-referrer.
FEED_ENDPOINTS = frozenset({"calendar.feed", "calendar.region_feed", "calendar.session_ics"})


def redact(text: str) -> str:
    return TOKEN_PATH.sub(REDACTED, text)


class FeedTokenFilter(logging.Filter):
    """Replaces feed tokens in a log record's message; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logging's problem, not ours
            return True
        if TOKEN_PATH.search(message):
            record.msg = redact(message)
            record.args = None
        return True


def _add_once(target: logging.Logger | logging.Handler) -> None:
    if not any(isinstance(f, FeedTokenFilter) for f in target.filters):
        target.addFilter(FeedTokenFilter())


def install_log_redaction() -> None:
    """Filter the request loggers and every handler of the root logger (idempotent)."""
    for name in REQUEST_LOGGERS:
        _add_once(logging.getLogger(name))
    for handler in logging.getLogger().handlers:
        _add_once(handler)


def init_app(app: Flask) -> None:
    """Install the log filter and the feeds' Referrer-Policy.

    Call before the extensions are bound: after_request functions run in reverse order of
    registration, so this one runs after Talisman's, which sets Referrer-Policy for all.
    """
    install_log_redaction()

    @app.after_request
    def _no_referrer_for_feeds(response):
        if request.endpoint in FEED_ENDPOINTS:
            response.headers["Referrer-Policy"] = "no-referrer"
        return response
