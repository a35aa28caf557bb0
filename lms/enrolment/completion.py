"""The enrolment's side of completion: the two state changes the completion rule decides.

The rule itself (lms/completion) decides *whether* an enrolment is completed or its
completion withdrawn; the enrolment feature owns the enrolment's status, so the change
is made here, as one conditional UPDATE that cannot apply twice: two requests completing
the same enrolment at once change it once, and the one that lost learns so.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.audit.labels import register as register_audit
from lms.audit.services import record
from lms.cohorts.models import Session
from lms.enrolment.models import Enrolment, EnrolmentStatus
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


def _move(enrolment: Enrolment, source: EnrolmentStatus, **values) -> bool:
    """Change the enrolment only if it is still in ``source``; False when it no longer was."""
    result = db.session.execute(
        sa.update(Enrolment)
        .where(Enrolment.id == enrolment.id, Enrolment.status == source)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(enrolment, ["status", "completed_at", "updated_at"])
    return result.rowcount == 1


def _names(enrolment: Enrolment) -> tuple[str, dict]:
    params = {"coach": enrolment.user.name, "cohort": enrolment.cohort.title}
    return f"{params['coach']}: {params['cohort']}", params


def complete(enrolment: Enrolment, now: datetime, actor=None) -> bool:
    """ENROLLED -> COMPLETED as of ``now``; False if the enrolment was no longer enrolled."""
    if not _move(enrolment, EnrolmentStatus.ENROLLED, status=EnrolmentStatus.COMPLETED, completed_at=now):
        return False
    summary, params = _names(enrolment)
    record(actor, "enrolment.completed", enrolment, now=now, summary=summary, params=params,
           before={"status": EnrolmentStatus.ENROLLED}, after={"status": EnrolmentStatus.COMPLETED})
    return True


def reopen(enrolment: Enrolment, now: datetime, actor=None) -> bool:
    """COMPLETED -> ENROLLED (the completion is withdrawn); False if it was no longer completed."""
    completed_at = enrolment.completed_at
    if not _move(enrolment, EnrolmentStatus.COMPLETED, status=EnrolmentStatus.ENROLLED, completed_at=None):
        return False
    summary, params = _names(enrolment)
    record(actor, "enrolment.completion_withdrawn", enrolment, now=now, summary=summary, params=params,
           before={"status": EnrolmentStatus.COMPLETED, "completed_at": completed_at},
           after={"status": EnrolmentStatus.ENROLLED, "completed_at": None})
    return True
