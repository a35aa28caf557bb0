from __future__ import annotations

from datetime import time

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms import clock
from lms.auth.access import staff_required
from lms.auth.models import Role
from lms.cohorts import bp
from lms.cohorts.forms import (
    CancelForm,
    CohortFilterForm,
    CohortForm,
    NewCohortForm,
    SessionForm,
    StatusForm,
)
from lms.cohorts.models import Cohort, CohortStatus, Session, SessionStatus
from lms.cohorts.services import (
    CohortError,
    NeedsConfirmation,
    SessionData,
    add_session,
    can_manage,
    can_read,
    cancel_cohort,
    cancel_session,
    change_status,
    create_cohort,
    delete_session,
    load_cohort,
    restore_session,
    staff_cohort_query,
    trainer_choices,
    update_cohort,
    update_session,
)
from lms.extensions import db
from lms.forms import parse_id
from lms.htmx import redirect_to, render
from lms.i18n import local_to_utc, to_local
from lms.panels import panel
from lms.programmes.models import Programme, SessionKind
from lms.programmes.services import active_programmes
from lms.regions.models import Municipality, Region
from lms.regions.services import all_regions, municipalities_of


def _cohort_or_404(cohort_id: int) -> Cohort:
    cohort = load_cohort(cohort_id)
    if cohort is None:
        abort(404)
    return cohort


def _managed_cohort(cohort_id: int) -> Cohort:
    cohort = _cohort_or_404(cohort_id)
    if not can_manage(current_user, cohort):
        abort(403)
    return cohort


def _session_or_404(session_id: int) -> Session:
    session = db.session.get(Session, session_id)
    if session is None:
        abort(404)
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


