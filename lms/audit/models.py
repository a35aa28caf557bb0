from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms import clock
from lms.extensions import db


class AuditEvent(db.Model):
    """Who did what to which object, with the values before and after; append-only."""

    __table_args__ = (sa.Index("ix_audit_event_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    # Events since round 2 keep the summary as parameters of the action's message, rendered
    # in the reader's language (lms/audit/registry.py); older events have the text only.
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    params: Mapped[dict | None] = mapped_column(sa.JSON)
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)

    # Accounts are a higher floor (auth): named, not imported.
    actor: Mapped[User | None] = relationship()  # noqa: F821


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete a recorded event through the ORM."""


@sa.event.listens_for(AuditEvent, "before_update")
@sa.event.listens_for(AuditEvent, "before_delete")
def _refuse_change(_mapper, _connection, target: AuditEvent) -> None:
    raise AuditLogIsAppendOnly(f"audit event {target.id} cannot be changed or deleted")
