from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms import clock
from lms.auth.models import User
from lms.cohorts.models import Cohort
from lms.db import enum_type, labeller, status_in, unique_where
from lms.extensions import db
from lms.programmes.models import Programme
from lms.regions.models import Region


class EnrolmentStatus(enum.StrEnum):
    PENDING = "pending"
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    COMPLETED = "completed"


# Statuses that hold a seat in the cohort (counted in Cohort.seats_taken). A completed
# enrolment holds its seat unless it gave it back (``seat_released_at``, see
# lms/enrolment/completion.py); ``Enrolment.holds_seat`` and ``seat_holding()`` say exactly.
SEAT_HOLDING = (
    EnrolmentStatus.PENDING,
    EnrolmentStatus.ENROLLED,
    EnrolmentStatus.OFFERED,
    EnrolmentStatus.COMPLETED,
)
# Statuses in which a coach is still on the way through a programme.
ACTIVE = (
    EnrolmentStatus.PENDING,
    EnrolmentStatus.ENROLLED,
    EnrolmentStatus.WAITLISTED,
    EnrolmentStatus.OFFERED,
)
# The seat holders have the cohort's sessions in their calendar feed (and get notices of
# changes; ``in_calendar()`` in SQL); enrolled and completed coaches also see the video links.
IN_CALENDAR = SEAT_HOLDING
SEES_VIDEO = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)

STATUS_LABELS = {
    EnrolmentStatus.PENDING: _l("Awaiting approval"),
    EnrolmentStatus.ENROLLED: _l("Enrolled"),
    EnrolmentStatus.WAITLISTED: _l("On the waitlist"),
    EnrolmentStatus.OFFERED: _l("Seat offered"),
    EnrolmentStatus.CANCELLED: _l("Cancelled"),
    EnrolmentStatus.REJECTED: _l("Not admitted"),
    EnrolmentStatus.COMPLETED: _l("Completed"),
}


status_label = labeller(EnrolmentStatus, STATUS_LABELS)


class Enrolment(db.Model):
    # The invariants the database keeps (the others: lms/enrolment/invariants.py).
    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "user_id"),
        # At most one active enrolment per coach per programme.
        unique_where("uq_enrolment_active_per_programme", "user_id", "programme_id",
                      where="status IN ('pending', 'enrolled', 'waitlisted', 'offered')"),
        # One coach per place in a cohort's waitlist.
        unique_where("uq_enrolment_waitlist_place", "cohort_id", "waitlist_position", where="status = 'waitlisted'"),
        # A place in the line exactly while waiting in it.
        sa.CheckConstraint(
            "(status = 'waitlisted' AND waitlist_position IS NOT NULL AND waitlist_position >= 1)"
            " OR (status != 'waitlisted' AND waitlist_position IS NULL)",
            name="waitlist_position",
        ),
        # An offer has a moment it was made and a deadline; nothing else has a deadline.
        sa.CheckConstraint(
            "(status = 'offered' AND offered_at IS NOT NULL AND offer_expires_at IS NOT NULL)"
            " OR (status != 'offered' AND offer_expires_at IS NULL)",
            name="offer_deadline",
        ),
        # Only a completed enrolment gives its seat back while keeping its status.
        sa.CheckConstraint("seat_released_at IS NULL OR status = 'completed'", name="seat_released"),
        # A group's counts per status, read from the index alone (the lists and the roster).
        sa.Index("ix_enrolment_cohort_status", "cohort_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="RESTRICT"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(enum_type(EnrolmentStatus, "enrolment_status"), index=True)
    waitlist_position: Mapped[int | None]
    offered_at: Mapped[datetime | None]
    offer_expires_at: Mapped[datetime | None]
    offer_reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    enrolled_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(500))
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None]
    # A coach who completed before this cohort began (through make-ups elsewhere) gave the seat back.
    seat_released_at: Mapped[datetime | None]
    is_overbooked: Mapped[bool] = mapped_column(default=False)
    anonymised_at: Mapped[datetime | None]

    cohort: Mapped[Cohort] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    programme: Mapped[Programme] = relationship()

    # What the status means, for services and templates (never compare against strings).
    is_active = status_in(*ACTIVE)
    is_enrolled = status_in(EnrolmentStatus.ENROLLED)
    is_pending = status_in(EnrolmentStatus.PENDING)
    is_waitlisted = status_in(EnrolmentStatus.WAITLISTED)
    is_offered = status_in(EnrolmentStatus.OFFERED)
    is_completed = status_in(EnrolmentStatus.COMPLETED)
    is_ended = status_in(EnrolmentStatus.CANCELLED, EnrolmentStatus.REJECTED)  # the coach may enrol again
    sees_video = status_in(*SEES_VIDEO)

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_HOLDING and self.seat_released_at is None


class Interest(db.Model):
    """A coach's wish to follow a programme where no cohort is open in their region."""

    __table_args__ = (sa.UniqueConstraint("user_id", "programme_id", "region_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    notified_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    programme: Mapped[Programme] = relationship()
    region: Mapped[Region] = relationship()


class VisitorInterest(db.Model):
    """A visitor without an account asks, by e-mail, to hear when a group opens in a region.

    Double opt-in: only a wish whose address was confirmed (``confirmed_at``) is told. The
    address is the only personal data; unconfirmed wishes are deleted after a few days, told
    ones some time after (lms/enrolment/personal_data.py).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id", ondelete="CASCADE"), index=True)
    # None: any programme.
    programme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str] = mapped_column(sa.String(8), default="nl")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    confirmed_at: Mapped[datetime | None]
    notified_at: Mapped[datetime | None]

    programme: Mapped[Programme | None] = relationship()
    region: Mapped[Region] = relationship()

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


def seat_holding():
    """SQL: the enrolments counted in their cohort's ``seats_taken`` (as ``Enrolment.holds_seat``)."""
    return sa.and_(Enrolment.status.in_(SEAT_HOLDING), Enrolment.seat_released_at.is_(None))


def in_calendar():
    """SQL: the enrolments whose cohort's sessions are in the coach's calendar (the seat holders)."""
    return seat_holding()
