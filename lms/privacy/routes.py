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
from lms.privacy import cli as _cli  # noqa: F401 - registers `flask lms apply-retention`
from lms.privacy.erasure import anonymise_impact, anonymise_problem, anonymise_user
from lms.privacy.export import export_data
from lms.privacy.forms import AnonymiseForm, ErasureRequestForm, ExportForm, RejectForm, WithdrawForm
from lms.privacy.models import ErasureRequest, ErasureStatus
from lms.privacy.services import (
    erasure_request_list_query,
    pending_count,
    pending_request_of,
    reject_request,
    request_erasure,
    withdraw_request,
)
from lms.urls import external_url
from lms.web import perform


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
    outcome = perform(form, lambda: request_erasure(current_user, form.reason.data, clock.now()))
    if outcome:
        flash(_("Your request has been received. An administrator will handle it; you will receive an email."),
              "success")
    if outcome or outcome.error is not None:
        return redirect_to(url_for("privacy.index"))
    return render("privacy/erasure.html", form=form, status=outcome.status)


@bp.post("/privacy/erasure/withdraw")
@login_required
def withdraw():
    form = WithdrawForm()
    outcome = perform(form, lambda: withdraw_request(current_user, clock.now()))
    if outcome:
        flash(_("Your request has been withdrawn. Your account stays as it is."), "success")
    elif outcome.error is None:
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
    item = db.get_or_404(ErasureRequest, request_id)
    form = RejectForm()
    if not item.is_pending:
        return render("privacy/reject.html", form=form, item=item, status=409 if form.is_submitted() else 200)
    outcome = perform(form, lambda: reject_request(current_user, item, form.note.data, clock.now()))
    if outcome:
        flash(_("The request has been declined; %(name)s receives the reason by mail.", name=item.user.name),
              "success")
        return redirect_to(url_for("privacy.requests"))
    return render("privacy/reject.html", form=form, item=item, status=outcome.status)


@bp.route("/admin/privacy/users/<int:user_id>/anonymise", methods=["GET", "POST"])
@admin_required
def anonymise(user_id: int):
    user = db.session.get(User, user_id)
    if user is None or user.erased_at is not None:
        abort(404)
    now = clock.now()
    problem = anonymise_problem(current_user, user)
    form = AnonymiseForm()
    if form.is_submitted() and problem:
        return _anonymise_page(form, user, problem, now, 403)
    outcome = perform(form, lambda: anonymise_user(current_user, user, now, note=form.note.data))
    if outcome:
        flash(_("The account has been removed. Its enrolments and attendance remain in the figures anonymously."),
              "success")
        return redirect_to(url_for("privacy.requests"))
    if outcome.error is not None:
        return redirect_to(url_for("privacy.anonymise", user_id=user_id))
    return _anonymise_page(form, user, problem, now, outcome.status)


def _anonymise_page(form, user: User, problem: str | None, now, status: int):
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
