from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from lms import clock
from lms.admin.forms import ConfirmForm
from lms.auth.access import staff_required
from lms.auth.models import Role
from lms.cohorts.models import Cohort, Session
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.htmx import is_htmx, redirect_to, render
from lms.learning import bp
from lms.learning.completion import ModuleProgress, SessionState, progress_for
from lms.learning.flashes import flash_changes
from lms.learning.forms import (
    LessonForm,
    MoveForm,
    PreviewForm,
    QuestionForm,
    QuizSettingsForm,
    quiz_answers,
    quiz_form,
)
from lms.learning.markdown import render_markdown
from lms.learning.models import Lesson, QuizAttempt, QuizQuestion
from lms.learning.services import (
    LearningError,
    attempts_left,
    attempts_of,
    can_read_content,
    can_view_cohort,
    cohort_enrolments,
    delete_lesson,
    delete_question,
    done_lesson_ids,
    learner_enrolment,
    make_up_options,
    mark_lesson_done,
    module_for_learning,
    move_lesson,
    move_question,
    my_enrolments,
    pass_mark,
    result_of,
    save_lesson,
    save_question,
    submit_quiz,
    update_quiz_settings,
)
from lms.panels import panel
from lms.programmes.models import Module, Programme

NEEDS_MAKE_UP = (SessionState.ABSENT, SessionState.EXCUSED, SessionState.LATE)


@bp.app_template_filter("markdown")
def markdown_filter(text):
    return render_markdown(text)


def _get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def _module_or_404(module_id: int) -> Module:
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


def _learning_items(enrolments: list[Enrolment], now: datetime) -> list[dict]:
    progress = progress_for(enrolments, now)
    templates = {
        sp.session.template_id
        for p in progress.values()
        for sp in p.missing_sessions
        if sp.state in NEEDS_MAKE_UP and sp.session.template_id
    }
    options = make_up_options(enrolments, templates, now)
    items = []
    for enrolment in enrolments:
        p = progress[enrolment.id]
        make_up = {
            sp.session.id: [s for s in options.get(sp.session.template_id, []) if s.cohort_id != enrolment.cohort_id]
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
    enrolments = db.session.execute(my_enrolments(current_user)).unique().scalars().all()
    return render("learning/index.html", items=_learning_items(enrolments, now), now=now)


@panel("learning_progress", "learning/_panel_progress.html", (Role.COACH,), order=20)
def progress_panel(user, now):
    enrolments = db.session.execute(my_enrolments(user)).unique().scalars().all()
    if not enrolments:
        return None
    return {"items": _learning_items(enrolments, now)}


# Modules, lessons and quizzes (coach) -----------------------------------------------------


def _module_progress(module: Module) -> tuple[ModuleProgress, list[QuizAttempt], Enrolment | None]:
    enrolment = learner_enrolment(current_user, module.programme_id)
    attempts = attempts_of(current_user, module) if enrolment and module.questions else []
    done = done_lesson_ids(current_user, module.lessons) if enrolment else set()
    return ModuleProgress(module, done, any(a.is_passed for a in attempts)), attempts, enrolment


@bp.get("/modules/<int:module_id>")
@login_required
def module(module_id: int):
    module = _module_or_404(module_id)
    _require_reader(module.programme_id)
    progress, attempts, enrolment = _module_progress(module)
    return render("learning/module.html", module=module, progress=progress, attempts=attempts,
                  enrolment=enrolment, left=attempts_left(module, len(attempts)), pass_mark=pass_mark(module))


def _lesson_context(lesson: Lesson) -> dict:
    module = _module_or_404(lesson.module_id)
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
    lesson = _get_or_404(Lesson, lesson_id)
    _require_reader(lesson.module.programme_id)
    return render("learning/lesson.html", **_lesson_context(lesson))


@bp.post("/lessons/<int:lesson_id>/done")
@login_required
def lesson_done(lesson_id: int):
    lesson = _get_or_404(Lesson, lesson_id)
    if learner_enrolment(current_user, lesson.module.programme_id) is None:
        abort(403)
    changes = mark_lesson_done(current_user, lesson, clock.now())
    db.session.commit()
    flash_changes(changes, current_user)
    if is_htmx():
        return render("learning/lesson.html", "learning/_lesson_done.html", **_lesson_context(lesson))
    return redirect_to(url_for("learning.lesson", lesson_id=lesson.id))


@bp.route("/modules/<int:module_id>/quiz", methods=["GET", "POST"])
@login_required
def quiz(module_id: int):
    module = _module_or_404(module_id)
    _require_reader(module.programme_id)
    if not module.questions:
        abort(404)
    progress, attempts, enrolment = _module_progress(module)
    if request.method == "POST" and enrolment is None:
        abort(403)
    left = attempts_left(module, len(attempts))
    form = quiz_form(module)
    status = 200
    if form.validate_on_submit():
        try:
            attempt, _result, changes = submit_quiz(current_user, module, quiz_answers(form, module), clock.now())
        except LearningError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect_to(url_for("learning.quiz", module_id=module.id))
        db.session.commit()
        flash_changes(changes, current_user)
        return redirect_to(url_for("learning.quiz_result", attempt_id=attempt.id))
    elif form.is_submitted():
        status = 422
    return render("learning/quiz.html", module=module, form=form, progress=progress, attempts=attempts,
                  enrolment=enrolment, left=left, pass_mark=pass_mark(module), status=status)


@bp.get("/attempts/<int:attempt_id>")
@login_required
def quiz_result(attempt_id: int):
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)  # nobody learns whether another coach's attempt exists
    module = _module_or_404(attempt.module_id)
    if not module.questions:
        return redirect_to(url_for("learning.module", module_id=module.id))
    attempts = attempts_of(current_user, module)
    left = attempts_left(module, len(attempts))
    passed = any(a.is_passed for a in attempts)
    following = _next_module(module)
    return render("learning/quiz_result.html", module=module, attempt=attempt, result=result_of(attempt, module),
                  left=left, passed=passed, reveal=passed or left == 0, pass_mark=pass_mark(module),
                  following=following, enrolled=learner_enrolment(current_user, module.programme_id) is not None)


