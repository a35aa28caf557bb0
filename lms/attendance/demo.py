"""Demo attendance, written by its owner (lms/demo.py tells the story)."""

from __future__ import annotations

from lms.attendance.models import Attendance, AttendanceStatus
from lms.extensions import db


def register(session, user, status: AttendanceStatus, by) -> None:
    """``by`` registered ``user`` as ``status`` at ``session``, when it ended."""
    db.session.add(Attendance(session_id=session.id, user_id=user.id, status=status,
                              recorded_at=session.ends_at, recorded_by_id=by.id))
