"""Retention: enrolments of cohorts that ended long ago are detached from the coach.

The unit is a coach's enrolments in one programme, once every cohort they were in for it
ended before the cutoff (a make-up at another cohort's session ties a coach's enrolments
in a programme together). They move, with the coach's attendance at that programme's
sessions and the certificates of those enrolments, to a new anonymous placeholder account
per coach and programme: no name, no address, no password, inactive, with the coach's
municipality. The figures per region (the cohort's) and municipality (the placeholder's)
therefore stay exactly the same, while nothing links the enrolments to the person any more.
The coach's own account, other enrolments and learning progress stay.

Each feature moves its own rows (``retention_part`` in lms/privacy/registry.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

from lms.audit.labels import register as register_audit
from lms.audit.personal_data import events_about
from lms.audit.services import record
from lms.auth.models import User
from lms.auth.personal_data import new_placeholder
from lms.extensions import db
from lms.privacy.registry import RETENTION_PARTS, RETENTION_UNITS, SHORT_LIVED
from lms.privacy.services import move_actor, scrub

register_audit(
    actions={"privacy.retention": (_l("Old enrolments anonymised"),
                                   _l("%(enrolments)s enrolments of %(coaches)s coaches anonymised"))},
    objects={"retention": _l("Retention")},
    fields={
        "cutoff": _l("Ended before"),
        "coaches": _l("Coaches"),
        "enrolments": _l("Enrolments"),
        "attendance": _l("Attendance"),
        "certificates": _l("Certificates"),
    },
)


def retention_cutoff(now: datetime, years: int) -> datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


@dataclass
class RetentionResult:
    cutoff: datetime
    coaches: int = 0  # (coach, programme) pairs detached
    kept_for_certificate: int = 0  # pairs left alone because a certificate is still in force
    counts: dict[str, int] = field(default_factory=dict)  # rows detached, per part (enrolments, attendance, ...)

    @property
    def enrolments(self) -> int:
        return self.counts.get("enrolments", 0)

    @property
    def attendance(self) -> int:
        return self.counts.get("attendance", 0)

    @property
    def certificates(self) -> int:
        return self.counts.get("certificates", 0)


def purge_short_lived(now: datetime) -> dict[str, int]:
    """Delete the personal data each feature keeps only briefly; rows deleted per part."""
    return {name: purge(now) for name, purge in sorted(SHORT_LIVED.items())}


def apply_retention(now: datetime, years: int, *, dry_run: bool = False) -> RetentionResult:
    """Detach enrolments of cohorts that ended more than ``years`` ago from the coach.

    A certificate still in force is the coach's proof and names the cohort, so its
    enrolments are kept until it expires or is revoked; then the certificate moves along
    and loses the holder's name and registration number (it stays verifiable by number).

    Idempotent: anonymised enrolments (``anonymised_at``) belong to placeholders, which
    are left alone. ``dry_run`` counts without changing anything.
    """
    cutoff = retention_cutoff(now, years)
    result = RetentionResult(cutoff=cutoff, counts={name: 0 for name in RETENTION_PARTS})
    [units] = RETENTION_UNITS
    for user_id, programme_id in db.session.execute(units(cutoff)).all():
        parts = {name: detach(user_id, programme_id, now) for name, detach in RETENTION_PARTS.items()}
        if any(part.keeps for part in parts.values()):
            result.kept_for_certificate += 1
            continue
        result.coaches += 1
        for name, part in parts.items():
            result.counts[name] += len(part.ids)
        if dry_run:
            continue
        coach = db.session.get(User, user_id)
        placeholder = new_placeholder(coach, now)
        for part in parts.values():
            part.move(placeholder.id, now)
        # Audit events about these rows would link them back: the coach's own actions move to
        # the placeholder, names are taken out.
        for part in parts.values():
            if part.actor_moves:
                move_actor(user_id, placeholder.id, part.object_type, part.ids)
        scrub(events_about([(part.object_type, part.ids) for part in parts.values()]), [coach.name, coach.email])
        db.session.flush()
    if dry_run:
        db.session.rollback()
    elif result.coaches:
        record(None, "privacy.retention", None, now=now, object_type="retention",
               summary=f"{result.enrolments} / {result.coaches}",
               params={"enrolments": result.enrolments, "coaches": result.coaches},
               after={"cutoff": cutoff, "coaches": result.coaches, "enrolments": result.enrolments,
                      "attendance": result.attendance, "certificates": result.certificates})
    return result
