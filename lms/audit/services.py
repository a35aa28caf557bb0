"""Recording staff and admin actions; the log is append-only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from lms.audit.labels import ACTIONS, OBJECT_LABELS, action_label, object_label, summary_text
from lms.audit.models import AuditEvent
from lms.csv import csv_bytes
from lms.extensions import db
from lms.i18n import local_to_utc, to_local


def plain(value: Any) -> Any:
    """A value as JSON keeps it: enums by value, dates and times in ISO form, decimals as text."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    return value


_plain = plain  # the name lms/cohorts/services.py imports


def snapshot(obj: Any, fields: list[str]) -> dict:
    return {name: plain(getattr(obj, name)) for name in fields}


def record(
    actor,
    action: str,
    obj: Any = None,
    *,
    now: datetime,
    summary: str = "",
    params: dict | None = None,
    before: dict | None = None,
    after: dict | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction.

    ``params`` are the values of the action's summary message (lms/audit/labels.py), which
    the log renders in the reader's language; ``summary`` is the plain text kept beside them
    for searching (and the only summary events recorded before round 2 have).
    """
    if obj is not None:
        # current_user is a proxy: the event is about the account behind it, not a "localproxy".
        obj = obj._get_current_object() if hasattr(obj, "_get_current_object") else obj
        object_type = object_type or type(obj).__name__.lower()
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    event = AuditEvent(
        at=now,
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type or "",
        object_id=object_id,
        summary=summary[:300],
        params=plain(params) if params is not None else None,
        before=plain(before) if before is not None else None,
        after=plain(after) if after is not None else None,
    )
    db.session.add(event)
    return event


# Reading the log ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    """What the admin searches for; every part is optional."""

    action: str = ""
    object_type: str = ""
    actor: str = ""
    object_id: int | None = None
    date_from: date | None = None  # inclusive, a day in Europe/Amsterdam
    date_to: date | None = None  # inclusive


def event_query(filters: AuditFilter = AuditFilter()):
    """The events matching ``filters``, newest first, with their actor loaded."""
    stmt = (
        sa.select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.object_type:
        stmt = stmt.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id is not None:
        stmt = stmt.where(AuditEvent.object_id == filters.object_id)
    if filters.actor:
        text = filters.actor.lower()
        actor = AuditEvent.actor.property.mapper.class_  # the account, through the relationship
        stmt = stmt.where(AuditEvent.actor_id.in_(
            sa.select(actor.id).where(sa.or_(
                sa.func.lower(actor.name).contains(text, autoescape=True),
                sa.func.lower(actor.email).contains(text, autoescape=True),
            ))
        ))
    if filters.date_from is not None:
        stmt = stmt.where(AuditEvent.at >= local_to_utc(filters.date_from, time(0)))
    if filters.date_to is not None:
        stmt = stmt.where(AuditEvent.at < local_to_utc(filters.date_to + timedelta(days=1), time(0)))
    return stmt


def known_actions() -> list[str]:
    """Every action with a label, and any other action the log holds."""
    stored = db.session.execute(sa.select(AuditEvent.action).distinct()).scalars()
    return sorted(set(ACTIONS) | set(stored))


def known_object_types() -> list[str]:
    stored = db.session.execute(
        sa.select(AuditEvent.object_type).where(AuditEvent.object_type != "").distinct()
    ).scalars()
    return sorted(set(OBJECT_LABELS) | set(stored))


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any
    changed: bool


def changes(event: AuditEvent, *, all_fields: bool = False) -> list[Change]:
    """The fields of an event with their values before and after; only the changed ones unless asked."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    names = list(before) + [name for name in after if name not in before]
    result = []
    for name in names:
        old, new = before.get(name), after.get(name)
        # A created or deleted object has only one side: all its values count.
        changed = old != new or event.before is None or event.after is None
        if changed or all_fields:
            result.append(Change(name, old, new, changed))
    return result


# Objects without a page of their own: (their id, what they belong to). Read as plain
# tables: enrolment and attendance are higher floors, and reading is not owning.
PARENT_TABLES = {
    "enrolment": sa.table("enrolment", sa.column("id"), sa.column("cohort_id")),
    "attendance": sa.table("attendance", sa.column("id"), sa.column("session_id")),
}


def parent_ids(events: list[AuditEvent]) -> dict[tuple[str, int], int]:
    """The cohort of each enrolment and the session of each attendance in ``events`` (two queries at most)."""
    wanted: dict[str, set[int]] = {object_type: set() for object_type in PARENT_TABLES}
    for event in events:
        if event.object_type in wanted and event.object_id is not None:
            wanted[event.object_type].add(event.object_id)
    found: dict[tuple[str, int], int] = {}
    for object_type, ids in wanted.items():
        if ids:
            id_column, parent_column = PARENT_TABLES[object_type].c
            rows = db.session.execute(sa.select(id_column, parent_column).where(id_column.in_(ids)))
            found.update({(object_type, object_id): parent_id for object_id, parent_id in rows})
    return found


def _json_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def events_csv(stmt) -> bytes:
    """The events of ``stmt`` as CSV for Excel (lms/csv.py), times in Amsterdam."""
    header = [_("Time"), _("Done by"), _("Email address"), _("Action"), _("Action code"), _("Object"),
              _("Object number"), _("Summary"), _("Before"), _("After")]
    rows = (
        [
            to_local(event.at).strftime("%Y-%m-%d %H:%M:%S"),
            event.actor.name if event.actor else _("system"),
            event.actor.email if event.actor else "",
            action_label(event.action),
            event.action,
            object_label(event.object_type),
            event.object_id,
            summary_text(event),
            _json_text(event.before),
            _json_text(event.after),
        ]
        for event in db.session.execute(stmt.execution_options(yield_per=500)).scalars()
    )
    return csv_bytes(header, rows)
