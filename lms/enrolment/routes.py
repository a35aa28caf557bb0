from __future__ import annotations

from flask import Response, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from lms import clock, ratelimit
from lms.auth.access import roles_required, staff_required
from lms.auth.models import Role, User
from lms.cohorts.models import Cohort
from lms.cohorts.queries import can_manage, load_cohort, trains
from lms.enrolment import bp
from lms.enrolment import cli as _cli  # noqa: F401 - registers `flask lms process-waitlists`
from lms.enrolment.forms import ActionForm, AddCoachForm, InterestForm, MoveForm, ReasonForm, VisitorInterestForm
from lms.enrolment.interest import (
    interest_counts,
    notify_visitors,
    register_interest,
    visitor_interest_counts,
    withdraw_interest,
)
from lms.enrolment.models import Enrolment, EnrolmentStatus, status_label
from lms.enrolment.queries import (
    can_cancel_self,
    cancellation_deadline,
    coach_enrolments,
    cohort_to_enrol,
    enrol_panel_context,
    move_targets,
    roster,
    roster_csv,
    search_coaches,
    waitlist_rank,
)
from lms.enrolment.services import (
    NeedsOverbooking,
    accept_offer,
    add_coach,
    approve,
    cancel_by_coach,
    cancel_by_staff,
    decline_offer,
    enrol,
    move,
    reject,
)
from lms.enrolment.visitor_interest import (
    CONFIRM_SALT,
    UNSUBSCRIBE_SALT,
    confirm_visitor_interest,
    confirmable,
    interest_for_token,
    is_signed,
    register_visitor_interest,
    unsubscribe_url,
    unsubscribe_visitor,
)
from lms.enrolment.waitlist import expire_offers
from lms.extensions import db
from lms.forms import parse_id
from lms.htmx import is_htmx, redirect_to, render
from lms.i18n import current_language
from lms.panels import panel
from lms.programmes.models import Programme
from lms.programmes.services import active_programmes
from lms.regions.models import Region
from lms.regions.services import all_regions
from lms.web import perform

bp.add_app_template_global(status_label, "enrolment_status_label")
bp.add_app_template_global(EnrolmentStatus, "enrolment_status_enum")


class SentTwice(Exception):
    """The same coach sent the enrolment form twice at once; the first one won."""


def _own_enrolment_or_404(enrolment_id: int) -> Enrolment:
    enrolment = db.session.get(Enrolment, enrolment_id)
    # Someone else's enrolment does not exist for this user.
    if enrolment is None or enrolment.user_id != current_user.id:
        abort(404)
    return enrolment


def _with_counters(response: Response, template: str, cohort: Cohort) -> Response:
    """An htmx answer also carries the cohort's seat counter shown elsewhere on the page (out of band)."""
    if is_htmx():
        response.set_data(response.get_data(as_text=True) + render_template(template, cohort=cohort, oob=True))
    return response


def _panel_response(cohort: Cohort, now, status: int = 200):
    db.session.expire_all()
    cohort = load_cohort(cohort.id)
    response = render("catalogue/cohort.html", "enrolment/_enrol_panel.html", status=status,
                      **enrol_panel_context(current_user, cohort, now))
    return _with_counters(response, "catalogue/_seats.html", cohort)


def _back_to_cohort(cohort_id: int):
    if request.form.get("next") == "start":
        return redirect_to(url_for("main.index"))
    return redirect_to(url_for("catalogue.cohort", cohort_id=cohort_id))


# Coach ---------------------------------------------------------------------------------


def _enrol_once(cohort: Cohort, now):
    try:
        return enrol(current_user, cohort, now)
    except IntegrityError as exc:
        raise SentTwice() from exc


@bp.post("/trainings/<int:cohort_id>/enrol")
@roles_required(Role.COACH)
def enrol_view(cohort_id: int):
    cohort = cohort_to_enrol(cohort_id) or abort(404)
    now = clock.now()
    outcome = perform(None, lambda: _enrol_once(cohort, now), expect=(SentTwice,))
    if isinstance(outcome.error, SentTwice):
        flash(_("You are already enrolled in this group."), "info")  # show where they stand
    elif outcome:
        enrolment = outcome.result.enrolment
        if enrolment.status == EnrolmentStatus.ENROLLED:
            flash(_("You are enrolled in %(title)s. A confirmation is on its way by email.", title=cohort.title),
                  "success")
        elif enrolment.status == EnrolmentStatus.PENDING:
            flash(_("Your enrolment has been received. Staff will confirm it; your seat is held until then."),
                  "success")
        else:
            flash(_("The group is full. You are on the waitlist, number %(rank)d in line.",
                    rank=waitlist_rank(enrolment) or 0), "info")
        for session in outcome.result.overlaps:
            flash(_("Note: %(title)s of %(cohort)s overlaps with a session of this group.",
                    title=session.title, cohort=session.cohort.title), "warning")
    if is_htmx():
        return _panel_response(cohort, now)
    return _back_to_cohort(cohort_id)