def _set_field_error(form, exc: CohortError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [exc.message]
    else:
        flash(exc.message, "error")


# Staff list --------------------------------------------------------------------------


@bp.get("/staff/cohorts")
@staff_required
def index():
    form = CohortFilterForm(request.args)
    form.programme.choices = [("", _("All programmes"))] + [
        (p.id, p.title) for p in db.session.execute(db.select(Programme).order_by(Programme.title)).scalars()
    ]
    form.region.choices = [("", _("All regions"))] + [(r.id, r.name) for r in all_regions()]
    form.validate()
    stmt = staff_cohort_query(
        programme_id=form.programme.data if not form.programme.errors else None,
        region_id=form.region.data if not form.region.errors else None,
        status=CohortStatus(form.status.data) if form.status.data and not form.status.errors else None,
        starts_from=form.starts_from.data if not form.starts_from.errors else None,
        starts_until=form.starts_until.data if not form.starts_until.errors else None,
    )
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render("cohorts/index.html", "cohorts/_cohort_table.html", form=form, page=page)


# Opening and editing -----------------------------------------------------------------


@bp.route("/staff/cohorts/new", methods=["GET", "POST"])
@staff_required
def new():
    form = NewCohortForm()
    programmes = active_programmes()
    form.programme_id.choices = [("", _("— choose a programme —"))] + [(p.id, p.title) for p in programmes]
    _fill_settings_choices(form)
    if request.method == "GET" and parse_id(request.args.get("programme_id", "")):
        form.programme_id.data = parse_id(request.args["programme_id"])
    status = 200
    if form.validate_on_submit():
        opens, closes = _window(form)
        try:
            cohort = create_cohort(
                current_user,
                programme=db.session.get(Programme, form.programme_id.data),
                region=db.session.get(Region, form.region_id.data),
                municipality=db.session.get(Municipality, form.municipality_id.data) if form.municipality_id.data else None,
                title=form.title.data, first_day=form.first_day.data, capacity=form.capacity.data,
                enrol_opens_at=opens, enrol_closes_at=closes, description=form.description.data or "",
                trainers=_selected_trainers(form), address=form.address.data or None,
                video_url=form.video_url.data or None, now=clock.now(),
            )
        except CohortError as exc:
            db.session.rollback()
            _set_field_error(form, exc)
            status = 422
        else:
            db.session.commit()
            flash(_("Cohort %(title)s has been created as a draft. Check its sessions, then open it for enrolment.",
                    title=cohort.title), "success")
            return redirect_to(url_for("cohorts.show", cohort_id=cohort.id))
    elif form.is_submitted():
        status = 422
    return render("cohorts/new.html", form=form, status=status)


@bp.get("/staff/cohorts/<int:cohort_id>")
@login_required
def show(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    if not can_read(current_user, cohort):
        abort(403)
    from lms.enrolment.services import expire_offers, roster

    now = clock.now()
    if expire_offers(now, cohort):  # offers whose time is up pass on whenever the cohort is read
        db.session.commit()
        cohort = load_cohort(cohort_id)
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
    status = 200
    affected = None
    if form.validate_on_submit():
        opens, closes = _window(form)
        data = {
            "title": form.title.data, "description": form.description.data or "", "region_id": form.region_id.data,
            "municipality_id": form.municipality_id.data, "capacity": form.capacity.data,
            "enrol_opens_at": opens, "enrol_closes_at": closes,
        }
        try:
            update_cohort(current_user, cohort, data=data, trainers=_selected_trainers(form), now=clock.now(),
                          confirmed=form.confirm.data)
        except NeedsConfirmation as exc:
            db.session.rollback()
            form.capacity.errors = list(form.capacity.errors) + [exc.message]
            affected = exc.affected
            status = 422
        except CohortError as exc:
            db.session.rollback()
            _set_field_error(form, exc)
            status = 422
        else:
            db.session.commit()
            flash(_("The cohort has been saved."), "success")
            return redirect_to(url_for("cohorts.show", cohort_id=cohort.id))
    elif form.is_submitted():
        status = 422
    return render("cohorts/edit.html", form=form, cohort=cohort, affected=affected, status=status)


@bp.post("/staff/cohorts/<int:cohort_id>/status")
@staff_required
def status(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            change_status(current_user, cohort, CohortStatus(form.status.data), clock.now())
        except CohortError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("The cohort is now: %(status)s.", status=_status_label(cohort.status)), "success")
    else:
        flash(_("Choose a valid status."), "error")
    return redirect_to(url_for("cohorts.show", cohort_id=cohort.id))


def _status_label(status):
    from lms.cohorts.services import status_label

    return status_label(status)


@bp.route("/staff/cohorts/<int:cohort_id>/cancel", methods=["GET", "POST"])
@staff_required
def cancel(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    form = CancelForm()
    from lms.cohorts.services import active_enrolments

    affected = [e.user for e in active_enrolments(cohort)]
    status = 200
    if form.validate_on_submit():
        try:
            cancel_cohort(current_user, cohort, form.reason.data, clock.now(), confirmed=form.confirm.data)
        except NeedsConfirmation as exc:
            db.session.rollback()
            form.confirm.errors = list(form.confirm.errors) + [exc.message]
            status = 422
        except CohortError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect_to(url_for("cohorts.show", cohort_id=cohort.id))
        else:
            db.session.commit()
            flash(_("The cohort has been cancelled."), "success")
            return redirect_to(url_for("cohorts.show", cohort_id=cohort.id))
    elif form.is_submitted():
        status = 422
    return render("cohorts/cancel.html", form=form, cohort=cohort, affected=affected, status=status)


# Sessions ----------------------------------------------------------------------------


def _session_data(form) -> SessionData:
    return SessionData(
        kind=SessionKind(form.kind.data), title=form.title.data, day=form.day.data, start=form.start.data,
        end=form.end.data, address=form.address.data or None, room=form.room.data or None,
        video_url=form.video_url.data or None, net_hours=form.net_hours.data or 0,
        is_required=form.is_required.data,
    )


@bp.route("/staff/cohorts/<int:cohort_id>/sessions/new", methods=["GET", "POST"])
@staff_required
def session_new(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    form = SessionForm()
    status = 200
    if form.validate_on_submit():
        try:
            session = add_session(current_user, cohort, _session_data(form), clock.now())
        except CohortError as exc:
            db.session.rollback()
            _set_field_error(form, exc)
            status = 422
        else:
            db.session.commit()
            flash(_("%(title)s has been added.", title=session.title), "success")
            return redirect_to(url_for("cohorts.show", cohort_id=cohort.id) + "#sessions")
    elif form.is_submitted():
        status = 422
    return render("cohorts/session_form.html", form=form, cohort=cohort, session=None, status=status)


@bp.route("/staff/sessions/<int:session_id>", methods=["GET", "POST"])
@staff_required
def session_edit(session_id: int):
    session = _session_or_404(session_id)
    cohort = session.cohort
    form = SessionForm(obj=session if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = session.kind.value
        form.day.data = to_local(session.starts_at).date()
        form.start.data = to_local(session.starts_at).time()
        form.end.data = to_local(session.ends_at).time()
    status = 200
    if form.validate_on_submit():
        try:
            changed = update_session(current_user, session, _session_data(form), clock.now())
        except CohortError as exc:
            db.session.rollback()
            _set_field_error(form, exc)
            status = 422
        else:
            db.session.commit()
            flash(_("The session has been saved.") if changed else _("Nothing was changed."), "success")
            return redirect_to(url_for("cohorts.show", cohort_id=cohort.id) + "#sessions")
    elif form.is_submitted():
        status = 422
    return render("cohorts/session_form.html", form=form, cohort=cohort, session=session, status=status)


@bp.route("/staff/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@staff_required
def session_cancel(session_id: int):
    session = _session_or_404(session_id)
    form = CancelForm()
    from lms.cohorts.services import active_enrolments

    affected = [e.user for e in active_enrolments(session.cohort)]
    status = 200
    if form.validate_on_submit():
        try:
            cancel_session(current_user, session, form.reason.data, clock.now())
        except CohortError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("%(title)s has been cancelled. It stays visible as cancelled.", title=session.title), "success")
        return redirect_to(url_for("cohorts.show", cohort_id=session.cohort_id) + "#sessions")
    elif form.is_submitted():
        status = 422
    return render("cohorts/session_cancel.html", form=form, session=session, affected=affected, status=status)


@bp.post("/staff/sessions/<int:session_id>/restore")
@staff_required
def session_restore(session_id: int):
    session = _session_or_404(session_id)
    try:
        restore_session(current_user, session, clock.now())
    except CohortError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("%(title)s takes place again.", title=session.title), "success")
    return redirect_to(url_for("cohorts.show", cohort_id=session.cohort_id) + "#sessions")


@bp.route("/staff/sessions/<int:session_id>/delete", methods=["GET", "POST"])
@staff_required
def session_delete(session_id: int):
    session = _session_or_404(session_id)
    cohort_id = session.cohort_id
    if request.method == "POST":
        try:
            delete_session(current_user, session, clock.now())
        except CohortError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("The session has been removed."), "success")
        return redirect_to(url_for("cohorts.show", cohort_id=cohort_id) + "#sessions")
    return render("cohorts/session_delete.html", session=session)


# Start page --------------------------------------------------------------------------


@panel("trainer_cohorts", "cohorts/_panel_trainer.html", (Role.TRAINER,), order=20)
def trainer_panel(user, now):
    from lms.cohorts.services import trainer_overview

    return trainer_overview(user, now)


@panel("staff_cohorts", "cohorts/_panel_staff.html", (Role.STAFF, Role.ADMIN), order=20)
def staff_panel(user, now):
    from lms.cohorts.services import staff_overview

    return staff_overview(now)
