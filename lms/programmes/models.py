from __future__ import annotations

import enum
from datetime import datetime, time
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms import clock
from lms.db import enum_type
from lms.extensions import db


class SessionKind(enum.StrEnum):
    ONLINE = "online"
    IN_PERSON = "in_person"


class Programme(db.Model):
    __table_args__ = (
        sa.CheckConstraint("cancellation_deadline_days >= 0", name="cancellation_deadline"),
        sa.CheckConstraint("offer_hours >= 1", name="offer_hours"),
        sa.CheckConstraint("validity_years IS NULL OR validity_years >= 1", name="validity_years"),
        sa.CheckConstraint("net_hours >= 0", name="net_hours"),
        sa.CheckConstraint("accreditation_points >= 0", name="accreditation_points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    net_hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("0"))
    accreditation_body: Mapped[str | None] = mapped_column(sa.String(200))
    accreditation_course_id: Mapped[str | None] = mapped_column(sa.String(50))
    accreditation_points: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("0"))
    validity_years: Mapped[int | None]
    certificate_issuer: Mapped[str] = mapped_column(
        sa.String(200), default="Landelijk Kennisnetwerk Welzijn op Recept"
    )
    cancellation_deadline_days: Mapped[int] = mapped_column(default=7)
    requires_approval: Mapped[bool] = mapped_column(default=False)
    offer_hours: Mapped[int] = mapped_column(default=48)
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    archived_at: Mapped[datetime | None]

    modules: Mapped[list[Module]] = relationship(
        back_populates="programme", order_by="(Module.position, Module.id)", cascade="all, delete-orphan"
    )
    session_templates: Mapped[list[SessionTemplate]] = relationship(
        back_populates="programme",
        order_by="(SessionTemplate.day_offset, SessionTemplate.start_time, SessionTemplate.id)",
        cascade="all, delete-orphan",
    )

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def __repr__(self) -> str:
        return f"<Programme {self.slug}>"


class Module(db.Model):
    __table_args__ = (
        sa.CheckConstraint("pass_mark IS NULL OR (pass_mark BETWEEN 0 AND 100)", name="pass_mark"),
        sa.CheckConstraint("max_attempts IS NULL OR max_attempts >= 1", name="max_attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    is_required: Mapped[bool] = mapped_column(default=True)
    # Quiz settings; a module without questions has no quiz.
    pass_mark: Mapped[int | None] = mapped_column(default=70)
    max_attempts: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    programme: Mapped[Programme] = relationship(back_populates="modules")
    # Lessons and quiz questions belong to learning, a higher floor: named, not imported.
    lessons: Mapped[list[Lesson]] = relationship(  # noqa: F821
        back_populates="module", order_by="(Lesson.position, Lesson.id)", cascade="all, delete-orphan"
    )
    questions: Mapped[list[QuizQuestion]] = relationship(  # noqa: F821
        back_populates="module",
        order_by="(QuizQuestion.position, QuizQuestion.id)",
        cascade="all, delete-orphan",
    )


class SessionTemplate(db.Model):
    """One planned session of a programme's pattern, from which cohort sessions are made."""

    __table_args__ = (
        sa.CheckConstraint("duration_minutes > 0", name="duration"),
        sa.CheckConstraint("day_offset >= 0", name="day_offset"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SessionKind] = mapped_column(enum_type(SessionKind, "session_kind"))
    title: Mapped[str] = mapped_column(sa.String(200))
    start_time: Mapped[time]
    duration_minutes: Mapped[int]
    day_offset: Mapped[int] = mapped_column(default=0)
    is_required: Mapped[bool] = mapped_column(default=True)
    net_hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("0"))

    programme: Mapped[Programme] = relationship(back_populates="session_templates")