def _next_module(module: Module) -> Module | None:
    modules = module.programme.modules
    index = next(i for i, m in enumerate(modules) if m.id == module.id)
    return modules[index + 1] if index + 1 < len(modules) else None


# Content editing (staff) -----------------------------------------------------------------


def _content_page(module: Module, settings: QuizSettingsForm | None = None, status: int = 200):
    if settings is None:
        settings = QuizSettingsForm(obj=module)
        if module.pass_mark is None:
            settings.pass_mark.data = 70
    return render("learning/manage_module.html", module=module, settings=settings, move_form=MoveForm(),
                  status=status)


@bp.get("/manage/modules/<int:module_id>")
@staff_required
def module_content(module_id: int):
    """Staff: a module's lessons in order and its quiz."""
    return _content_page(_module_or_404(module_id))


def _lesson_form(module: Module, lesson: Lesson | None):
    form = LessonForm(obj=lesson if request.method == "GET" else None)
    status = 200
    if request.method == "POST" and request.form.get("action") == "preview":
        pass  # the page below shows the preview of what was typed, nothing is saved
    elif form.validate_on_submit():
        saved = save_lesson(current_user, module, lesson, title=form.title.data, body=form.body.data or "",
                            now=clock.now())
        db.session.commit()
        flash(_("Lesson %(title)s has been saved.", title=saved.title), "success")
        return redirect_to(url_for("learning.module_content", module_id=module.id) + "#lessons")
    elif form.is_submitted():
        status = 422
    return render("learning/lesson_form.html", form=form, module=module, lesson=lesson,
                  preview=form.body.data or "", status=status)


@bp.route("/manage/modules/<int:module_id>/lessons/new", methods=["GET", "POST"])
@staff_required
def lesson_new(module_id: int):
    return _lesson_form(_module_or_404(module_id), None)


@bp.route("/manage/lessons/<int:lesson_id>", methods=["GET", "POST"])
@staff_required
def lesson_edit(lesson_id: int):
    lesson = _get_or_404(Lesson, lesson_id)
    return _lesson_form(_module_or_404(lesson.module_id), lesson)


@bp.post("/manage/preview")
@staff_required
def preview():
    """The rendered Markdown while a lesson is being written (htmx)."""
    form = PreviewForm()
    if not form.validate():
        return render("learning/preview.html", "learning/_preview.html", preview="", too_long=True, status=422)
    return render("learning/preview.html", "learning/_preview.html", preview=form.body.data or "")


