"""Template globals that need the request or the app."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import current_app, request, url_for


def page_url(number: int) -> str:
    """The current URL with another page number, keeping every filter."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(number)]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def role_label(role) -> str:
    from lms.admin.forms import ROLE_LABELS

    return str(ROLE_LABELS.get(role, role))


def session_kind_label(kind) -> str:
    from lms.programmes.forms import KIND_LABELS
    from lms.programmes.models import SessionKind

    return str(KIND_LABELS.get(SessionKind(kind), kind))


def end_time(start: time, minutes: int) -> str:
    """The wall-clock end of a planned session, as HH:MM."""
    end = datetime.combine(date(2000, 1, 1), start) + timedelta(minutes=minutes)
    return end.strftime("%H:%M")


def cohort_status_label(status) -> str:
    from lms.cohorts.forms import STATUS_LABELS
    from lms.cohorts.models import CohortStatus

    return str(STATUS_LABELS[CohortStatus(status)])


def enrolment_status_label(status) -> str:
    from lms.enrolment.forms import STATUS_LABELS
    from lms.enrolment.models import EnrolmentStatus

    return str(STATUS_LABELS[EnrolmentStatus(status)])


def init_app(app) -> None:
    from lms.cohorts.models import CohortStatus
    from lms.enrolment.models import EnrolmentStatus

    app.jinja_env.globals.update(
        page_url=page_url,
        has_endpoint=has_endpoint,
        role_label=role_label,
        session_kind_label=session_kind_label,
        end_time=end_time,
        cohort_status_label=cohort_status_label,
        cohort_status_enum=CohortStatus,
        enrolment_status_label=enrolment_status_label,
        enrolment_status_enum=EnrolmentStatus,
    )
