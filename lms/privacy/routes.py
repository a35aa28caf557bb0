from __future__ import annotations

import json

from flask import abort, current_app, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms import clock
from lms.auth.access import admin_required
from lms.auth.models import Role, User
from lms.extensions import db
from lms.htmx import redirect_to, render
from lms.i18n import to_local
from lms.panels import panel
from lms.privacy import bp
from lms.privacy.forms import (
    AnonymiseForm,
    ErasureRequestForm,
    ExportForm,
    RejectForm,
    WithdrawForm,
)
from lms.privacy.models import ErasureRequest, ErasureStatus
from lms.privacy.services import (
    PrivacyError,
    anonymise_impact,
    anonymise_problem,
    anonymise_user,
    erasure_request_list_query,
    export_data,
    pending_count,
    pending_request_of,
    reject_request,
    request_erasure,
    withdraw_request,
)
from lms.urls import external_url


def _latest_request(user: User) -> ErasureRequest | None:
    return db.session.execute(
        db.select(ErasureRequest).where(ErasureRequest.user_id == user.id)
        .order_by(ErasureRequest.requested_at.desc(), ErasureRequest.id.desc()).limit(1)
    ).scalar_one_or_none()


# The user's own data ---------------------------------------------------------------------


@bp.get("/privacy")
@login_required
def index():
    return render("privacy/index.html", export_form=ExportForm(), withdraw_form=WithdrawForm(),
                  latest=_latest_request(current_user))


@bp.post("/privacy/export")
@login_required
def export():
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    now = clock.now()
    data = export_data(current_user, now, lambda c: external_url("certificates.verify", verification_id=c.verification_id))
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    response = make_response(body)
    response.mimetype = "application/json"
    filename = f"welzijnscoach-gegevens-{to_local(now).date().isoformat()}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/privacy/erasure", methods=["GET", "POST"])
@login_required
def erasure():
    if pending_request_of(current_user) is not None:
        flash(_("You have already asked for your account to be removed."), "info")
        return redirect_to(url_for("privacy.index"))
    form = ErasureRequestForm()
    status = 200
    if form.validate_on_submit():
        try:
            request_erasure(current_user, form.reason.data, clock.now())
        except PrivacyError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect_to(url_for("privacy.index"))
        db.session.commit()
        flash(_("Your request has been received. An administrator will handle it; you will receive an email."),
              "success")
        return redirect_to(url_for("privacy.index"))
    elif form.is_submitted():
        status = 422
    return render("privacy/erasure.html", form=form, status=status)


@bp.post("/privacy/erasure/withdraw")
@login_required
def withdraw():
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            withdraw_request(current_user, clock.now())
        except PrivacyError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Your request has been withdrawn. Your account stays as it is."), "success")
    else:
        flash(_("The form has expired. Please send it again."), "error")
    return redirect_to(url_for("privacy.index"))


# Administration --------------------------------------------------------------------------

@bp.get("/admin/privacy")
@admin_required
def requests():
    status = request.args.get("status", ErasureStatus.PENDING.value)
    if status not in {s.value for s in ErasureStatus} | {"all"}:
        status = ErasureStatus.PENDING.value
    page = db.paginate(erasure_request_list_query(status), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    return render("privacy/requests.html", "privacy/_request_table.html", page=page, current_status=status,
                  statuses=list(ErasureStatus))


@bp.route("/admin/privacy/<int:request_id>/reject", methods=["GET", "POST"])
@admin_required
def reject(request_id: int):
    item = db.session.get(ErasureRequest, request_id)
    if item is None:
        abort(404)
    form = RejectForm()
    status = 200
    if item.is_pending and form.validate_on_submit():
        try:
            reject_request(current_user, item, form.note.data, clock.now())
        except PrivacyError as exc:
            db.session.rollback()
            form.note.errors.append(exc.message)
            status = 422
        else:
            db.session.commit()
            flash(_("The request has been declined; %(name)s receives the reason by mail.", name=item.user.name),
                  "success")
            return redirect_to(url_for("privacy.requests"))
    elif form.is_submitted():
        status = 422 if item.is_pending else 409
    return render("privacy/reject.html", form=form, item=item, status=status)


@bp.route("/admin/privacy/users/<int:user_id>/anonymise", methods=["GET", "POST"])
@admin_required
def anonymise(user_id: int):
    user = db.session.get(User, user_id)
    if user is None or user.erased_at is not None:
        abort(404)
    now = clock.now()
    problem = anonymise_problem(current_user, user)
    form = AnonymiseForm()
    status = 200
    if form.is_submitted() and problem:
        status = 403
    elif form.validate_on_submit():
        try:
            anonymise_user(current_user, user, now, note=form.note.data)
        except PrivacyError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect_to(url_for("privacy.anonymise", user_id=user_id))
        db.session.commit()
        flash(_("The account has been removed. Its enrolments and attendance remain in the figures anonymously."),
              "success")
        return redirect_to(url_for("privacy.requests"))
    elif form.is_submitted():
        status = 422
    return render("privacy/anonymise.html", form=form, user=user, problem=problem,
                  impact=anonymise_impact(user, now), status=status)


# Start page ------------------------------------------------------------------------------


@panel("erasure_requests", "privacy/_panel_requests.html", (Role.ADMIN,), order=6)
def requests_panel(user, now):
    """Admins see how many erasure requests wait for a decision."""
    count = pending_count()
    if not count:
        return None
    return {"count": count}


@bp.context_processor
def _labels():
    return {"erasure_status_label": erasure_status_label}


def erasure_status_label(status) -> str:
    return {
        ErasureStatus.PENDING: _("Open"),
        ErasureStatus.DONE: _("Account removed"),
        ErasureStatus.REJECTED: _("Declined"),
        ErasureStatus.WITHDRAWN: _("Withdrawn"),
    }[ErasureStatus(status)]
