"""The audit log: admins only, and read-only (GET routes only)."""

from __future__ import annotations

from tests.access import ADMIN, Route, p


def extend_world(w: dict) -> None:
    from lms.audit.services import record
    from tests.conftest import NOW

    event = record(w["users"]["staff"], "cohort.update", w["cohort"], now=NOW, summary=w["cohort"].title,
                   before={"capacity": 16}, after={"capacity": 18})
    from lms.extensions import db

    db.session.flush()
    w["audit_event_id"] = event.id


ROUTES = [
    Route("audit.index", "GET", p("/admin/audit/"), ADMIN),
    Route("audit.index", "GET", p("/admin/audit/?action=cohort.update&object_id=abc&date_from=2026-02-30"), ADMIN),
    Route("audit.show", "GET", p("/admin/audit/{audit_event_id}"), ADMIN),
    Route("audit.export", "GET", p("/admin/audit/export.csv?action=cohort.update"), ADMIN),
]
