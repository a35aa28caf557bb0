"""/healthz is answered in front of the app: the same security headers, no cookie, no store (issue 20)."""

from __future__ import annotations

from lms.hardening import REQUEST_ID_HEADER
from tests.querycount import count_queries

SECURITY = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
            "Permissions-Policy")


def test_the_health_check_carries_the_security_headers_of_every_page(client):
    page, health = client.get("/login"), client.get("/healthz")
    assert health.status_code == 200 and health.get_json() == {"status": "ok", "database": "ok"}
    assert {name: health.headers[name] for name in SECURITY} == {name: page.headers[name] for name in SECURITY}
    assert health.headers["Cache-Control"] == "no-store"
    assert health.headers["Content-Type"] == "application/json"
    assert "Set-Cookie" not in health.headers and len(health.headers[REQUEST_ID_HEADER]) == 32


def test_one_statement_through_the_app_s_engine_and_no_session(app, client):
    with count_queries() as counter:
        assert client.get("/healthz").status_code == 200
    assert counter.statements == ["SELECT 1"]


def test_head_has_no_body_and_other_methods_and_paths_reach_the_app(client):
    head = client.head("/healthz")
    assert head.status_code == 200 and head.data == b"" and head.headers["Content-Length"] == "32"
    for response in (client.post("/healthz"), client.get("/healthz/")):
        # The app's own answer (no view has these), not the health check's.
        assert response.status_code == 404 and response.mimetype == "text/html"
