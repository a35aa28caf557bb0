"""Feed tokens never reach a log: werkzeug, gunicorn and the app's own loggers."""

from __future__ import annotations

import io
import logging
import threading
import urllib.error
import urllib.request

import pytest
from werkzeug.serving import make_server

from lms.calendar.privacy import FeedTokenFilter, install_log_redaction, redact
from tests.servers import gunicorn


def test_redact_keeps_the_rest_of_the_line():
    token = "Ab3_-" * 9
    line = f'127.0.0.1 - - [x] "GET /calendar/{token}.ics HTTP/1.1" 200 -'
    assert redact(line) == '127.0.0.1 - - [x] "GET /calendar/[redacted].ics HTTP/1.1" 200 -'
    assert redact("GET /calendar HTTP/1.1") == "GET /calendar HTTP/1.1"
    assert redact("POST /calendar/link/revoke") == "POST /calendar/link/revoke"
    assert redact(f"/calendar/{token}") == "/calendar/[redacted]"  # a link pasted without .ics


def test_werkzeug_request_log_is_redacted(app, token_for, coach, caplog):
    token = token_for(coach)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    caplog.set_level(logging.INFO, logger="werkzeug")
    try:
        url = f"http://127.0.0.1:{server.server_port}/calendar/{token}.ics"
        with urllib.request.urlopen(url) as response:
            assert response.status == 200
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(url.replace(token[:8], "zzzzzzzz"))
    finally:
        server.shutdown()
        thread.join(timeout=5)
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/calendar/[redacted].ics" in line and " 200 " in line for line in lines), lines
    assert any("/calendar/[redacted].ics" in line and " 404 " in line for line in lines), lines
    assert token not in caplog.text and token[8:] not in caplog.text


def test_app_logs_are_redacted_through_the_root_handlers(app):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        install_log_redaction()
        token = "T0k3n" * 9
        logging.getLogger("lms.errors").error("unhandled error on %s %s", "GET", f"/calendar/{token}.ics")
    finally:
        root.removeHandler(handler)
    assert token not in stream.getvalue()
    assert "unhandled error on GET /calendar/[redacted].ics" in stream.getvalue()
    assert any(isinstance(f, FeedTokenFilter) for f in handler.filters)


def test_install_is_idempotent():
    install_log_redaction()
    install_log_redaction()
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        assert sum(isinstance(f, FeedTokenFilter) for f in logging.getLogger(name).filters) == 1


def test_gunicorn_conf_redacts_the_access_log_of_any_app(tmp_path):
    """gunicorn.conf.py alone, with a bare WSGI app that never runs create_app."""
    (tmp_path / "bareapp.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'ok']\n"
    )
    token = "G" * 43
    with gunicorn(tmp_path, "bareapp:app", pythonpath=tmp_path) as (base, logs, _server):
        urllib.request.urlopen(f"{base}/calendar/{token}.ics", timeout=5).read()
    access = logs["access"].read_text()
    assert token not in access
    assert '"GET /calendar/[redacted].ics HTTP/1.1" 200' in access


def test_gunicorn_serving_the_app_keeps_tokens_out_of_its_logs(app, coach, token_for, tmp_path):
    token = token_for(coach)
    env = {
        "LMS_ENV": "production",
        "SECRET_KEY": "gunicorn-test-" + "x" * 32,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SESSION_COOKIE_SECURE": "false",
        "MAIL_BACKEND": "none",
    }
    with gunicorn(tmp_path, "wsgi:app", env=env) as (base, logs, _server):
        with urllib.request.urlopen(f"{base}/calendar/{token}.ics", timeout=5) as response:
            assert response.status == 200 and b"BEGIN:VCALENDAR" in response.read()
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{base}/calendar/{'q' * 43}.ics", timeout=5)
    access, errors = logs["access"].read_text(), logs["error"].read_text()
    assert token not in access + errors and "q" * 20 not in access + errors
    assert '"GET /calendar/[redacted].ics HTTP/1.1" 200' in access
    assert '"GET /calendar/[redacted].ics HTTP/1.1" 404' in access
    assert "/healthz" in access  # the access log works; only tokens are hidden
