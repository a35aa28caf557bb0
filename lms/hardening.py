"""Request-wide defences: a request id, structured logs without secrets, and input no database stores.

- Every request gets an id (a well-formed ``X-Request-ID`` from the proxy in front, or a
  new random one). It is on every log line written while the request runs and in the
  response's ``X-Request-ID`` header, and a 500 page shows it, so a user's report leads
  to the log lines of exactly that request.
- Log lines are JSON objects (``LOG_FORMAT=text`` gives plain lines for development);
  secrets in paths and query strings (reset links, verification links, feed tokens,
  passwords) are redacted before anything is written.
- A NUL character cannot be stored by PostgreSQL and no browser sends one; a multipart
  form field without a name breaks the CSRF check. Both are refused with 400 before any
  view runs.
- The ``Server`` header names no versions (Werkzeug's server said "Werkzeug/3.1.9
  Python/3.11.7"; gunicorn.conf.py does the same for gunicorn).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.serving import WSGIRequestHandler

REQUEST_ID_HEADER = "X-Request-ID"
_INCOMING_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")

# (pattern, replacement): the secret parts of URLs and forms, wherever they appear in a message.
_SECRETS = (
    (re.compile(r"(/password/reset/)[^/?#\s\"'<>]+"), r"\1[redacted]"),
    (re.compile(r"(/account/confirm/|/account/email/undo/)[^/?#\s\"'<>]+"), r"\1[redacted]"),
    (re.compile(r"(/verify/)[A-Za-z0-9_-]{8,}"), r"\1[redacted]"),
    (re.compile(r"(/calendar/)[A-Za-z0-9_-]{16,}"), r"\1[redacted]"),
    (re.compile(r"((?:^|[?&\s])(?:token|password|password_confirm|current_password|csrf_token)=)[^&\s\"']+",
                re.IGNORECASE), r"\1[redacted]"),
)

log = logging.getLogger("lms.request")


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def request_id() -> str | None:
    """The id of the current request, if there is one."""
    if not has_request_context():
        return None
    return g.get("request_id")


# Logging -------------------------------------------------------------------------------


class RequestIdFilter(logging.Filter):
    """Puts the request id (or None outside a request) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and the exception."""

    EXTRA = ("method", "path", "status", "duration_ms", "user_id")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", None),
        }
        for key in self.EXTRA:
            if hasattr(record, key):
                value = getattr(record, key)
                entry[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(app: Flask) -> logging.Handler:
    """Install (once) the handler on the root logger that every module's logger reaches."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "lms_handler", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.lms_handler = True
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    handler.setFormatter(TextFormatter() if app.config.get("LOG_FORMAT") == "text" else JsonFormatter())
    root.setLevel(app.config["LOG_LEVEL"])
    # The development server's own request lines have no request id; ours replace them.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    return handler


# Requests ------------------------------------------------------------------------------


class UnstorableInput(BadRequest):
    lms_message = _l("What you sent contains characters that are not allowed. Please check it and try again.")


def request_id_from(incoming: str) -> str:
    """A well-formed id from the proxy in front, or a new random one."""
    return incoming if _INCOMING_ID.fullmatch(incoming) else secrets.token_hex(16)


def _start_request() -> None:
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER, ""))
    g.request_started = time.perf_counter()
    _refuse_unstorable_input()


def _refuse_unstorable_input() -> None:
    if "\x00" in request.path:
        raise UnstorableInput()
    fields = request.args.items(multi=True)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        fields = [*fields, *request.form.items(multi=True)]
    for key, value in fields:
        if not isinstance(key, str) or "\x00" in key or "\x00" in value:
            raise UnstorableInput()


def _finish_request(response):
    rid = g.get("request_id")
    if rid:
        response.headers[REQUEST_ID_HEADER] = rid
    if request.endpoint != "static":
        started = g.get("request_started")
        log.info(
            "%s %s %s", request.method, redact(request.path), response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            },
        )
    return response


def _server_name(_handler) -> str:
    return "Werkzeug"


def hide_server_versions() -> None:
    """The development server's ``Server`` header without its and Python's version."""
    WSGIRequestHandler.version_string = _server_name


def init_app(app: Flask) -> None:
    """Call before the extensions are bound: the id and the input check come before CSRF."""
    hide_server_versions()
    configure_logging(app)
    app.before_request(_start_request)
    app.after_request(_finish_request)

    @app.context_processor
    def _request_id():
        return {"request_id": request_id()}
