"""Fixtures: one app and database per test run (made by the migrations), emptied after each test."""

from __future__ import annotations

import contextvars
import os
import re
import threading
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from lms import create_app
from lms.config import TestConfig
from lms.extensions import db
from tests.mailbox import Mailbox

CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')


def database_url(tmp_dir) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir}/test.sqlite3"


@pytest.fixture(scope="session")
def mailbox():
    box = Mailbox()
    box.start()
    yield box
    box.stop()


def _reset_schema(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")


@pytest.fixture(scope="session")
def _app(mailbox, tmp_path_factory):
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url(tmp_path_factory.mktemp("db"))
    config.MAIL_SERVER = "127.0.0.1"
    config.MAIL_PORT = mailbox.port
    config.MAIL_FILE_DIR = str(tmp_path_factory.mktemp("mail"))
    app = create_app(config)
    with app.app_context():
        from flask_migrate import upgrade

        _reset_schema(db.engine)
        upgrade()  # the schema comes from the migrations, exactly as in production
    return app


def _empty_tables() -> None:
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def app(_app, mailbox):
    saved = dict(_app.config)
    ctx = _app.app_context()
    ctx.push()
    try:
        yield _app
    finally:
        db.session.rollback()
        db.session.remove()
        _empty_tables()
        _app.extensions.pop("lms_ratelimit", None)
        _app.config.clear()
        _app.config.update(saved)
        mailbox.clear()
        ctx.pop()


class Client(FlaskClient):
    """A test client that sends the CSRF token with every state-changing request.

    Each request runs in an empty context, so it gets its own app context, ``g`` and
    database session, as in production, instead of sharing the test's.
    """

    def _isolated_open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # the test sees what the request committed
        return response

    def csrf_token(self) -> str:
        page = self._isolated_open("/", method="GET")
        match = CSRF_RE.search(page.get_data(as_text=True))
        assert match, "no CSRF token on the start page"
        return match.group(1)

    def open(self, *args, csrf: bool = True, htmx: bool = False, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        headers = dict(kwargs.pop("headers", None) or {})
        if htmx:
            headers["HX-Request"] = "true"
        if csrf and method not in ("GET", "HEAD", "OPTIONS"):
            headers.setdefault("X-CSRFToken", self.csrf_token())
        kwargs["headers"] = headers
        return self._isolated_open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, user_or_email, password: str | None = None):
        from tests.factories import PASSWORD

        email = getattr(user_or_email, "email", user_or_email)
        response = self.client.post(
            "/login", data={"email": email, "password": password or PASSWORD}, follow_redirects=False
        )
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        return response

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    server = LiveServer(app)
    previous = app.config["BASE_URL"]
    app.config["BASE_URL"] = server.url
    server.start()
    yield server
    server.stop()
    app.config["BASE_URL"] = previous


from tests.factories import *  # noqa: E402,F401,F403 - factory fixtures
