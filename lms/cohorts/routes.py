from __future__ import annotations

from datetime import time

import sqlalchemy as sa
from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms import clock
from lms.auth.access import staff_required
from lms.auth.models import Role
from lms.cohorts import bp
from lms.cohorts.clashes import clashes
from lms.cohorts.forms import CancelForm, CohortFilterForm, CohortForm, NewCohortForm, SessionForm, StatusForm
from lms.cohorts.models import Cohort, CohortStatus, Session, status_label
from lms.cohorts.queries import (
    can_manage,
    can_read,
    load_cohort,
    staff_cohort_filters,
    staff_overview,
    trainer_choices,
    trainer_overview,
)
from lms.cohorts.services import (
    NeedsConfirmation,
    SessionData,
    add_session,
    cancel_cohort,
    cancel_session,
    change_status,
    create_cohort,
    delete_session,
    restore_session,
    update_cohort,
    update_session,
)
from lms.enrolment.interest import waiting_interest
from lms.enrolment.queries import awaiting_approval, participants, roster, staff_cohort_page
from lms.enrolment.waitlist import expire_offers
from lms.extensions import db
from lms.forms import parse_id
from lms.htmx import redirect_to, render
from lms.i18n import fmt_timerange, local_to_utc, to_local
from lms.panels import panel
from lms.programmes.models import Programme, SessionKind
from lms.programmes.services import active_programmes
from lms.regions.models import Municipality, Region
from lms.regions.services import all_regions, municipalities_of, region_names
from lms.web import perform

bp.add_app_template_global(status_label, "cohort_status_label")
bp.add_app_template_global(CohortStatus, "cohort_status_enum")


def _cohort_or_404(cohort_id: int) -> Cohort:
    return load_cohort(cohort_id) or abort(404)


def _managed_cohort(cohort_id: int) -> Cohort:
    cohort = _cohort_or_404(cohort_id)
    if not can_manage(current_user, cohort):
        abort(403)
    return cohort


def _session_or_404(session_id: int) -> Session:
    session = db.get_or_404(Session, session_id)
    if not can_manage(current_user, session.cohort):
        abort(403)
    return session


def _fill_settings_choices(form, region_id=None) -> None:
    form.region_id.choices = [("", _("— choose a region —"))] + [(r.id, r.name) for r in all_regions()]
    form.municipality_id.choices = [("", _("— the whole region —"))] + [
        (m.id, f"{m.name} ({m.region.name})") for m in municipalities_of(None)
    ]
    form.trainers.choices = [(t.id, t.name) for t in trainer_choices()]


def _window(form) -> tuple:
    opens = local_to_utc(form.enrol_opens_on.data, time(0, 0)) if form.enrol_opens_on.data else None
    closes = local_to_utc(form.enrol_closes_on.data, time(23, 59)) if form.enrol_closes_on.data else None
    return opens, closes


def _selected_trainers(form):
    chosen = set(form.trainers.data or [])
    return [t for t in trainer_choices() if t.id in chosen]


def _warn_clashes(sessions, trainers) -> None:
    """Double bookings are allowed, but staff hear of them on the page they land on."""
    for clash in clashes(sessions, trainers):
        other = clash.other
        when = fmt_timerange(other.starts_at, other.ends_at)
        if clash.trainer is not None:
            flash(_("Note: %(trainer)s also teaches %(other)s of %(group)s at the same time (%(when)s).",
                    trainer=clash.trainer.name, other=other.title, group=other.cohort.title, when=when), "warning")
        else:
            flash(_("Note: %(address)s is also booked for %(other)s of %(group)s at the same time (%(when)s).",
                    address=other.address, other=other.title, group=other.cohort.title, when=when), "warning")


def _to_cohort(cohort_id: int, anchor: str = ""):
    return redirect_to(url_for("cohorts.show", cohort_id=cohort_id) + anchor)


# Staff list --------------------------------------------------------------------------


_PROGRAMME_CHOICES = sa.select(Programme.id, Programme.title).order_by(Programme.title)


@bp.get("/staff/cohorts")
@staff_required
def index():
    form = CohortFilterForm(request.args)
    form.programme.choices = [("", _("All programmes"))] + [
        (programme_id, title) for programme_id, title in db.session.execute(_PROGRAMME_CHOICES)
    ]
    form.region.choices = [("", _("All regions"))] + [(region_id, name) for region_id, name in region_names()]
    form.validate()
    filters = staff_cohort_filters(
        programme_id=form.programme.data if not form.programme.errors else None,
        region_id=form.region.data if not form.region.errors else None,
        status=CohortStatus(form.status.data) if form.status.data and not form.status.errors else None,
        starts_from=form.starts_from.data if not form.starts_from.errors else None,
        starts_until=form.starts_until.data if not form.starts_until.errors else None,
    )
    page = staff_cohort_page(filters, per_page=current_app.config["PAGE_SIZE"])
    return render("cohorts/index.html", "cohorts/_cohort_table.html", form=form, page=page)


