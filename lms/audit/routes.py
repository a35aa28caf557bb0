"""The audit log for admins: search and read, never edit (there is no POST route here)."""

from __future__ import annotations

from flask import abort, current_app, make_response, request, url_for
from flask_babel import gettext as _

from lms import clock
from lms.audit import bp
from lms.audit.forms import AuditFilterForm, parse_day, parse_object_id
from lms.audit.labels import action_label, display_value, field_label, object_label, summary_text
from lms.audit.models import AuditEvent
from lms.audit.services import (
    AuditFilter,
    changes,
    event_query,
    events_csv,
    known_actions,
    known_object_types,
    parent_ids,
)
from lms.auth.access import admin_required
from lms.extensions import db
from lms.htmx import render
from lms.i18n import to_local

MAX_PAGE = 100_000
MAX_EVENT_ID = 2**63 - 1  # larger ids cannot exist, and would overflow the database driver
ACTOR_MAX = 200

# Object pages by type: (endpoint, its id argument).
OBJECT_PAGES = {
    # the programme and its content
    "programme": ("programmes.edit", "programme_id"), "module": ("programmes.module_edit", "module_id"),
    "sessiontemplate": ("programmes.template_edit", "template_id"),
    "lesson": ("learning.lesson_edit", "lesson_id"), "quiz_question": ("learning.question_edit", "question_id"),
    # groups, their sessions and certificates
    "cohort": ("cohorts.show", "cohort_id"), "session": ("cohorts.session_edit", "session_id"),
    "certificate": ("certificates.show", "certificate_id"),
    # accounts and places
    "user": ("admin.user_edit", "user_id"), "region": ("admin.region_edit", "region_id"),
    "municipality": ("admin.municipality_edit", "municipality_id"),
    "organisation": ("admin.organisation_edit", "organisation_id"),
    "outboxmail": ("notifications.mail", "mail_id"),
}
# Objects without a page of their own: the page of what they belong to.
PARENT_PAGES = {
    "enrolment": ("cohorts.show", "cohort_id"),
    "attendance": ("attendance.session", "session_id"),
}


def _filters_from(form: AuditFilterForm) -> AuditFilter:
    """The valid parts of the search; a part with an error is left out (and reported at its field)."""
    action = form.action.data or ""
    object_type = form.object_type.data or ""
    return AuditFilter(
        action=action if action in {value for value, _label in form.action.choices} else "",
        object_type=object_type if object_type in {value for value, _label in form.object_type.choices} else "",
        # Control characters cannot be in a name or address (and PostgreSQL refuses NUL).
        actor="".join(ch for ch in (form.actor.data or "") if ch.isprintable())[:ACTOR_MAX],
        object_id=parse_object_id(form.object_id.data) if form.object_id.data and not form.object_id.errors else None,
        date_from=parse_day(form.date_from.data) if form.date_from.data and not form.date_from.errors else None,
        date_to=parse_day(form.date_to.data) if form.date_to.data and not form.date_to.errors else None,
    )


def _form() -> tuple[AuditFilterForm, AuditFilter]:
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("All actions"))] + sorted(
        ((code, action_label(code)) for code in known_actions()), key=lambda choice: choice[1].lower())
    form.object_type.choices = [("", _("All objects"))] + sorted(
        ((code, object_label(code)) for code in known_object_types()), key=lambda choice: choice[1].lower())
    form.validate()
    return form, _filters_from(form)


def _page_number() -> int:
    text = request.args.get("page", "")
    try:
        return min(parse_object_id(text), MAX_PAGE) or 1
    except ValueError:
        return 1


def object_url(event: AuditEvent, parents: dict) -> str | None:
    """The page of the event's object, when it has one (deleted objects have none)."""
    if event.object_id is None or event.action.endswith(".delete"):
        return None
    if event.object_type in OBJECT_PAGES:
        endpoint, argument = OBJECT_PAGES[event.object_type]
        object_id = event.object_id
    elif event.object_type in PARENT_PAGES:
        endpoint, argument = PARENT_PAGES[event.object_type]
        object_id = parents.get((event.object_type, event.object_id))
        if object_id is None:
            return None
    else:
        return None
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **{argument: object_id})


def _row_context(events: list[AuditEvent]) -> dict:
    parents = parent_ids(events)
    return {
        "links": {event.id: object_url(event, parents) for event in events},
        "action_label": action_label,
        "audit_summary": summary_text,
        "object_label": object_label,
        "field_label": field_label,
        "changes": changes,
        "display_value": display_value,
    }


@bp.get("/")
@admin_required
def index():
    form, filters = _form()
    stmt = event_query(filters)
    per_page = current_app.config["PAGE_SIZE"]
    page = db.paginate(stmt, page=_page_number(), per_page=per_page, error_out=False)
    if page.pages and page.page > page.pages:  # past the end (an old link): show the last page
        page = db.paginate(stmt, page=page.pages, per_page=per_page, error_out=False)
    filtered = any(getattr(filters, name) not in ("", None) for name in AuditFilter.__dataclass_fields__)
    ignored = [(field.label.text, error) for field in form for error in field.errors]
    export_url = url_for("audit.export", **{k: v for k, v in request.args.items() if k != "page"})
    return render("audit/index.html", "audit/_events.html", form=form, page=page, filtered=filtered,
                  ignored=ignored, export_url=export_url, **_row_context(page.items))


@bp.get("/export.csv")
@admin_required
def export():
    _unused, filters = _form()
    response = make_response(events_csv(event_query(filters)))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    stamp = to_local(clock.now()).strftime("%Y%m%d-%H%M")
    response.headers["Content-Disposition"] = f'attachment; filename="auditlog-{stamp}.csv"'
    return response


@bp.get("/<int:event_id>")
@admin_required
def show(event_id: int):
    event = db.session.get(AuditEvent, event_id) if event_id <= MAX_EVENT_ID else None
    if event is None:
        abort(404)
    return render("audit/show.html", event=event, **_row_context([event]))
