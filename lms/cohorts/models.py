from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms import clock
from lms.auth.models import User
from lms.db import enum_type, labeller, status_in
from lms.extensions import db
from lms.programmes.models import Programme, SessionKind
from lms.regions.models import Municipality, Region


class CohortStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


STATUS_LABELS = {
    CohortStatus.DRAFT: _l("Draft"),
    CohortStatus.OPEN: _l("Open for enrolment"),
    CohortStatus.CLOSED: _l("Enrolment closed"),
    CohortStatus.COMPLETED: _l("Completed"),
    CohortStatus.CANCELLED: _l("Cancelled"),
}


status_label = labeller(CohortStatus, STATUS_LABELS)


cohort_trainer = sa.Table(
    "cohort_trainer",
    db.metadata,
    sa.Column("cohort_id", sa.ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)

cohort_follower = sa.Table(
    "cohort_follower",
    db.metadata,
    sa.Column("cohort_id", sa.ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class EnrolmentWindow(enum.Enum):
    """Where a moment falls in a cohort's enrolment window."""

    NOT_YET = "not yet"  # before enrol_opens_at
    OPEN = "open"
    CLOSED = "closed"  # after enrol_closes_at, or once the first session has begun


def enrolment_window(opens_at: datetime | None, closes_at: datetime | None, first_session_at: datetime | None,
                     now: datetime) -> EnrolmentWindow:
    """The one rule for when coaches may enrol, for the enrol service and every page that says so."""
    if opens_at and now < opens_at:
        return EnrolmentWindow.NOT_YET
    if (closes_at and now > closes_at) or (first_session_at and now >= first_session_at):
        return EnrolmentWindow.CLOSED
    return EnrolmentWindow.OPEN


class Cohort(db.Model):
    __table_args__ = (
        sa.CheckConstraint("capacity >= 1", name="capacity"),
        sa.CheckConstraint("seats_taken >= 0", name="seats_taken"),
        sa.CheckConstraint("waitlist_counter >= 0", name="waitlist_counter"),
        sa.CheckConstraint(
            "enrol_opens_at IS NULL OR enrol_closes_at IS NULL OR enrol_closes_at > enrol_opens_at",
            name="enrol_window",
        ),
        # The staff list's order, newest first (made by migration c8e2f4a6b1d3; SQLite has no
        # NULLS LAST in an index and needs none: its NULLs sort first, so DESC puts them last).
        sa.Index("ix_cohort_newest_first", sa.text("starts_at DESC NULLS LAST"), sa.text("id DESC")),
        # The catalogue's cohorts, open ones in order of start (migration b7e3c5a9d2f4): its page
        # and its month filter read these alone, not every cohort that ever started.
        sa.Index("ix_cohort_open_by_start", "starts_at", "id",
                 sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="RESTRICT"), index=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id", ondelete="RESTRICT"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipality.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[CohortStatus] = mapped_column(
        enum_type(CohortStatus, "cohort_status"), default=CohortStatus.DRAFT, index=True
    )
    capacity: Mapped[int] = mapped_column(default=16)
    # Seats held by pending, enrolled, offered and completed enrolments; changed only
    # by a conditional UPDATE so that concurrent enrolments can never overbook.
    seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    # The length of the waitlist: the last place in line (places are 1..n without gaps),
    # changed only by the enrolment feature under the cohort's row lock.
    waitlist_counter: Mapped[int] = mapped_column(default=0, server_default="0")
    enrol_opens_at: Mapped[datetime | None]
    enrol_closes_at: Mapped[datetime | None]
    starts_at: Mapped[datetime | None] = mapped_column(index=True)  # first session, kept by the services
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(500))

    programme: Mapped[Programme] = relationship()
    region: Mapped[Region] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    sessions: Mapped[list[Session]] = relationship(
        back_populates="cohort",
        order_by="(Session.starts_at, Session.id)",
        cascade="all, delete-orphan",
    )
    trainers: Mapped[list[User]] = relationship(secondary=cohort_trainer, order_by="User.name")
    followers: Mapped[list[User]] = relationship(secondary=cohort_follower)

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def first_session_at(self) -> datetime | None:
        """The start of the first session that takes place."""
        starts = [s.starts_at for s in self.sessions if s.status == SessionStatus.SCHEDULED]
        return min(starts) if starts else None

    is_draft = status_in(CohortStatus.DRAFT)
    is_open = status_in(CohortStatus.OPEN)
    is_completed = status_in(CohortStatus.COMPLETED)
    is_cancelled = status_in(CohortStatus.CANCELLED)
    is_over = status_in(CohortStatus.CANCELLED, CohortStatus.COMPLETED)  # nobody joins or leaves any more

    def __repr__(self) -> str:
        return f"<Cohort {self.id} {self.title!r}>"


class Session(db.Model):
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        sa.CheckConstraint("sequence >= 0", name="sequence"),
        sa.CheckConstraint("net_hours >= 0", name="net_hours"),
        # A template's sessions in order of start (migration f2c8a4d6e1b3): the learning page's
        # make-up options read the first few upcoming ones per template.
        sa.Index("ix_session_template_start", "template_id", "starts_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("session_template.id", ondelete="SET NULL")
    )
    kind: Mapped[SessionKind] = mapped_column(enum_type(SessionKind, "session_kind"))
    title: Mapped[str] = mapped_column(sa.String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    address: Mapped[str | None] = mapped_column(sa.String(300))
    room: Mapped[str | None] = mapped_column(sa.String(100))
    video_url: Mapped[str | None] = mapped_column(sa.String(500))
    net_hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("0"))
    is_required: Mapped[bool] = mapped_column(default=True)
    status: Mapped[SessionStatus] = mapped_column(
        enum_type(SessionStatus, "session_status"), default=SessionStatus.SCHEDULED
    )
    # iCalendar SEQUENCE: raised on every change a calendar client must notice.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    cancelled_at: Mapped[datetime | None]

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")
    changes: Mapped[list[SessionChange]] = relationship(
        back_populates="session", order_by="SessionChange.changed_at", cascade="all, delete-orphan"
    )

    is_cancelled = status_in(SessionStatus.CANCELLED)

    @property
    def is_online(self) -> bool:
        return self.kind == SessionKind.ONLINE

    @property
    def ical_uid(self) -> str:
        """The event's UID in every feed, download and mail: unique across installations (RFC 5545)."""
        return session_uid(self.id)


def session_uid(session_id: int, host: str | None = None) -> str:
    """The UID of a session's event; ``host`` saves looking up the installation's for every event."""
    return f"session-{session_id}@{host or installation_host()}"


def installation_host() -> str:
    """This installation's host (and port) from BASE_URL, so two installations never share a UID."""
    if not has_app_context():
        return "welzijnscoach-academie"
    netloc = urlsplit(current_app.config["BASE_URL"]).netloc
    return netloc.rsplit("@", 1)[-1].lower() or "welzijnscoach-academie"


class SessionChange(db.Model):
    """What changed in a session, kept so that change notices can say old and new."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("session.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)
    kind: Mapped[str] = mapped_column(sa.String(30))  # rescheduled, moved, relinked, cancelled, ...
    before: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    after: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    notified_at: Mapped[datetime | None]

    session: Mapped[Session] = relationship(back_populates="changes")
