"""Programmes, cohorts, sessions and the public catalogue."""

from __future__ import annotations

from tests.access import EVERYONE, STAFF, Route, p

COHORT_READERS = frozenset({"staff", "admin", "trainer", "coordinator"})


def extend_world(w: dict) -> None:
    from lms.cohorts.models import CohortStatus
    from lms.extensions import db

    # A draft cohort: only staff may see that it exists.
    draft = w["cohort"].__class__(
        programme=w["programme"], region=w["region"], title="Conceptgroep", capacity=10, status=CohortStatus.DRAFT
    )
    db.session.add(draft)
    db.session.flush()
    w["plain_draft_cohort_id"] = draft.id
    from datetime import timedelta

    from lms.cohorts.models import Session

    template = w["programme"].session_templates[0]
    start = w["cohort"].sessions[0].starts_at + timedelta(days=60)
    draft_session = Session(cohort=draft, kind=template.kind, title="Losse bijeenkomst", starts_at=start,
                            ends_at=start + timedelta(hours=3), video_url="https://meet.example.org/y")
    db.session.add(draft_session)
    db.session.flush()
    w["plain_draft_session_id"] = draft_session.id
    w["other_module_id"] = w["programme"].modules[1].id


ROUTES = [
    # Catalogue: public
    Route("catalogue.index", "GET", p("/trainings"), EVERYONE),
    Route("catalogue.calendars", "GET", p("/calendars"), EVERYONE),
    Route("catalogue.cohort", "GET", p("/trainings/{cohort_id}"), EVERYONE),
    Route("catalogue.cohort", "GET", p("/trainings/{plain_draft_cohort_id}"), STAFF, denied_status=404,
          anonymous_status=404),
    # Programmes: staff only
    Route("programmes.index", "GET", p("/staff/programmes/"), STAFF),
    Route("programmes.new", "GET", p("/staff/programmes/new"), STAFF),
    Route("programmes.new", "POST", p("/staff/programmes/new"), STAFF),
    Route("programmes.edit", "GET", p("/staff/programmes/{programme_id}"), STAFF),
    Route("programmes.edit", "POST", p("/staff/programmes/{programme_id}"), STAFF),
    Route("programmes.archive", "POST", p("/staff/programmes/{programme_id}/archive"), STAFF,
          data=lambda w: {"archived": "0"}),
    Route("programmes.module_add", "POST", p("/staff/programmes/{programme_id}/modules"), STAFF),
    Route("programmes.module_edit", "GET", p("/staff/programmes/modules/{module_id}"), STAFF),
    Route("programmes.module_edit", "POST", p("/staff/programmes/modules/{module_id}"), STAFF),
    Route("programmes.module_move", "POST", p("/staff/programmes/modules/{module_id}/move"), STAFF,
          data=lambda w: {"direction": "down"}),
    Route("programmes.module_delete", "GET", p("/staff/programmes/modules/{other_module_id}/delete"), STAFF),
    Route("programmes.module_delete", "POST", p("/staff/programmes/modules/{other_module_id}/delete"), STAFF),
    Route("programmes.template_add", "POST", p("/staff/programmes/{programme_id}/pattern"), STAFF),
    Route("programmes.template_edit", "GET", p("/staff/programmes/pattern/{template_id}"), STAFF),
    Route("programmes.template_edit", "POST", p("/staff/programmes/pattern/{template_id}"), STAFF),
    Route("programmes.template_delete", "POST", p("/staff/programmes/pattern/{template_id}/delete"), STAFF),
    # Cohorts: staff manage; trainers of the cohort and coordinators of its region read
    Route("cohorts.index", "GET", p("/staff/cohorts"), STAFF),
    Route("cohorts.new", "GET", p("/staff/cohorts/new"), STAFF),
    Route("cohorts.new", "POST", p("/staff/cohorts/new"), STAFF),
    Route("cohorts.show", "GET", p("/staff/cohorts/{cohort_id}"), COHORT_READERS),
    Route("cohorts.show", "GET", p("/staff/cohorts/{other_cohort_id}"), STAFF),
    Route("cohorts.edit", "GET", p("/staff/cohorts/{cohort_id}/edit"), STAFF),
    Route("cohorts.edit", "POST", p("/staff/cohorts/{cohort_id}/edit"), STAFF),
    Route("cohorts.status", "POST", p("/staff/cohorts/{cohort_id}/status"), STAFF,
          data=lambda w: {"status": "closed"}),
    Route("cohorts.cancel", "GET", p("/staff/cohorts/{cohort_id}/cancel"), STAFF),
    Route("cohorts.cancel", "POST", p("/staff/cohorts/{cohort_id}/cancel"), STAFF),
    Route("cohorts.session_new", "GET", p("/staff/cohorts/{cohort_id}/sessions/new"), STAFF),
    Route("cohorts.session_new", "POST", p("/staff/cohorts/{cohort_id}/sessions/new"), STAFF),
    Route("cohorts.session_edit", "GET", p("/staff/sessions/{session_id}"), STAFF),
    Route("cohorts.session_edit", "POST", p("/staff/sessions/{session_id}"), STAFF),
    Route("cohorts.session_cancel", "GET", p("/staff/sessions/{session_id}/cancel"), STAFF),
    Route("cohorts.session_cancel", "POST", p("/staff/sessions/{session_id}/cancel"), STAFF),
    Route("cohorts.session_restore", "POST", p("/staff/sessions/{session_id}/restore"), STAFF),
    Route("cohorts.session_delete", "GET", p("/staff/sessions/{plain_draft_session_id}/delete"), STAFF),
    Route("cohorts.session_delete", "POST", p("/staff/sessions/{plain_draft_session_id}/delete"), STAFF),
]
