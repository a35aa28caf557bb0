from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms import clock
from lms.auth.models import User
from lms.db import enum_type, unique_where
from lms.extensions import db


class ErasureStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ErasureRequest(db.Model):
    """A user's request to have their account erased; an admin decides on it."""

    __table_args__ = (
        # At most one open request per user, kept by the database.
        unique_where("uq_erasure_request_pending_per_user", "user_id", where="status = 'pending'"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    requested_at: Mapped[datetime] = mapped_column(default=clock.now)
    reason: Mapped[str | None] = mapped_column(sa.String(1000))
    status: Mapped[ErasureStatus] = mapped_column(
        enum_type(ErasureStatus, "erasure_status"), default=ErasureStatus.PENDING, index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(sa.String(1000))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_pending(self) -> bool:
        return self.status == ErasureStatus.PENDING

    @property
    def is_rejected(self) -> bool:
        return self.status == ErasureStatus.REJECTED
