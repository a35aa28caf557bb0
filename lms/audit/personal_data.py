"""The audit log's part in privacy: a person's events in their export, and finding the events
about them (lms/privacy/services.py takes the names out, the log's one documented exception)."""

from __future__ import annotations

import sqlalchemy as sa

from lms.audit.models import AuditEvent
from lms.audit.services import plain
from lms.extensions import db


def export_events(user_id: int) -> list[dict]:
    """Events about the account in full; of the user's own actions only what and when, since
    their details may be about other people."""
    events = db.session.execute(
        sa.select(AuditEvent)
        .where(sa.or_(AuditEvent.actor_id == user_id,
                      sa.and_(AuditEvent.object_type == "user", AuditEvent.object_id == user_id)))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).scalars().all()
    return [
        {
            "at": plain(e.at),
            "action": e.action,
            "by_you": e.actor_id == user_id,
            "object_type": e.object_type,
            "object_id": e.object_id,
            **(
                {"summary": e.summary, "before": e.before, "after": e.after}
                if e.object_type == "user" and e.object_id == user_id
                else {}
            ),
        }
        for e in events
    ]


def events_about(objects) -> list[AuditEvent]:
    """The events about any of ``objects``: (object_type, ids or a select of ids) pairs."""
    about = [sa.and_(AuditEvent.object_type == object_type, AuditEvent.object_id.in_(ids))
             for object_type, ids in objects]
    if not about:
        return []
    return db.session.execute(sa.select(AuditEvent).where(sa.or_(*about))).scalars().all()


def events_by(user_id: int) -> list[AuditEvent]:
    return db.session.execute(sa.select(AuditEvent).where(AuditEvent.actor_id == user_id)).scalars().all()
