"""The coach's learning: progress, modules, lessons and quizzes; and the cohort progress grid."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from lms import clock
from lms.auth.access import staff_required
from lms.auth.models import Role
from lms.cohorts.models import Cohort, Session
from lms.completion.flashes import flash_changes
from lms.completion.progress import ModuleProgress, SessionState, progress_for
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.htmx import is_htmx, redirect_to, render
from lms.learning import bp
from lms.learning.forms import quiz_answers, quiz_form
from lms.learning.markdown import render_markdown
from lms.learning.models import Lesson, QuizAttempt
from lms.learning.quiz import attempt_counts, attempts_left_for, attempts_of, pass_mark, result_of, submit_quiz
from lms.learning.quiz import grant_attempt as grant_quiz_attempt
from lms.learning.services import (
    MAKE_UP_SHOWN,
    can_read_content,
    can_view_cohort,
    cohort_enrolments,
    done_lesson_ids,
    learner_enrolment,
    make_up_options,
    mark_lesson_done,
    module_for_learning,
    my_enrolments,
)
from lms.panels import panel
from lms.programmes.models import Module, Programme, SessionKind
from lms.web import perform

NEEDS_MAKE_UP = (SessionState.ABSENT, SessionState.EXCUSED, SessionState.LATE)


@bp.app_template_filter("markdown")
def markdown_filter(text):
    return render_markdown(text)


# The states of a coach's session progress, for templates to compare with.
bp.add_app_template_global(SessionState, "session_state_enum")


def module_or_404(module_id: int) -> Module:
    """The module with its lessons and questions loaded, or 404."""
    module = module_for_learning(module_id)
    if module is None:
        abort(404)
    return module


def _require_reader(programme_id: int) -> None:
    if not can_read_content(current_user, programme_id):
        abort(403)


def next_session(enrolment: Enrolment, now: datetime) -> Session | None:
    return next((s for s in enrolment.cohort.sessions if not s.is_cancelled and s.ends_at > now), None)


# The coach's learning page -----------------------------------------------------------------


def _learning_items(enrolments: list[Enrolment], now: datetime, *, make_up: bool = True) -> list[dict]:
    progress = progress_for(enrolments, now)
    templates = {
        sp.session.template_id
        for p in progress.values()
        for sp in p.missing_sessions
        if sp.state in NEEDS_MAKE_UP and sp.session.template_id
    }
    options = make_up_options(enrolments, templates, now) if make_up else {}
    items = []
    for enrolment in enrolments:
        p = progress[enrolment.id]
        make_up = {
            sp.session.id: [s for s in options.get(sp.session.template_id, [])
                            if s.cohort_id != enrolment.cohort_id][:MAKE_UP_SHOWN]
            for sp in p.missing_sessions
            if sp.state in NEEDS_MAKE_UP
        }
        items.append({"enrolment": enrolment, "progress": p, "next": next_session(enrolment, now), "make_up": make_up})
    return items


@bp.get("")
@login_required
def index():
    """Per enrolment: next session, module progress, attendance and what is still needed."""
    now = clock.now()
    enrolments = my_enrolments(current_user)
    return render("learning/index.html", items=_learning_items(enrolments, now), now=now, session_kinds=SessionKind)


@panel("learning_progress", "learning/_panel_progress.html", (Role.COACH,), order=20)
def progress_panel(user, now):
    enrolments = my_enrolments(user)
    if not enrolments:
        return None
    return {"items": _learning_items(enrolments, now, make_up=False)}  # the panel shows no make-up options


# Modules, lessons and quizzes (coach) -----------------------------------------------------


def _module_progress(module: Module) -> tuple[ModuleProgress, list[QuizAttempt], Enrolment | None]:
    enrolment = learner_enrolment(current_user, module.programme_id)
    attempts = attempts_of(current_user, module) if enrolment and module.questions else []
    done = done_lesson_ids(current_user, module.lessons) if enrolment else set()
    return ModuleProgress(module, done, any(a.is_passed for a in attempts)), attempts, enrolment


@bp.get("/modules/<int:module_id>")
@login_required
def module(module_id: int):
    module = module_or_404(module_id)
    _require_reader(module.programme_id)
    progress, attempts, enrolment = _module_progress(module)
    return render("learning/module.html", module=module, progress=progress, attempts=attempts,
                  enrolment=enrolment, left=attempts_left_for(current_user, module, len(attempts)), pass_mark=pass_mark(module))


def _lesson_context(lesson: Lesson) -> dict:
    module = module_or_404(lesson.module_id)
    progress, _attempts, enrolment = _module_progress(module)
    lessons = module.lessons
    index = next(i for i, item in enumerate(lessons) if item.id == lesson.id)
    previous = lessons[index - 1] if index > 0 else None
    following = lessons[index + 1] if index + 1 < len(lessons) else None
    return {
        "lesson": lesson,
        "module": module,
        "progress": progress,
        "enrolment": enrolment,
        "number": index + 1,
        "previous": previous,
        "following": following,
        "done": lesson.id in progress.done_lesson_ids,
        "can_mark": enrolment is not None,
    }


@bp.get("/lessons/<int:lesson_id>")
@login_required
def lesson(lesson_id: int):
    lesson = db.get_or_404(Lesson, lesson_id)
    _require_reader(lesson.module.programme_id)
    return render("learning/lesson.html", **_lesson_context(lesson))


@bp.post("/lessons/<int:lesson_id>/done")
@login_required
def lesson_done(lesson_id: int):
    lesson = db.get_or_404(Lesson, lesson_id)
    if learner_enrolment(current_user, lesson.module.programme_id) is None:
        abort(403)
    outcome = perform(None, lambda: mark_lesson_done(current_user, lesson, clock.now()))
    if outcome:
        flash_changes(outcome.result, current_user)
    if is_htmx():
        return render("learning/lesson.html", "learning/_lesson_done.html", status=outcome.status,
                      **_lesson_context(lesson))
    return redirect_to(url_for("learning.lesson", lesson_id=lesson.id))


@bp.route("/modules/<int:module_id>/quiz", methods=["GET", "POST"])
@login_required
def quiz(module_id: int):
    module = module_or_404(module_id)
    _require_reader(module.programme_id)
    if not module.questions:
        abort(404)
    progress, attempts, enrolment = _module_progress(module)
    if request.method == "POST" and enrolment is None:
        abort(403)
    form = quiz_form(module)
    outcome = perform(form, lambda: submit_quiz(current_user, module, quiz_answers(form, module), clock.now()))
    if outcome:
        attempt, _result, changes = outcome.result
        flash_changes(changes, current_user)
        return redirect_to(url_for("learning.quiz_result", attempt_id=attempt.id))
    if outcome.error is not None:  # refused (no attempts left): the page says why
        return redirect_to(url_for("learning.quiz", module_id=module.id))
    return render("learning/quiz.html", module=module, form=form, progress=progress, attempts=attempts,
                  enrolment=enrolment, left=attempts_left_for(current_user, module, len(attempts)), pass_mark=pass_mark(module),
                  status=outcome.status)


@bp.get("/attempts/<int:attempt_id>")
@login_required
def quiz_result(attempt_id: int):
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)  # nobody learns whether another coach's attempt exists
    module = module_or_404(attempt.module_id)
    if not module.questions:
        return redirect_to(url_for("learning.module", module_id=module.id))
    attempts = attempts_of(current_user, module)
    left = attempts_left_for(current_user, module, len(attempts))
    passed = any(a.is_passed for a in attempts)
    following = _next_module(module)
    return render("learning/quiz_result.html", module=module, attempt=attempt, result=result_of(attempt, module),
                  left=left, passed=passed, reveal=passed or left == 0, pass_mark=pass_mark(module),
                  following=following, enrolled=learner_enrolment(current_user, module.programme_id) is not None)


def _next_module(module: Module) -> Module | None:
    modules = module.programme.modules
    index = next(i for i, m in enumerate(modules) if m.id == module.id)
    return modules[index + 1] if index + 1 < len(modules) else None


# The cohort's progress grid (staff, trainers, coordinators) ------------------------------


@bp.get("/manage/cohorts/<int:cohort_id>/progress")
@login_required
def cohort_progress(cohort_id: int):
    """Coaches x (modules, sessions), in a constant number of queries."""
    cohort = db.session.execute(
        sa.select(Cohort)
        .options(
            joinedload(Cohort.region),
            selectinload(Cohort.trainers),
            selectinload(Cohort.sessions),
            joinedload(Cohort.programme).selectinload(Programme.modules).selectinload(Module.lessons),
            joinedload(Cohort.programme).selectinload(Programme.modules).selectinload(Module.questions),
        )
        .where(Cohort.id == cohort_id)
    ).unique().scalar_one_or_none()
    if cohort is None:
        abort(404)
    if not can_view_cohort(current_user, cohort):
        abort(403)
    now = clock.now()
    enrolments = db.session.execute(cohort_enrolments(cohort)).unique().scalars().all()
    progress = progress_for(enrolments, now)
    rows = [(e, progress[e.id]) for e in enrolments]
    completed = sum(1 for e in enrolments if e.status == EnrolmentStatus.COMPLETED)
    attempts = attempt_counts({e.user_id for e in enrolments}, cohort.programme.modules)
    return render("learning/cohort_progress.html", cohort=cohort, rows=rows, modules=cohort.programme.modules,
                  sessions=cohort.sessions, completed=completed, now=now, attempts=attempts)


@bp.post("/manage/cohorts/<int:cohort_id>/progress/<int:user_id>/modules/<int:module_id>/attempt")
@staff_required
def grant_attempt(cohort_id: int, user_id: int, module_id: int):
    """Staff give one coach of the cohort one more attempt at a quiz they have used up."""
    cohort = db.get_or_404(Cohort, cohort_id)
    module = module_or_404(module_id)
    enrolment = db.session.execute(
        sa.select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == user_id)
    ).scalars().first()
    if enrolment is None or module.programme_id != cohort.programme_id:
        abort(404)
    coach = enrolment.user
    outcome = perform(None, lambda: grant_quiz_attempt(current_user, coach, module, clock.now()))
    if outcome:
        flash(_("%(name)s can take the quiz of %(module)s once more.", name=coach.name, module=module.title), "success")
    return redirect_to(url_for("learning.cohort_progress", cohort_id=cohort.id) + f"#progress-{enrolment.id}")
