"""Response headers: a CSP that allows only the images the app shows, and no versions in ``Server``."""

from __future__ import annotations

import threading
import urllib.request

import pytest
from werkzeug.serving import make_server

from lms import CSP


def test_images_come_only_from_the_app_itself(client):
    policy = client.get("/login").headers["Content-Security-Policy"]
    img = next(part.strip() for part in policy.split(";") if part.strip().startswith("img-src"))
    assert img.split()[1:] == ["'self'", "data:"]  # data: for the stylesheet's SVG icons; no https: wildcard
    assert CSP["img-src"] == ["'self'", "data:"]


def test_the_development_server_names_no_versions(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/healthz", timeout=10) as response:
            assert response.headers["Server"] == "Werkzeug"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.mark.slow
def test_gunicorn_names_no_version(app):
    from tests.auth.test_burst import gunicorn

    with gunicorn(app.config["SQLALCHEMY_DATABASE_URI"]) as base:
        with urllib.request.urlopen(base + "/healthz", timeout=10) as response:
            assert response.headers.get_all("Server") == ["gunicorn"]
