from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from lms import clock
from lms.attendance import bp
from lms.attendance.forms import STATUS_LABELS, STATUS_STYLES, AllPresentForm, MakeUpForm, MarkForm
from lms.attendance.make_up import MIN_SEARCH, add_make_up, search_candidates
from lms.attendance.models import AttendanceStatus
from lms.attendance.services import (
    AttendanceError,
    can_register,
    can_view,
    is_open,
    mark_all_present,
    roster,
    session_with_cohort,
    sessions_to_register,
    set_attendance,
)
from lms.auth.models import Role, User
from lms.completion.flashes import flash_changes
from lms.extensions import db
from lms.forms import parse_id
from lms.htmx import is_htmx, redirect_to, render
from lms.i18n import LOCAL_TZ
from lms.panels import panel
from lms.programmes.models import SessionKind
from lms.web import Outcome, perform

PAGE = "attendance/session.html"
LIST = "attendance/_list.html"


def _session_or_404(session_id: int):
    session = session_with_cohort(session_id)
    if session is None:
        abort(404)
    return session


def _context(session, now: datetime, make_up_form: MakeUpForm | None = None, search: str = "") -> dict:
    may_register = can_register(current_user, session)
    editable = may_register and is_open(session, now)
    return {
        "session": session,
        "cohort": session.cohort,
        "roster": roster(session),
        "may_register": may_register,
        "editable": editable,
        "is_open": is_open(session, now),
        "mark_form": MarkForm(formdata=None),
        "all_form": AllPresentForm(formdata=None),
        "make_up_form": make_up_form or MakeUpForm(formdata=None),
        "make_up_q": search,
        "make_up_results": search_candidates(session, search) if editable else [],
        "min_search": MIN_SEARCH,
        "labels": STATUS_LABELS,
        "styles": STATUS_STYLES,
        "statuses": list(AttendanceStatus),
        "session_kinds": SessionKind,
        "now": now,
    }


@bp.get("/sessions/<int:session_id>/attendance")
@login_required
def session(session_id: int):
    """Attendance of one session: trainers of the cohort and staff register, coordinators read."""
    session = _session_or_404(session_id)
    if not can_view(current_user, session):
        abort(403)
    return render(PAGE, LIST, **_context(session, clock.now()))


def _registrar_or_403(session_id: int):
    session = _session_or_404(session_id)
    if not can_register(current_user, session):
        abort(403)
    return session


def _answer(session, outcome: Outcome, now: datetime, make_up_form: MakeUpForm | None = None, search: str = ""):
    """The list again (htmx) or the page; a refused change answers 422 where a form can show it."""
    if outcome:
        flash_changes(outcome.result, current_user)
        if is_htmx():
            return render(PAGE, LIST, **_context(session, now))
    elif is_htmx() or make_up_form is not None:
        return render(PAGE, LIST, status=422, **_context(session, now, make_up_form, search))
    return redirect_to(url_for("attendance.session", session_id=session.id))


@bp.post("/sessions/<int:session_id>/attendance/<int:user_id>")
@login_required
def mark(session_id: int, user_id: int):
    session = _registrar_or_403(session_id)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    now = clock.now()
    form = MarkForm()
    outcome = perform(form, lambda: set_attendance(current_user, session, user, AttendanceStatus(form.status.data), now))
    if not outcome and outcome.error is None:
        flash(_("Choose present, absent or excused."), "error")
    return _answer(session, outcome, now)


@bp.post("/sessions/<int:session_id>/attendance/all-present")
@login_required
def all_present(session_id: int):
    session = _registrar_or_403(session_id)
    now = clock.now()
    before = len(roster(session).unregistered)
    outcome = perform(None, lambda: mark_all_present(current_user, session, now))
    if outcome:
        flash(ngettext("%(num)d coach registered as present.", "%(num)d coaches registered as present.", before),
              "success")
    return _answer(session, outcome, now)


@bp.get("/sessions/<int:session_id>/attendance/make-up")
@login_required
def make_up_search(session_id: int):
    """Coaches of the programme who could make this session up, by name (the region's first)."""
    session = _registrar_or_403(session_id)
    search = request.args.get("q", "").strip()[:100]
    return render(PAGE, "attendance/_make_up_results.html", **_context(session, clock.now(), search=search))


@bp.post("/sessions/<int:session_id>/attendance/make-up")
@login_required
def make_up(session_id: int):
    session = _registrar_or_403(session_id)
    now = clock.now()
    form = MakeUpForm()
    visitor_id = parse_id(request.form.get("user_id"))  # read before the form is validated: bounded here
    visitor = db.session.get(User, visitor_id) if visitor_id else None
    outcome = perform(form, lambda: add_make_up(current_user, session, _known(visitor), now, form.reason.data or ""))
    if outcome:
        flash(_("%(name)s has been registered as present (make-up).", name=visitor.name), "success")
    elif outcome.error is None:
        flash(_("Choose a coach from the search results."), "error")
    return _answer(session, outcome, now, form, request.form.get("q", "").strip()[:100])


def _known(user: User | None) -> User:
    if user is None:
        raise AttendanceError(_("This coach cannot make up this session here."))
    return user


@panel("attendance_to_register", "attendance/_panel_sessions.html", (Role.TRAINER,), order=15)
def sessions_panel(user, now):
    """The trainer's sessions: the past fortnight's with registrations missing, today's, and the next fortnight's."""
    today = datetime.combine(now.astimezone(LOCAL_TZ).date(), time(0, 0), tzinfo=LOCAL_TZ)
    items = sessions_to_register(user, today - timedelta(days=14), today + timedelta(days=15))
    items = [i for i in items if i.session.starts_at > now or i.session.starts_at >= today or i.missing]
    if not items:
        return None
    items.sort(key=lambda i: i.session.starts_at)
    return {"items": items, "now": now}
