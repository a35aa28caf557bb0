"""Attendance's part in privacy: the records in the export, notes removed on erasure, and a
coach's attendance at a programme's sessions detached by retention.

Registered with lms/privacy/registry.py; loaded at app creation (RECEIVERS in lms/__init__.py).
The attendance rows change here, in their owner's package.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from lms.attendance.models import Attendance
from lms.audit.services import plain
from lms.cohorts.models import Cohort, Session
from lms.extensions import db
from lms.privacy.registry import Detached, Erasure, Export, erasure_step, export_section, retention_part


@export_section("attendance", 30)
def _export(export: Export) -> list[dict]:
    attendance = db.session.execute(
        sa.select(Attendance)
        .where(Attendance.user_id == export.user.id)
        .options(joinedload(Attendance.session).joinedload(Session.cohort))
        .join(Session, Session.id == Attendance.session_id)
        .order_by(Session.starts_at, Attendance.id)
    ).scalars().all()
    return [
        {
            "session": a.session.title,
            "cohort": a.session.cohort.title,
            "starts_at": plain(a.session.starts_at),
            "ends_at": plain(a.session.ends_at),
            "status": plain(a.status),
            "note": a.note,
            "recorded_at": plain(a.recorded_at),
        }
        for a in attendance
    ]


def _attendance_of(user_id: int):
    return "attendance", sa.select(Attendance.id).where(Attendance.user_id == user_id)


@erasure_step("attendance", 50, about=_attendance_of)
def _forget_notes(erasure: Erasure) -> None:
    """The records stay (the figures count them); the notes about the person go."""
    db.session.execute(sa.update(Attendance).where(Attendance.user_id == erasure.user.id).values(note=None))


@retention_part("attendance")
def _detach(user_id: int, programme_id: int, now: datetime) -> Detached:
    """The coach's attendance at every session of the programme (make-ups in other cohorts too)."""
    sessions = sa.select(Session.id).join(Cohort, Cohort.id == Session.cohort_id).where(
        Cohort.programme_id == programme_id)
    ids = list(db.session.execute(
        sa.select(Attendance.id).where(Attendance.user_id == user_id, Attendance.session_id.in_(sessions))
    ).scalars())

    def move(placeholder_id: int, now: datetime) -> None:
        db.session.execute(sa.update(Attendance).where(Attendance.id.in_(ids)).values(user_id=placeholder_id,
                                                                                      note=None))

    return Detached("attendance", ids, move)
