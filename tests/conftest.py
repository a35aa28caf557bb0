"""Fixtures: one app and database per test run (made by the migrations), emptied after each test.

Every test runs at one fixed instant, ``NOW``: the app's clock is frozen there (route
and browser tests included), and the ``now`` fixture hands the same instant to tests
that call services directly. A test that needs another moment moves the ``clock``.
"""

from __future__ import annotations

import contextvars
import functools
import os
import re
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from flask_login.utils import _create_identifier
from hypothesis import settings
from itsdangerous import URLSafeTimedSerializer
from werkzeug.serving import make_server

from lms import create_app
from lms.certificates.openbadges.keys import create_key
from lms.clock import FrozenClock
from lms.config import TestConfig
from lms.extensions import db
from tests import ownership
from tests.mailbox import Mailbox

CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')

# The instant every test runs at, whatever the machine's date (see tests/test_clock.py).
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)

# A few examples per property while developing; `make test` runs the full profile.
settings.register_profile("fast", max_examples=25, deadline=None)
settings.register_profile("full", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))
# Properties whose every example builds a whole world and walks it (the report summary, the
# enrolment lifecycle) take fewer examples; each one still checks hundreds of transitions.
HEAVY_EXAMPLES = {"fast": 6, "full": 30}[settings.get_current_profile_name()]

# The longest tests go first, so that both xdist workers finish together instead of one
# waiting for the other's last sweep.
HEAVY_FIRST = ("slow", "sweep", "browser")


@pytest.hookimpl(trylast=True)  # after tests/browser/conftest.py has marked its tests
def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: 0 if item.get_closest_marker("heavy") else
               1 if any(item.get_closest_marker(m) for m in HEAVY_FIRST) else 2)


def database_url(tmp_dir, worker: str) -> str:
    """SQLite in a temporary folder, or one PostgreSQL database per xdist worker."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_dir}/test.sqlite3"
    if worker in ("", "master"):
        return url
    base = sa.make_url(url)
    name = f"{base.database}_{worker}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


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
def _app(mailbox, tmp_path_factory, pytestconfig):
    worker_id = getattr(pytestconfig, "workerinput", {}).get("workerid", "master")
    config = TestConfig()
    config.CLOCK = FrozenClock(NOW)
    config.SQLALCHEMY_DATABASE_URI = database_url(tmp_path_factory.mktemp("db"), worker_id)
    config.MAIL_SERVER = "127.0.0.1"
    config.MAIL_PORT = mailbox.port
    config.MAIL_FILE_DIR = str(tmp_path_factory.mktemp("mail"))
    config.OPEN_BADGES_KEY_DIR = str(tmp_path_factory.mktemp("instance") / "keys")
    app = create_app(config)
    create_key(Path(config.OPEN_BADGES_KEY_DIR), NOW)  # the suite's own Open Badges signing key
    ownership.install()  # every write to owned state is checked for its owner, all suite long
    with app.app_context():
        from flask_migrate import upgrade

        _reset_schema(db.engine)
        upgrade()  # the schema comes from the migrations, exactly as in production
    return app


@functools.cache
def _postgresql_reset() -> str:
    deletes = [f'DELETE FROM "{t.name}"' for t in reversed(db.metadata.sorted_tables)]
    restarts = [f'ALTER SEQUENCE "{t.name}_{c.name}_seq" RESTART'
                for t in db.metadata.sorted_tables for c in t.primary_key.columns
                if c.autoincrement is True or (c.autoincrement == "auto" and c.type.python_type is int
                                               and len(t.primary_key.columns) == 1 and not c.foreign_keys)]
    return "; ".join(deletes + restarts)


def empty_tables() -> None:
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            # DELETE is much cheaper than TRUNCATE for a test's few rows; the sequences start
            # again at 1, as after TRUNCATE ... RESTART IDENTITY. One round trip for all of it.
            conn.exec_driver_sql(_postgresql_reset())
        else:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


# Where tests/world.py keeps a world that the next test may use again (see ``kept_world``).
KEPT_WORLD = "tests.kept_world"


@pytest.fixture
def app(_app, mailbox, request):
    keeps_world = "kept_world" in request.fixturenames
    saved = dict(_app.config)
    ctx = _app.app_context()
    ctx.push()
    if not keeps_world and _app.extensions.pop(KEPT_WORLD, None) is not None:
        empty_tables()  # a world kept for the matrix is no business of this test
    try:
        yield _app
    finally:
        db.session.rollback()
        db.session.remove()
        if not (keeps_world and KEPT_WORLD in _app.extensions):
            empty_tables()
        _app.extensions.pop("lms_ratelimit", None)
        _app.config.clear()
        _app.config.update(saved)
        _app.extensions["clock"].set(NOW)
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
        """A valid token for this client's session, made from the session itself when it has one.

        The signed token is what Flask-WTF puts in pages; only a session without a raw
        token yet costs a page load.
        """
        with self.session_transaction() as sess:
            has_token = "csrf_token" in sess
        if not has_token:
            page = self._isolated_open("/", method="GET")
            match = CSRF_RE.search(page.get_data(as_text=True))
            assert match, "no CSRF token on the start page"
            return match.group(1)
        with self.session_transaction() as sess:
            raw = sess["csrf_token"]
        config = self.application.config
        # Signed as flask_wtf.csrf.generate_csrf signs it (which caches in ``g``, shared here).
        signer = URLSafeTimedSerializer(config.get("WTF_CSRF_SECRET_KEY") or config["SECRET_KEY"],
                                        salt="wtf-csrf-token")
        return signer.dumps(raw)

    def login_session(self, user) -> None:
        """Log ``user`` in the way the login form leaves the session, without the form."""
        with self.application.test_request_context(environ_base=self.environ_base):
            identifier = _create_identifier()  # what Flask-Login's session protection checks
        with self.session_transaction() as sess:
            locale = sess.get("locale")
            sess.clear()
            if locale:
                sess["locale"] = locale
            sess["_user_id"] = user.session_token
            sess["_fresh"] = True
            sess["_id"] = identifier

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
    """The fixed instant of the test run (the app's frozen clock shows the same)."""
    return NOW


@pytest.fixture
def clock(app) -> FrozenClock:
    """The app's frozen clock; a test may move it, and it is back at NOW for the next test."""
    return app.extensions["clock"]


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, user_or_email, password: str | None = None):
        """Log in; through the session unless a password is given (then through the form)."""
        from lms.auth.services import find_user_by_email

        if password is None:
            user = user_or_email if hasattr(user_or_email, "session_token") else find_user_by_email(user_or_email)
            assert user is not None and user.is_active, f"no active user {user_or_email!r}"
            self.client.login_session(user)
            return None
        return self.login_form(user_or_email, password)

    def login_form(self, user_or_email, password: str | None = None):
        """Log in through the login form, as a person does."""
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
