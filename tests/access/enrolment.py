"""Enrolment: coaches act on their own enrolments only; staff manage rosters; trainers read them."""

from __future__ import annotations

from tests.access import COACH, EVERYONE, STAFF, Route, p

ROSTER_READERS = frozenset({"staff", "admin", "trainer"})


def extend_world(w: dict) -> None:
    from datetime import timedelta

    from lms.cohorts.models import Cohort, CohortStatus, Session
    from lms.enrolment.models import Enrolment, EnrolmentStatus
    from lms.extensions import db

    # An open cohort of another programme, so the coach may enrol in it.
    from lms.programmes.models import Programme, SessionTemplate

    programme = Programme(title="Verdieping", slug="verdieping-access")
    template = SessionTemplate(kind=w["programme"].session_templates[0].kind, title="Dag", start_time=w["programme"].session_templates[0].start_time,
                               duration_minutes=60, day_offset=0)
    programme.session_templates = [template]
    cohort = Cohort(programme=programme, region=w["region"], title="Open groep", capacity=10, status=CohortStatus.OPEN)
    start = w["cohort"].sessions[0].starts_at + timedelta(days=90)
    cohort.sessions = [Session(kind=template.kind, title="Dag", starts_at=start, ends_at=start + timedelta(hours=1),
                               video_url="https://meet.example.org/z")]
    cohort.starts_at = start
    db.session.add(cohort)
    db.session.flush()
    w["open_cohort_id"] = cohort.id
    # A pending enrolment of a third coach, for approve/reject.
    from lms.auth.models import Role, User, UserRole

    third = User(email="third@example.org", name="Derde Coach", password_hash="x", region=w["region"])
    third.role_grants = [UserRole(role=Role.COACH)]
    pending = Enrolment(cohort=w["cohort"], user=third, programme_id=w["programme_id"],
                        status=EnrolmentStatus.PENDING)
    w["cohort"].seats_taken += 1
    db.session.add(pending)
    db.session.flush()
    w["pending_enrolment_id"] = pending.id
    w["verdieping_programme_id"] = programme.id
    # A visitor's wish (no account), waiting for its confirmation, with the links of its mails.
    from lms.enrolment.models import VisitorInterest
    from lms.enrolment.visitor_interest import CONFIRM_SALT, UNSUBSCRIBE_SALT, token_for

    wish = VisitorInterest(email="visitor@example.org", region=w["region"], locale="nl")
    db.session.add(wish)
    db.session.flush()
    w["visitor_confirm_token"] = token_for(wish, CONFIRM_SALT)
    w["visitor_stop_token"] = token_for(wish, UNSUBSCRIBE_SALT)


ROUTES = [
    Route("enrolment.enrol_view", "POST", p("/trainings/{open_cohort_id}/enrol"), COACH),
    Route("enrolment.cancel", "GET", p("/enrolments/{enrolment_id}/cancel"), COACH, denied_status=404),
    Route("enrolment.cancel", "POST", p("/enrolments/{enrolment_id}/cancel"), COACH, denied_status=404),
    # Another coach's enrolment does not exist for anyone but its owner (and staff use the roster).
    Route("enrolment.cancel", "GET", p("/enrolments/{other_enrolment_id}/cancel"), frozenset(), denied_status=404),
    Route("enrolment.cancel", "POST", p("/enrolments/{other_enrolment_id}/cancel"), frozenset(), denied_status=404),
    Route("enrolment.accept", "POST", p("/enrolments/{enrolment_id}/accept"), COACH, denied_status=404),
    Route("enrolment.accept", "POST", p("/enrolments/{other_enrolment_id}/accept"), frozenset(), denied_status=404),
    Route("enrolment.decline", "POST", p("/enrolments/{enrolment_id}/decline"), COACH, denied_status=404),
    Route("enrolment.decline", "POST", p("/enrolments/{other_enrolment_id}/decline"), frozenset(), denied_status=404),
    Route("enrolment.interest", "POST", p("/interest"), COACH,
          data=lambda w: {"programme_id": w["verdieping_programme_id"]}),
    Route("enrolment.roster_view", "GET", p("/staff/cohorts/{cohort_id}/roster"), ROSTER_READERS),
    Route("enrolment.roster_view", "GET", p("/staff/cohorts/{other_cohort_id}/roster"), STAFF),
    Route("enrolment.roster_export", "GET", p("/staff/cohorts/{cohort_id}/roster.csv"), ROSTER_READERS),
    Route("enrolment.roster_export", "GET", p("/staff/cohorts/{other_cohort_id}/roster.csv"), STAFF),
    Route("enrolment.approve_view", "POST", p("/staff/enrolments/{pending_enrolment_id}/approve"), STAFF),
    Route("enrolment.reject_view", "GET", p("/staff/enrolments/{pending_enrolment_id}/reject"), STAFF),
    Route("enrolment.reject_view", "POST", p("/staff/enrolments/{pending_enrolment_id}/reject"), STAFF),
    Route("enrolment.remove_view", "GET", p("/staff/enrolments/{other_enrolment_id}/remove"), STAFF),
    Route("enrolment.remove_view", "POST", p("/staff/enrolments/{other_enrolment_id}/remove"), STAFF),
    Route("enrolment.move_view", "GET", p("/staff/enrolments/{other_enrolment_id}/move"), STAFF),
    Route("enrolment.move_view", "POST", p("/staff/enrolments/{other_enrolment_id}/move"), STAFF),
    Route("enrolment.coach_search", "GET", p("/staff/cohorts/{cohort_id}/coach-search?q=ot"), STAFF),
    Route("enrolment.add_coach_view", "POST", p("/staff/cohorts/{cohort_id}/add"), STAFF),
    Route("enrolment.interest_overview", "GET", p("/staff/interest"), STAFF),
    # A visitor's interest: no account needed; the signed link is the key.
    Route("enrolment.visitor_interest", "GET", p("/keep-informed"), EVERYONE),
    Route("enrolment.visitor_interest", "POST", p("/keep-informed"), EVERYONE,
          data=lambda w: {"email": "someone@example.org", "region_id": w["region_id"]}),
    Route("enrolment.visitor_confirm", "GET", p("/keep-informed/confirm/{visitor_confirm_token}"), EVERYONE),
    Route("enrolment.visitor_confirm", "POST", p("/keep-informed/confirm/{visitor_confirm_token}"), EVERYONE),
    Route("enrolment.visitor_confirm", "GET", p("/keep-informed/confirm/forged"), frozenset(),
          denied_status=404, anonymous_status=404),
    Route("enrolment.visitor_unsubscribe", "GET", p("/keep-informed/stop/{visitor_stop_token}"), EVERYONE),
    Route("enrolment.visitor_unsubscribe", "POST", p("/keep-informed/stop/{visitor_stop_token}"), EVERYONE),
    Route("enrolment.visitor_unsubscribe", "GET", p("/keep-informed/stop/forged"), frozenset(),
          denied_status=404, anonymous_status=404),
]
