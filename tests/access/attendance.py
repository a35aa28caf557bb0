"""Routes of attendance: a trainer registers only for their own cohorts; coordinators read."""

from __future__ import annotations

from datetime import timedelta

from lms.auth.models import Role, User, UserRole
from lms.cohorts.models import Session
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from tests.access import STAFF, Route, p
from tests.factories import password_hash

VIEWERS = frozenset({"trainer", "staff", "admin", "coordinator"})
REGISTRARS = frozenset({"trainer", "staff", "admin"})


def extend_world(w):
    """A coach of the upcoming cohort who may make up a session of the past cohort."""
    guest = User(email="guest@example.org", name="Gerda Gast", password_hash=password_hash(),
                 region=w["region"])
    guest.role_grants = [UserRole(role=Role.COACH)]
    cohort = w["cohort"]
    # Enrolled before the past session took place, so it counts as a make-up.
    since = db.session.get(Session, w["past_session_id"]).starts_at - timedelta(days=30)
    db.session.add(Enrolment(cohort=cohort, user=guest, programme_id=cohort.programme_id,
                             status=EnrolmentStatus.ENROLLED, created_at=since, enrolled_at=since))
    cohort.seats_taken += 1
    db.session.flush()
    w.update(coach_id=w["users"]["coach"].id, guest_id=guest.id)


ROUTES: list[Route] = [
    Route("attendance.session", "GET", p("/sessions/{session_id}/attendance"), VIEWERS),
    Route("attendance.session", "GET", p("/sessions/{past_session_id}/attendance"), VIEWERS),
    Route("attendance.session", "GET", p("/sessions/{other_session_id}/attendance"), STAFF),
    Route("attendance.mark", "POST", p("/sessions/{past_session_id}/attendance/{coach_id}"), REGISTRARS,
          data=lambda w: {"status": "present"}),
    Route("attendance.mark", "POST", p("/sessions/{other_session_id}/attendance/{other_user_id}"), STAFF,
          data=lambda w: {"status": "present"}),
    Route("attendance.all_present", "POST", p("/sessions/{past_session_id}/attendance/all-present"), REGISTRARS),
    Route("attendance.all_present", "POST", p("/sessions/{other_session_id}/attendance/all-present"), STAFF),
    Route("attendance.make_up_search", "GET", p("/sessions/{past_session_id}/attendance/make-up?q=Gerda"), REGISTRARS),
    Route("attendance.make_up_search", "GET", p("/sessions/{other_session_id}/attendance/make-up?q=Gerda"), STAFF),
    Route("attendance.make_up", "POST", p("/sessions/{past_session_id}/attendance/make-up"), REGISTRARS,
          data=lambda w: {"user_id": str(w["guest_id"])}),
    Route("attendance.make_up", "POST", p("/sessions/{other_session_id}/attendance/make-up"), STAFF,
          data=lambda w: {"user_id": str(w["guest_id"])}),
]
