"""``GET /healthz``, answered in front of the Flask app: a load balancer polls it every few seconds.

It says whether this process reaches the database: the pool's ping of the connection it
hands out (no ORM session, no transaction, no statement of its own). It is a
small WSGI middleware rather than a view because the request hooks every page needs (the
access log line, CSRF, locale, login, Talisman, the unit of work's commit) cost several
times the check itself; the answer still carries the security headers every page carries,
``Cache-Control: no-store`` and a request id, and never a cookie. Other methods and paths
go to the app unchanged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

import sqlalchemy as sa

from lms.hardening import REQUEST_ID_HEADER, request_id_from

PATH = "/healthz"
_OK = json.dumps({"database": "ok", "status": "ok"}, separators=(",", ":")).encode() + b"\n"
_DOWN = json.dumps({"database": "unreachable", "status": "error"}, separators=(",", ":")).encode() + b"\n"

log = logging.getLogger("lms.health")


def database_reachable(engine: sa.Engine, *, pre_ping: bool) -> bool:
    """Whether the database answers, at the cost of one round trip.

    With ``pre_ping`` (the engine's ``pool_pre_ping``, set in every configuration) the pool
    pings every connection it hands out and opens a new one when the ping fails, so a
    connection in hand means the database answered just now: that ping is the check.
    Without it, an explicit ``SELECT 1``.
    """
    try:
        connection = engine.raw_connection()
        try:
            if not pre_ping:
                cursor = connection.cursor()
                cursor.execute("SELECT 1")
                cursor.close()
        finally:
            connection.close()  # back to the pool; no transaction was begun
    except (sa.exc.SQLAlchemyError, engine.dialect.loaded_dbapi.Error):  # the pool passes the driver's own
        log.warning("health check: database unreachable")
        return False
    return True


class HealthCheck:
    """WSGI middleware: answers ``GET``/``HEAD /healthz`` itself, passes everything else to ``app``."""

    def __init__(self, app: Callable, engine: sa.Engine, headers: Iterable[tuple[str, str]], *,
                 pre_ping: bool) -> None:
        self.app = app
        self.engine = engine
        self.pre_ping = pre_ping
        self.headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store"), *headers]

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if environ.get("PATH_INFO") != PATH or method not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        ok = database_reachable(self.engine, pre_ping=self.pre_ping)
        body = _OK if ok else _DOWN
        request_id = request_id_from(environ.get("HTTP_X_REQUEST_ID", ""))
        start_response("200 OK" if ok else "503 Service Unavailable", [
            *self.headers, ("Content-Length", str(len(body))), (REQUEST_ID_HEADER, request_id),
        ])
        return [] if method == "HEAD" else [body]
