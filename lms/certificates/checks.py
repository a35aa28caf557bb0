"""Does a certificate state only what happened? Its snapshot checked against the attendance records.

For operators and tests: every listed session was attended by the holder (present there),
none started after the completion date, and the hours and points follow from the listed
sessions. The answers are plain sentences for a log or a terminal.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import sqlalchemy as sa

from lms.attendance.models import Attendance, AttendanceStatus
from lms.certificates.facts import certified
from lms.certificates.models import Certificate
from lms.certificates.services import points_for
from lms.cohorts.models import Cohort, Session
from lms.extensions import db
from lms.i18n import to_local


def snapshot_problems(certificate: Certificate) -> list[str]:
    """What the certificate states that the attendance records do not support; empty when it is true."""
    if certificate.user_id is None:
        return []  # the holder's account and attendance are gone: nothing left to check against
    facts = certified(certificate)
    label = f"certificate {certificate.number}"
    problems = []
    if len(facts.sessions) != len((certificate.snapshot or {}).get("sessions") or []):
        problems.append(f"{label} lists sessions that cannot be read")
    present = _present_sessions(certificate)
    by_time = {session.starts_at: session for session in present.values()}
    hours = Decimal("0")
    for listed in facts.sessions:
        where = f"{listed.title} ({listed.starts_at.isoformat()})"
        # Older snapshots name a session only by its time.
        session = present.get(listed.session_id) if listed.session_id else by_time.get(listed.starts_at)
        if session is None:
            problems.append(f"{label} lists {where}, which the holder did not attend")
        elif session.starts_at != listed.starts_at:
            problems.append(f"{label} lists {where}; that session took place at {session.starts_at.isoformat()}")
        if facts.completed_on and to_local(listed.starts_at).date() > facts.completed_on:
            problems.append(f"{label} lists {where}, after its completion date {facts.completed_on.isoformat()}")
        hours += listed.net_hours if listed.net_hours is not None else (session.net_hours if session else 0)
    if facts.net_hours != hours:
        problems.append(f"{label} states {facts.net_hours} hours; its sessions add up to {hours}")
    most = certificate.programme.accreditation_points if certificate.programme else facts.accreditation_points
    if facts.accreditation_points != points_for(hours, most):
        problems.append(f"{label} states {facts.accreditation_points} points; {hours} hours give "
                        f"{points_for(hours, most)}")
    return problems


def _present_sessions(certificate: Certificate) -> dict[int, Session]:
    """The sessions of the certificate's programme where the holder is registered present."""
    return {
        session.id: session
        for session in db.session.execute(
            sa.select(Session)
            .join(Attendance, Attendance.session_id == Session.id)
            .join(Cohort, Session.cohort_id == Cohort.id)
            .where(Attendance.user_id == certificate.user_id, Attendance.status == AttendanceStatus.PRESENT,
                   Cohort.programme_id == certificate.programme_id)
        ).scalars()
    }


def all_problems(certificates: Iterable[Certificate]) -> list[str]:
    """The problems of many certificates, one sentence each."""
    return [problem for certificate in certificates for problem in snapshot_problems(certificate)]