# Opening and editing -----------------------------------------------------------------


def _create(form):
    opens, closes = _window(form)
    return create_cohort(
        current_user,
        programme=db.session.get(Programme, form.programme_id.data),
        region=db.session.get(Region, form.region_id.data),
        municipality=db.session.get(Municipality, form.municipality_id.data) if form.municipality_id.data else None,
        title=form.title.data, first_day=form.first_day.data, capacity=form.capacity.data,
        enrol_opens_at=opens, enrol_closes_at=closes, description=form.description.data or "",
        trainers=_selected_trainers(form), address=form.address.data or None,
        video_url=form.video_url.data or None, now=clock.now(),
    )


@bp.route("/staff/cohorts/new", methods=["GET", "POST"])
@staff_required
def new():
    form = NewCohortForm()
    programmes = active_programmes()
    form.programme_id.choices = [("", _("— choose a programme —"))] + [(p.id, p.title) for p in programmes]
    _fill_settings_choices(form)
    if request.method == "GET" and parse_id(request.args.get("programme_id", "")):
        form.programme_id.data = parse_id(request.args["programme_id"])
    outcome = perform(form, lambda: _create(form))
    if outcome:
        flash(_("Group %(title)s has been created as a draft. Check its sessions, then open it for enrolment.",
                title=outcome.result.title), "success")
        _warn_clashes(outcome.result.sessions, outcome.result.trainers)
        return _to_cohort(outcome.result.id)
    return render("cohorts/new.html", form=form, status=outcome.status)


