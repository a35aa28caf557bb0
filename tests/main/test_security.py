from __future__ import annotations

import re

import pytest

from lms import create_app
from lms.config import Config, TestConfig


def test_security_headers_on_every_response(client):
    for path in ("/", "/login", "/does-not-exist", "/healthz", "/static/css/app.css"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "unsafe-eval" not in csp and "unsafe-inline" not in csp
        for directive in ("frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "script-src 'self'"):
            assert directive in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]


def test_no_inline_scripts_and_no_cdn(client):
    page = client.get("/").get_data(as_text=True)
    assert "<script>" not in page and "<script " in page
    for line in page.splitlines():
        if "<script" in line:
            assert 'src="/static/' in line
    # Every script and stylesheet comes from this site: no absolute URL to
    # another host (a CDN) in a src or href of a script or link element.
    for tag in re.findall(r"<(?:script|link)\b[^>]*>", page):
        for url in re.findall(r'(?:src|href)="([^"]*)"', tag):
            assert not url.startswith(("http:", "https:", "//")), tag


def test_htmx_is_vendored_and_configured(client):
    page = client.get("/").get_data(as_text=True)
    assert "/static/vendor/htmx-2.0.11.min.js" in page
    assert '"selfRequestsOnly": true' in page
    assert '"allowEval": false' in page
    assert '"historyCacheSize": 0' in page
    assert client.get("/static/vendor/htmx-2.0.11.min.js").status_code == 200


def test_session_cookie_flags(client, make_user):
    make_user(email="c@example.org")
    response = client.post("/login", data={"email": "c@example.org", "password": "Correct-Horse-Battery-42"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookies_outside_development(monkeypatch):
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    app = create_app(Config())
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_missing_secret_key_is_a_startup_error(monkeypatch):
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Config())


def test_personal_pages_are_not_cached(client, auth, make_user):
    auth.login(make_user())
    assert client.get("/profile").headers["Cache-Control"] == "no-store"


def test_htmx_post_needs_csrf_header(client, make_user, auth):
    auth.login(make_user())
    assert client.post("/logout", csrf=False, htmx=True).status_code == 400
    assert client.post("/logout", htmx=True).status_code in (204, 303)


def test_request_size_limit(client):
    response = client.post("/login", data={"email": "x" * (3 * 1024 * 1024), "password": "y"})
    assert response.status_code == 413
    assert "Te groot" in response.get_data(as_text=True)


def test_get_never_changes_state(client, app, make_user):
    """Logging out and switching language are POST only."""
    assert client.get("/logout").status_code == 405
    assert client.get("/language?locale=en").status_code == 405


def test_error_pages_in_the_users_language(client):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.get_data(as_text=True)
    client.post("/language", data={"locale": "en", "next": "/"})
    response = client.get("/bestaat-niet")
    assert "Page not found" in response.get_data(as_text=True)


def test_500_page_without_stack_trace(app):
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    fresh = create_app(config)

    @fresh.get("/boom-for-test")
    def boom():
        raise ValueError("secret internals")

    response = fresh.test_client().get("/boom-for-test")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Er ging iets mis" in page
    assert "secret internals" not in page and "Traceback" not in page


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_unreachable_database(tmp_path):
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"
    app = create_app(config)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] != "ok"
