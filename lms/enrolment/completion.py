"""The enrolment's side of completion: the two state changes the completion rule decides.

The rule itself (lms/completion) decides *whether* an enrolment is completed or its
completion withdrawn; the enrolment feature owns the enrolment's status, so the change
is made here, as one conditional UPDATE that cannot apply twice: two requests completing
the same enrolment at once change it once, and the one that lost learns so.

The seat. A coach who completes before their cohort has begun (every session made up in
other cohorts) will not come: the seat is given back at once (``seat_released_at``) and
offered to the first in line, and the completed enrolment no longer counts in
``seats_taken``. Completed in a cohort that has begun, the seat stays taken, as it was
used. When such a completion is withdrawn the coach is back on the way and needs the
seat again: a free one, else one beyond the capacity (marked overbooked, for staff to
see); in a cohort that was cancelled meanwhile the enrolment ends as the others did.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.audit.labels import register as register_audit
from lms.audit.services import record
from lms.cohorts.models import Cohort, Session
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.enrolment.seats import force_seat, lock_cohort, release_seat, take_seat
from lms.enrolment.waitlist import offer_next
from lms.extensions import db

register_audit(
    actions={
        "enrolment.completed": (_l("Programme completed"), _l("%(coach)s: %(cohort)s")),
        "enrolment.completion_withdrawn": (_l("Completion withdrawn"), _l("%(coach)s: %(cohort)s")),
    },
    fields={
        "completed_at": _l("Completed on"),
    },
)

# Enrolments whose coach follows the content and is registered at sessions.
LEARNING = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)


def enrolled_since(enrolment: Enrolment) -> datetime | None:
    return enrolment.enrolled_at or enrolment.created_at


def joined_after(enrolment: Enrolment, session: Session) -> bool:
    """Whether the coach enrolled only after the session had started."""
    since = enrolled_since(enrolment)
    return since is not None and since > session.starts_at


def _move(enrolment: Enrolment, source: EnrolmentStatus, *criteria, **values) -> bool:
    """Change the enrolment only if it is still in ``source``; False when it no longer was."""
    result = db.session.execute(
        sa.update(Enrolment)
        .where(Enrolment.id == enrolment.id, Enrolment.status == source, *criteria)
        .values(updated_at=values.pop("now"), **values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(enrolment, ["status", "completed_at", "updated_at", "seat_released_at", "is_overbooked",
                                  "cancelled_at", "cancel_reason"])
    return result.rowcount == 1


def has_begun(cohort: Cohort, now: datetime) -> bool:
    """Whether the cohort's first session has started (or the cohort is over)."""
    first = cohort.first_session_at
    return cohort.is_completed or (first is not None and first <= now)


def _names(enrolment: Enrolment) -> tuple[str, dict]:
    params = {"coach": enrolment.user.name, "cohort": enrolment.cohort.title}
    return f"{params['coach']}: {params['cohort']}", params


def complete(enrolment: Enrolment, now: datetime, actor=None) -> bool:
    """ENROLLED -> COMPLETED as of ``now``; False if the enrolment was no longer enrolled.

    Before the cohort has begun the seat is given back and offered to the waitlist.
    """
    cohort = enrolment.cohort
    gives_back = not has_begun(cohort, now)
    if gives_back:
        lock_cohort(cohort)
    if not _move(enrolment, EnrolmentStatus.ENROLLED, status=EnrolmentStatus.COMPLETED, completed_at=now,
                 seat_released_at=now if gives_back else None, now=now):
        return False
    summary, params = _names(enrolment)
    record(actor, "enrolment.completed", enrolment, now=now, summary=summary, params=params,
           before={"status": EnrolmentStatus.ENROLLED}, after={"status": EnrolmentStatus.COMPLETED})
    if gives_back:
        release_seat(cohort)
        offer_next(cohort, now)
    return True


def reopen(enrolment: Enrolment, now: datetime, actor=None) -> bool:
    """COMPLETED -> ENROLLED (the completion is withdrawn); False if it was no longer completed.

    A seat given back at completion is taken again (beyond the capacity if need be); in a
    cohort cancelled meanwhile the enrolment is cancelled instead, as the others were.
    """
    cohort = enrolment.cohort
    lock_cohort(cohort)
    db.session.refresh(enrolment, ["status", "completed_at", "seat_released_at"])
    completed_at = enrolment.completed_at
    had_given_back = enrolment.seat_released_at is not None
    if had_given_back and cohort.is_cancelled:
        values = {"status": EnrolmentStatus.CANCELLED, "cancelled_at": now, "cancel_reason": cohort.cancel_reason}
    else:
        values = {"status": EnrolmentStatus.ENROLLED}
    if not _move(enrolment, EnrolmentStatus.COMPLETED, completed_at=None, seat_released_at=None, now=now, **values):
        return False
    if had_given_back and not cohort.is_cancelled and not take_seat(cohort):
        force_seat(cohort)
        _move(enrolment, EnrolmentStatus.ENROLLED, is_overbooked=True, now=now)
    summary, params = _names(enrolment)
    record(actor, "enrolment.completion_withdrawn", enrolment, now=now, summary=summary, params=params,
           before={"status": EnrolmentStatus.COMPLETED, "completed_at": completed_at},
           after={"status": values["status"], "completed_at": None})
    return True