@bp.get("/staff/cohorts/<int:cohort_id>")
@login_required
def show(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    if not can_read(current_user, cohort):
        abort(403)
    now = clock.now()
    expire_offers(now, cohort)  # offers whose time is up pass on whenever the cohort is read
    can_see_people = can_manage(current_user, cohort) or any(t.id == current_user.id for t in cohort.trainers)
    return render(
        "cohorts/show.html",
        cohort=cohort,
        can_manage=can_manage(current_user, cohort),
        can_see_people=can_see_people,
        groups=roster(cohort) if can_see_people else {},
        status_form=StatusForm(),
        now=now,
    )


def _settings(form) -> dict:
    opens, closes = _window(form)
    return {
        "title": form.title.data, "description": form.description.data or "", "region_id": form.region_id.data,
        "municipality_id": form.municipality_id.data, "capacity": form.capacity.data,
        "enrol_opens_at": opens, "enrol_closes_at": closes,
    }


@bp.route("/staff/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    form = CohortForm(obj=cohort if request.method == "GET" else None)
    _fill_settings_choices(form)
    if request.method == "GET":
        form.trainers.data = [t.id for t in cohort.trainers]
        form.enrol_opens_on.data = to_local(cohort.enrol_opens_at).date() if cohort.enrol_opens_at else None
        form.enrol_closes_on.data = to_local(cohort.enrol_closes_at).date() if cohort.enrol_closes_at else None
    outcome = perform(form, lambda: update_cohort(current_user, cohort, data=_settings(form),
                                                  trainers=_selected_trainers(form), now=clock.now(),
                                                  confirmed=form.confirm.data),
                      expect=(NeedsConfirmation,))
    if outcome:
        flash(_("The group has been saved."), "success")
        _warn_clashes(cohort.sessions, cohort.trainers)
        return _to_cohort(cohort.id)
    affected, status = None, outcome.status
    if isinstance(outcome.error, NeedsConfirmation):
        form.capacity.errors = list(form.capacity.errors) + [outcome.error.message]
        affected, status = outcome.error.affected, 422
    return render("cohorts/edit.html", form=form, cohort=cohort, affected=affected, status=status)


@bp.post("/staff/cohorts/<int:cohort_id>/status")
@staff_required
def status(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    form = StatusForm()
    outcome = perform(form, lambda: change_status(current_user, cohort, CohortStatus(form.status.data), clock.now()))
    if outcome:
        flash(_("The group is now: %(status)s.", status=status_label(cohort.status)), "success")
    elif outcome.error is None:
        flash(_("Choose a valid status."), "error")
    return _to_cohort(cohort.id)


@bp.route("/staff/cohorts/<int:cohort_id>/cancel", methods=["GET", "POST"])
@staff_required
def cancel(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    form = CancelForm()
    affected = participants(cohort)
    outcome = perform(form, lambda: cancel_cohort(current_user, cohort, form.reason.data, clock.now(),
                                                  confirmed=form.confirm.data),
                      expect=(NeedsConfirmation,))
    if outcome:
        flash(_("The group has been cancelled."), "success")
    status = outcome.status
    if isinstance(outcome.error, NeedsConfirmation):
        form.confirm.errors = list(form.confirm.errors) + [outcome.error.message]
        status = 422
    elif outcome or outcome.error is not None:
        return _to_cohort(cohort.id)
    return render("cohorts/cancel.html", form=form, cohort=cohort, affected=affected, status=status)


# Sessions ----------------------------------------------------------------------------


def _session_data(form) -> SessionData:
    return SessionData(
        kind=SessionKind(form.kind.data), title=form.title.data, day=form.day.data, start=form.start.data,
        end=form.end.data, address=form.address.data or None, room=form.room.data or None,
        video_url=form.video_url.data or None, net_hours=form.net_hours.data or 0,
        is_required=form.is_required.data,
    )


@bp.route("/staff/cohorts/<int:cohort_id>/sessions/new", methods=["GET", "POST"], endpoint="session_new")
@bp.route("/staff/sessions/<int:session_id>", methods=["GET", "POST"], endpoint="session_edit")
@staff_required
def session_form(cohort_id: int | None = None, session_id: int | None = None):
    """A new session for a cohort, or a session changed."""
    session = _session_or_404(session_id) if session_id is not None else None
    cohort = session.cohort if session else _managed_cohort(cohort_id)
    form = SessionForm(obj=session if request.method == "GET" else None)
    if request.method == "GET" and session is not None:
        form.kind.data = session.kind.value
        form.day.data = to_local(session.starts_at).date()
        form.start.data = to_local(session.starts_at).time()
        form.end.data = to_local(session.ends_at).time()
    if session is None:
        outcome = perform(form, lambda: add_session(current_user, cohort, _session_data(form), clock.now()))
        done = outcome and _("%(title)s has been added.", title=outcome.result.title)
    else:
        outcome = perform(form, lambda: update_session(current_user, session, _session_data(form), clock.now()))
        done = outcome and (_("The session has been saved.") if outcome.result else _("Nothing was changed."))
    if outcome:
        flash(done, "success")
        saved = outcome.result if session is None else session
        _warn_clashes([saved], cohort.trainers)
        return _to_cohort(cohort.id, "#sessions")
    return render("cohorts/session_form.html", form=form, cohort=cohort, session=session, status=outcome.status)


@bp.route("/staff/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@staff_required
def session_cancel(session_id: int):
    session = _session_or_404(session_id)
    cohort_id = session.cohort_id
    form = CancelForm()
    affected = participants(session.cohort)
    outcome = perform(form, lambda: cancel_session(current_user, session, form.reason.data, clock.now()))
    if outcome:
        flash(_("%(title)s has been cancelled. It stays visible as cancelled.", title=session.title), "success")
    if outcome or outcome.error is not None:
        return _to_cohort(cohort_id, "#sessions")
    return render("cohorts/session_cancel.html", form=form, session=session, affected=affected,
                  status=outcome.status)


@bp.post("/staff/sessions/<int:session_id>/restore")
@staff_required
def session_restore(session_id: int):
    session = _session_or_404(session_id)
    if perform(None, lambda: restore_session(current_user, session, clock.now())):
        flash(_("%(title)s takes place again.", title=session.title), "success")
    return _to_cohort(session.cohort_id, "#sessions")


@bp.route("/staff/sessions/<int:session_id>/delete", methods=["GET", "POST"])
@staff_required
def session_delete(session_id: int):
    session = _session_or_404(session_id)
    cohort_id = session.cohort_id
    if request.method == "POST":
        if perform(None, lambda: delete_session(current_user, session, clock.now())):
            flash(_("The session has been removed."), "success")
        return _to_cohort(cohort_id, "#sessions")
    return render("cohorts/session_delete.html", session=session)


# Start page --------------------------------------------------------------------------


@panel("trainer_cohorts", "cohorts/_panel_trainer.html", (Role.TRAINER,), order=20)
def trainer_panel(user, now):
    return trainer_overview(user, now)


@panel("staff_cohorts", "cohorts/_panel_staff.html", (Role.STAFF, Role.ADMIN), order=20)
def staff_panel(user, now):
    return {**staff_overview(now), "waiting": awaiting_approval(), "interested": waiting_interest()}
