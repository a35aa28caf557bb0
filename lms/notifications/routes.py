"""The mail outbox for admins: what went out, what is waiting, what failed; resending."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import clock
from lms.auth.access import admin_required
from lms.auth.models import Role
from lms.extensions import db
from lms.htmx import is_htmx, redirect_to, render
from lms.notifications import bp
from lms.notifications import worker as _worker  # noqa: F401 - registers `flask lms send-mail`
from lms.notifications.forms import STATUS_LABELS, OutboxFilterForm, ResendForm
from lms.notifications.kinds import kind_label
from lms.notifications.models import MailStatus, OutboxMail
from lms.notifications.services import (
    can_resend,
    failed_count,
    known_kinds,
    outbox_query,
    resend,
    shows_body,
    status_counts,
)
from lms.panels import panel
from lms.urls import is_safe_next
from lms.web import perform

FAILED_PANEL_DAYS = timedelta(days=30)


def _row_context() -> dict:
    return {"kind_label": kind_label, "status_labels": STATUS_LABELS, "can_resend": can_resend,
            "resend_form": ResendForm()}


@bp.get("/admin/mail")
@admin_required
def outbox():
    form = OutboxFilterForm(request.args)
    form.kind.choices = [("", _("All kinds"))] + [(kind, kind_label(kind)) for kind in known_kinds()]
    form.validate()
    stmt = outbox_query(
        status=form.status.data if not form.status.errors else "",
        kind=form.kind.data if not form.kind.errors else "",
        search=form.q.data if not form.q.errors else "",
    )
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render("notifications/outbox.html", "notifications/_mail_table.html", form=form, page=page,
                  counts=status_counts(), failed=MailStatus.FAILED, **_row_context())


@bp.get("/admin/mail/<int:mail_id>")
@admin_required
def mail(mail_id: int):
    item = db.get_or_404(OutboxMail, mail_id)
    return render("notifications/mail.html", mail=item, shows_body=shows_body(item), **_row_context())


@bp.post("/admin/mail/<int:mail_id>/resend")
@admin_required
def resend_view(mail_id: int):
    item = db.get_or_404(OutboxMail, mail_id)
    form = ResendForm()
    outcome = perform(form, lambda: resend(current_user, item, clock.now()))
    if outcome:
        queued = outcome.result
        if queued.id == item.id:
            flash(_("The mail to %(recipient)s is back in the queue.", recipient=queued.recipient), "success")
        else:
            flash(_("A copy of the mail has been queued for %(recipient)s.", recipient=queued.recipient), "success")
    elif outcome.error is None:
        flash(_("The form has expired. Please send it again."), "error")
    if is_htmx():
        return render("notifications/mail.html", "notifications/_mail_row.html", mail=item, **_row_context())
    target = form.next.data
    return redirect_to(target if is_safe_next(target) else url_for("notifications.mail", mail_id=item.id))


# Start page --------------------------------------------------------------------------


@panel("mail_failed", "notifications/_panel_failed.html", (Role.ADMIN,), order=5)
def failed_panel(user, now):
    """Admins see the mails that failed for good in the last weeks (the mail page has them all)."""
    count = failed_count(since=now - FAILED_PANEL_DAYS)
    if not count:
        return None
    return {"count": count, "status": MailStatus.FAILED.value, "days": FAILED_PANEL_DAYS.days}
