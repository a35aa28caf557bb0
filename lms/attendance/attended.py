"""Where a coach attended each session of their cohort: there, or made up in another cohort.

The one reading of the attendance records that both the completion rule counts
(lms/completion) and a certificate states (lms/certificates), so a certificate can only
list what completion counted.

A session is attended when the coach was present at it, or present at the session with
the same ``template_id`` in another cohort of the programme (a make-up), except in a
cohort where the coach already has a completed enrolment of their own: those sessions
earned that certificate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from lms.attendance.models import Attendance, AttendanceStatus
from lms.cohorts.models import Cohort, Session, SessionStatus
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.programmes.models import SessionKind


@dataclass(frozen=True)
class AttendedSession:
    """What the rule and a certificate read of a session: plain values, not a Session object."""

    id: int
    cohort_id: int
    template_id: int | None
    title: str
    kind: SessionKind
    starts_at: datetime
    ends_at: datetime
    net_hours: Decimal


@dataclass(frozen=True)
class Record:
    """One registration: the session (not cancelled), what was registered, and the session's cohort."""

    session: AttendedSession
    status: AttendanceStatus
    cohort_title: str

    @property
    def is_present(self) -> bool:
        return self.status == AttendanceStatus.PRESENT


class Attendances:
    """The attendance records of some coaches in some programmes; see ``attendances_of``."""

    def __init__(self, records: dict[int, list[Record]], completed_cohorts: dict[int, set[int]]):
        self._records = records
        self._by_session = {
            (user_id, r.session.id): r for user_id, items in records.items() for r in items
        }
        self._completed_cohorts = completed_cohorts

    def at(self, user_id: int, session_id: int) -> Record | None:
        """What is registered for the coach at this very session."""
        return self._by_session.get((user_id, session_id))

    def attended(self, enrolment: Enrolment, session: Session, until: datetime | None = None) -> Record | None:
        """The record by which the coach attended ``session`` of their cohort, or None.

        Present at the session itself first, else the earliest make-up; with ``until``,
        only sessions that started by then count.
        """
        own = self.at(enrolment.user_id, session.id)
        if own is not None and own.is_present and _by(own, until):
            return own
        if session.template_id is None:
            return None
        # Cohorts whose sessions earned another completed enrolment do not count as make-ups.
        spent = self._completed_cohorts.get(enrolment.user_id, set()) - {enrolment.cohort_id}
        for record in self._records.get(enrolment.user_id, []):
            if (
                record.session.id != session.id
                and record.session.template_id == session.template_id
                and record.is_present
                and record.session.cohort_id not in spent
                and _by(record, until)
            ):
                return record
        return None


def _by(record: Record, until: datetime | None) -> bool:
    return until is None or record.session.starts_at <= until


def _records_statement() -> sa.Select:
    # Only the cohorts of the records matter (a completed cohort spends its sessions), so
    # whether the coach completed the record's cohort comes with each record.
    completed_there = (
        sa.exists()
        .where(
            Enrolment.user_id == Attendance.user_id,
            Enrolment.cohort_id == Session.cohort_id,
            Enrolment.status == EnrolmentStatus.COMPLETED,
        )
        .correlate(Attendance, Session)
    )
    return (
        sa.select(Attendance.user_id, Attendance.status, Session.id, Session.cohort_id, Session.template_id,
                  Session.title, Session.kind, Session.starts_at, Session.ends_at, Session.net_hours,
                  Cohort.title, completed_there)
        .join(Session, Attendance.session_id == Session.id)
        .join(Cohort, Session.cohort_id == Cohort.id)
        .where(
            Attendance.user_id.in_(sa.bindparam("user_ids", expanding=True)),
            Cohort.programme_id.in_(sa.bindparam("programme_ids", expanding=True)),
            # Written into the statement, not bound: a prepared statement's generic plan cannot
            # tell how few sessions a bound "status <> $n" keeps, and then walks every session
            # of the country once per attendance lookup (2.5 ms here, growing with the data).
            Session.status != sa.literal(SessionStatus.CANCELLED, Session.status.type, literal_execute=True),
        )
        .order_by(Session.starts_at, Session.id)
    )


_RECORDS = _records_statement()  # built once: progress on every coach's page runs it


def attendances_of(user_ids: Iterable[int], programme_ids: Iterable[int]) -> Attendances:
    """The records of these coaches at sessions of these programmes (not cancelled), in one query."""
    user_ids, programme_ids = set(user_ids), set(programme_ids)
    records: dict[int, list[Record]] = defaultdict(list)
    completed: dict[int, set[int]] = defaultdict(set)
    if not user_ids or not programme_ids:
        return Attendances(records, completed)
    for user_id, status, *session, cohort_title, is_completed in db.session.execute(
        _RECORDS, {"user_ids": sorted(user_ids), "programme_ids": sorted(programme_ids)}
    ):
        session = AttendedSession(*session)
        records[user_id].append(Record(session, status, cohort_title))
        if is_completed:
            completed[user_id].add(session.cohort_id)
    return Attendances(records, completed)


def attended_sessions(enrolment: Enrolment, until: datetime | None = None,
                      attendances: Attendances | None = None) -> list[Record]:
    """The sessions the coach attended for their cohort's sessions (there or made up), in time order.

    With ``until``, only those that started by then.
    """
    attendances = attendances or attendances_of([enrolment.user_id], [enrolment.programme_id])
    found: dict[int, Record] = {}
    for session in enrolment.cohort.sessions:
        if session.is_cancelled:
            continue
        record = attendances.attended(enrolment, session, until)
        if record is not None:
            found.setdefault(record.session.id, record)
    return sorted(found.values(), key=lambda r: (r.session.starts_at, r.session.id))