@bp.route("/enrolments/<int:enrolment_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(enrolment_id: int):
    enrolment = _own_enrolment_or_404(enrolment_id)
    now = clock.now()
    form = ActionForm()
    was_waitlisted = enrolment.status == EnrolmentStatus.WAITLISTED
    cohort_id = enrolment.cohort_id
    outcome = perform(form, lambda: cancel_by_coach(current_user, enrolment, now))
    if outcome:
        flash(_("You have left the waitlist.") if was_waitlisted else _("Your enrolment has been cancelled."),
              "success")
    if outcome or outcome.error is not None:
        return _back_to_cohort(cohort_id)
    return render("enrolment/cancel.html", form=form, enrolment=enrolment,
                  can_cancel=can_cancel_self(enrolment, now), deadline=cancellation_deadline(enrolment.cohort))


@bp.post("/enrolments/<int:enrolment_id>/accept")
@login_required
def accept(enrolment_id: int):
    enrolment = _own_enrolment_or_404(enrolment_id)
    cohort = enrolment.cohort
    now = clock.now()
    outcome = perform(None, lambda: accept_offer(current_user, enrolment, now))
    if outcome and outcome.result.is_pending:
        flash(_("You have accepted the seat. Your enrolment now awaits approval by staff; your seat is held "
                "until then."), "success")
    elif outcome:
        flash(_("You have accepted the seat. Welcome to the group!"), "success")
    else:
        expire_offers(now, cohort)  # refused because the offer ran out: it still passes on to the next in line
    return _back_to_cohort(cohort.id)


@bp.post("/enrolments/<int:enrolment_id>/decline")
@login_required
def decline(enrolment_id: int):
    enrolment = _own_enrolment_or_404(enrolment_id)
    cohort_id = enrolment.cohort_id
    if perform(None, lambda: decline_offer(current_user, enrolment, clock.now())):
        flash(_("You have declined the seat; it goes to the next person in line."), "success")
    return _back_to_cohort(cohort_id)


@bp.post("/interest")
@roles_required(Role.COACH)
def interest():
    form = InterestForm()
    programme_id = parse_id(form.programme_id.data)
    programme = db.session.get(Programme, programme_id) if programme_id else None
    if not form.validate_on_submit() or programme is None or programme.is_archived:
        abort(404)
    if request.form.get("withdraw"):
        withdraw_interest(current_user, programme)
        flash(_("You will no longer hear about new groups of %(title)s.", title=programme.title), "success")
    elif perform(None, lambda: register_interest(current_user, programme, clock.now())):
        flash(_("Noted. We will email you when a group of %(title)s opens in your region.", title=programme.title),
              "success")
    return redirect_to(url_for("catalogue.index"))


@panel("coach_enrolments", "enrolment/_panel_coach.html", (Role.COACH,), order=10)
def coach_panel(user, now):
    enrolments = coach_enrolments(user)
    ran_out = next((e for e in enrolments if e.is_offered and e.offer_expires_at <= now), None)
    if ran_out is not None:
        expire_offers(now, ran_out.cohort)
        enrolments = coach_enrolments(user, fresh=True)
    return {
        "enrolments": enrolments,
        "ranks": {e.id: waitlist_rank(e) for e in enrolments if e.is_waitlisted},
        "now": now,
    }


# Staff: the roster ----------------------------------------------------------------------


def _readable_cohort(cohort_id: int, load=load_cohort) -> Cohort:
    cohort = load(cohort_id) or abort(404)
    if not (can_manage(current_user, cohort) or trains(current_user, cohort.id)):
        abort(403)
    return cohort


def _cohort_row(cohort_id: int) -> Cohort | None:
    """The cohort alone: what the roster and its CSV read are its own columns (no sessions or trainers)."""
    return db.session.get(Cohort, cohort_id)


def roster_context(cohort: Cohort) -> dict:
    return {"cohort": cohort, "groups": roster(cohort), "can_manage": can_manage(current_user, cohort),
            "action_form": ActionForm()}


def _roster_response(cohort: Cohort, status: int = 200):
    db.session.expire_all()
    cohort = load_cohort(cohort.id)
    if is_htmx():
        response = render("enrolment/roster.html", "enrolment/_roster_section.html", status=status,
                          **roster_context(cohort))
        return _with_counters(response, "cohorts/_seats_stat.html", cohort)
    return redirect_to(_roster_url(cohort.id))


def _roster_url(cohort_id: int) -> str:
    return url_for("cohorts.show", cohort_id=cohort_id) + "#roster"


@bp.get("/staff/cohorts/<int:cohort_id>/roster")
@login_required
def roster_view(cohort_id: int):
    cohort = _readable_cohort(cohort_id, _cohort_row)
    expire_offers(clock.now(), cohort)
    return render("enrolment/roster.html", "enrolment/_roster_section.html", **roster_context(cohort))


@bp.get("/staff/cohorts/<int:cohort_id>/roster.csv")
@login_required
def roster_export(cohort_id: int):
    cohort = _readable_cohort(cohort_id, _cohort_row)
    filename = f"deelnemers-{cohort.id}.csv"
    return Response(roster_csv(cohort), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post("/staff/enrolments/<int:enrolment_id>/approve")
@staff_required
def approve_view(enrolment_id: int):
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    cohort = enrolment.cohort
    if perform(None, lambda: approve(current_user, enrolment, clock.now())):
        flash(_("The enrolment has been approved."), "success")
    return _roster_response(cohort)


def _reason_action(enrolment_id: int, action, template: str, success: str):
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    cohort_id = enrolment.cohort_id
    form = ReasonForm()
    outcome = perform(form, lambda: action(current_user, enrolment, form.reason.data, clock.now()))
    if outcome:
        flash(success, "success")
    if outcome or outcome.error is not None:
        return redirect_to(_roster_url(cohort_id))
    return render(template, form=form, enrolment=enrolment, status=outcome.status)


@bp.route("/staff/enrolments/<int:enrolment_id>/reject", methods=["GET", "POST"])
@staff_required
def reject_view(enrolment_id: int):
    return _reason_action(enrolment_id, reject, "enrolment/reject.html", _("The enrolment has been declined."))


@bp.route("/staff/enrolments/<int:enrolment_id>/remove", methods=["GET", "POST"])
@staff_required
def remove_view(enrolment_id: int):
    return _reason_action(enrolment_id, cancel_by_staff, "enrolment/remove.html",
                          _("The enrolment has been cancelled."))


@bp.route("/staff/enrolments/<int:enrolment_id>/move", methods=["GET", "POST"])
@staff_required
def move_view(enrolment_id: int):
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    source_id = enrolment.cohort_id
    form = MoveForm()
    targets = {c.id: c for c in move_targets(enrolment)}
    form.cohort_id.choices = [("", _("— choose a group —"))] + [
        (c.id, ngettext("%(title)s (%(region)s, %(num)d seat left)", "%(title)s (%(region)s, %(num)d seats left)",
                        c.seats_left, title=c.title, region=c.region.name))
        for c in targets.values()
    ]
    outcome = perform(form, lambda: move(current_user, enrolment, targets[form.cohort_id.data], clock.now(),
                                         overbook=form.overbook.data), expect=(NeedsOverbooking,))
    if outcome:
        target = targets[form.cohort_id.data]
        flash(_("%(name)s has been moved to %(title)s.", name=enrolment.user.name, title=target.title), "success")
        return redirect_to(_roster_url(source_id))
    needs_overbook = isinstance(outcome.error, NeedsOverbooking)
    if needs_overbook:
        form.overbook.errors = [_("That group is full. Confirm to place the coach beyond its capacity.")]
    return render("enrolment/move.html", form=form, enrolment=enrolment, needs_overbook=needs_overbook,
                  status=422 if needs_overbook else outcome.status)


@bp.get("/staff/cohorts/<int:cohort_id>/coach-search")
@staff_required
def coach_search(cohort_id: int):
    cohort = _readable_cohort(cohort_id)
    query = request.args.get("q", "")[:100]
    return render("enrolment/coach_search.html", "enrolment/_coach_results.html", cohort=cohort, q=query,
                  results=search_coaches(query, cohort), action_form=ActionForm())


@bp.post("/staff/cohorts/<int:cohort_id>/add")
@staff_required
def add_coach_view(cohort_id: int):
    cohort = _readable_cohort(cohort_id)
    form = AddCoachForm()
    user = db.session.get(User, form.user_id.data) if form.validate_on_submit() else None
    if user is None:
        flash(_("Choose a coach from the search results."), "error")
        return _roster_response(cohort, status=422 if is_htmx() else 200)
    outcome = perform(None, lambda: add_coach(current_user, cohort, user, clock.now(), overbook=form.overbook.data),
                      expect=(NeedsOverbooking,))
    if isinstance(outcome.error, NeedsOverbooking):
        return render("enrolment/overbook.html", "enrolment/_overbook.html", cohort=cohort, user=user,
                      form=AddCoachForm(formdata=None, user_id=user.id))
    if outcome:
        flash(_("%(name)s has been added to the group.", name=user.name), "success")
    return _roster_response(cohort)


@bp.get("/staff/interest")
@staff_required
def interest_overview():
    return render("enrolment/interest.html", rows=interest_counts(), visitor_rows=visitor_interest_counts())


# Visitors' interest (no account) ---------------------------------------------------------


def _visitor_form() -> VisitorInterestForm:
    form = VisitorInterestForm()
    form.region_id.choices = [("", _("Choose a region"))] + [(r.id, r.name) for r in all_regions()]
    form.programme_id.choices = [("", _("Any training"))] + [(p.id, p.title) for p in active_programmes()]
    if request.method == "GET":
        form.region_id.data = parse_id(request.args.get("region", ""))
    return form


@bp.route("/keep-informed", methods=["GET", "POST"])
def visitor_interest():
    """A visitor leaves an address to hear when a group opens in a region (double opt-in)."""
    form = _visitor_form()
    status = 200
    if form.validate_on_submit():
        region = db.session.get(Region, form.region_id.data)
        programme = db.session.get(Programme, form.programme_id.data) if form.programme_id.data else None
        email = form.email.data
        address = request.remote_addr or "unknown"
        # Both limits count every attempt; over either, nothing is sent, and the answer stays the same.
        allowed = (ratelimit.hit("INTEREST_LIMIT_ADDRESS", "interest-address", email)
                   and ratelimit.hit("INTEREST_LIMIT_CLIENT", "interest-client", address))
        if allowed and region is not None and (programme is None or not programme.is_archived):
            register_visitor_interest(email, region, programme, current_language(), clock.now())
        # The same answer whether or not the address is known, so it reveals nothing.
        flash(_("Thank you. We have sent an email to %(email)s: confirm your address with the link in it, "
                "then we let you know when a group opens. Nothing arrived? Check your spam folder.", email=email),
              "success")
        return redirect_to(url_for("enrolment.visitor_interest"))
    elif form.is_submitted():
        status = 422
    return render("enrolment/visitor_interest.html", form=form, status=status)


@bp.route("/keep-informed/confirm/<token>", methods=["GET", "POST"])
def visitor_confirm(token: str):
    """The link in the confirmation mail: a button, so a mail scanner fetching the link confirms nothing."""
    now = clock.now()
    interest = interest_for_token(token, CONFIRM_SALT)
    if interest is None or not confirmable(interest, now):
        return render("enrolment/visitor_link_invalid.html", status=404)
    form = ActionForm()
    done = interest.is_confirmed
    if form.validate_on_submit():
        confirm_visitor_interest(interest, now)
        notify_visitors(now, interest=interest)  # a group open already: they hear of it at once
        done = True
    return render("enrolment/visitor_confirm.html", form=form, interest=interest, done=done, token=token,
                  stop_url=unsubscribe_url(interest))


@bp.route("/keep-informed/stop/<token>", methods=["GET", "POST"])
def visitor_unsubscribe(token: str):
    """The link in every mail to a visitor: stop, without logging in."""
    interest = interest_for_token(token, UNSUBSCRIBE_SALT)
    if interest is None:
        if not is_signed(token, UNSUBSCRIBE_SALT):
            return render("enrolment/visitor_link_invalid.html", status=404)
        return render("enrolment/visitor_unsubscribe.html", form=ActionForm(), interest=None, done=True, token=token)
    form = ActionForm()
    done = False
    if form.validate_on_submit():
        unsubscribe_visitor(interest)
        interest, done = None, True
    return render("enrolment/visitor_unsubscribe.html", form=form, interest=interest, done=done, token=token)
