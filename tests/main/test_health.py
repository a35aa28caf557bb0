"""/healthz is answered in front of the app: the same security headers, no cookie, no store (issue 20)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.extensions import db
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


def test_the_pool_s_ping_is_the_only_round_trip(app, client):
    """No statement, no session: the ping of the pooled connection it takes out is the check."""
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"]  # every configuration pings what it hands out
    with count_queries() as counter:
        assert client.get("/healthz").status_code == 200
    assert counter.statements == []


def test_after_the_database_dropped_the_connection_the_check_answers_ok_again(app, client):
    """A database restart kills the pooled connections: the ping finds the dead one and the pool
    opens a new one, so the load balancer does not take a healthy server out."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server that can drop a connection")
    assert client.get("/healthz").status_code == 200  # a connection in the pool
    other = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)  # not one of the app's connections
    with other.connect() as admin:
        dropped = admin.exec_driver_sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()").scalar()
    other.dispose()
    assert dropped >= 1
    assert client.get("/healthz").status_code == 200


def test_head_has_no_body_and_other_methods_and_paths_reach_the_app(client):
    head = client.head("/healthz")
    assert head.status_code == 200 and head.data == b"" and head.headers["Content-Length"] == "32"
    for response in (client.post("/healthz"), client.get("/healthz/")):
        # The app's own answer (no view has these), not the health check's.
        assert response.status_code == 404 and response.mimetype == "text/html"