@bp.post("/manage/lessons/<int:lesson_id>/move")
@staff_required
def lesson_move(lesson_id: int):
    lesson = _get_or_404(Lesson, lesson_id)
    module_id = lesson.module_id
    form = MoveForm()
    status = 200
    if form.validate_on_submit():
        move_lesson(current_user, lesson, form.direction.data, clock.now())
        db.session.commit()
    else:
        status = 422
    if is_htmx():
        return render("learning/manage_module.html", "learning/_lesson_list.html",
                      module=_module_or_404(module_id), move_form=MoveForm(), status=status)
    return redirect_to(url_for("learning.module_content", module_id=module_id) + "#lessons")


def _confirm_delete(obj, kind: str, title: str, module_id: int, delete):
    form = ConfirmForm()
    back = url_for("learning.module_content", module_id=module_id)
    if form.validate_on_submit():
        changes = delete(current_user, obj, clock.now())
        db.session.commit()
        flash(_("%(title)s has been deleted.", title=title), "success")
        flash_changes(changes, current_user)
        return redirect_to(back)
    return render("learning/confirm_delete.html", form=form, kind=kind, title=title, back=back)


@bp.route("/manage/lessons/<int:lesson_id>/delete", methods=["GET", "POST"])
@staff_required
def lesson_delete(lesson_id: int):
    lesson = _get_or_404(Lesson, lesson_id)
    return _confirm_delete(lesson, "lesson", lesson.title, lesson.module_id, delete_lesson)


@bp.post("/manage/modules/<int:module_id>/quiz")
@staff_required
def quiz_settings(module_id: int):
    module = _module_or_404(module_id)
    form = QuizSettingsForm()
    if form.validate_on_submit():
        update_quiz_settings(current_user, module, pass_mark=form.pass_mark.data, max_attempts=form.max_attempts.data,
                             now=clock.now())
        db.session.commit()
        flash(_("The quiz settings have been saved."), "success")
        return redirect_to(url_for("learning.module_content", module_id=module.id) + "#quiz")
    return _content_page(module, settings=form, status=422)


def _question_form(module: Module, question: QuizQuestion | None):
    form = QuestionForm(obj=question if request.method == "GET" else None)
    if request.method == "GET" and question is not None:
        form.fill_options(question.options)
    form.option_errors = []
    status = 200
    if form.validate_on_submit():
        try:
            save_question(current_user, module, question, text=form.text.data,
                          explanation=form.explanation.data or "", options=form.options(), now=clock.now())
        except LearningError as exc:
            db.session.rollback()
            form.option_errors = [exc.message]
            status = 422
        else:
            db.session.commit()
            flash(_("The question has been saved."), "success")
            return redirect_to(url_for("learning.module_content", module_id=module.id) + "#quiz")
    elif form.is_submitted():
        status = 422
    return render("learning/question_form.html", form=form, module=module, question=question,
                  option_errors=form.option_errors, status=status)


@bp.route("/manage/modules/<int:module_id>/questions/new", methods=["GET", "POST"])
@staff_required
def question_new(module_id: int):
    return _question_form(_module_or_404(module_id), None)


@bp.route("/manage/questions/<int:question_id>", methods=["GET", "POST"])
@staff_required
def question_edit(question_id: int):
    question = _get_or_404(QuizQuestion, question_id)
    return _question_form(_module_or_404(question.module_id), question)


@bp.post("/manage/questions/<int:question_id>/move")
@staff_required
def question_move(question_id: int):
    question = _get_or_404(QuizQuestion, question_id)
    module_id = question.module_id
    form = MoveForm()
    status = 200
    if form.validate_on_submit():
        move_question(current_user, question, form.direction.data, clock.now())
        db.session.commit()
    else:
        status = 422
    if is_htmx():
        return render("learning/manage_module.html", "learning/_question_list.html",
                      module=_module_or_404(module_id), move_form=MoveForm(), status=status)
    return redirect_to(url_for("learning.module_content", module_id=module_id) + "#quiz")


@bp.route("/manage/questions/<int:question_id>/delete", methods=["GET", "POST"])
@staff_required
def question_delete(question_id: int):
    question = _get_or_404(QuizQuestion, question_id)
    return _confirm_delete(question, "question", question.text, question.module_id, delete_question)


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
    return render("learning/cohort_progress.html", cohort=cohort, rows=rows, modules=cohort.programme.modules,
                  sessions=cohort.sessions, completed=completed, now=now)
