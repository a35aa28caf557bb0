"""Content editing by staff: a module's lessons and quiz, in order."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import clock
from lms.admin.forms import ConfirmForm
from lms.auth.access import staff_required
from lms.completion.flashes import flash_changes
from lms.extensions import db
from lms.htmx import is_htmx, redirect_to, render
from lms.learning import bp
from lms.learning.forms import LessonForm, MoveForm, PreviewForm, QuestionForm, QuizSettingsForm
from lms.learning.models import Lesson, QuizQuestion
from lms.learning.routes.learner import module_or_404
from lms.learning.services import (
    delete_lesson,
    delete_question,
    move_lesson,
    move_question,
    save_lesson,
    save_question,
    update_quiz_settings,
)
from lms.programmes.models import Module
from lms.web import perform


def _content_url(module_id: int, anchor: str = "") -> str:
    return url_for("learning.module_content", module_id=module_id) + anchor


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
    return _content_page(module_or_404(module_id))


def _moved(module_id: int, move, fragment: str, anchor: str):
    """Move a lesson or question up or down; htmx gets its list back, others the page."""
    form = MoveForm()
    outcome = perform(form, lambda: move(form.direction.data))
    if is_htmx():
        return render("learning/manage_module.html", fragment, module=module_or_404(module_id),
                      move_form=MoveForm(), status=outcome.status)
    return redirect_to(_content_url(module_id, anchor))


def _confirm_delete(obj, title: str, module_id: int, delete, is_lesson: bool):
    form = ConfirmForm()
    back = _content_url(module_id)
    outcome = perform(form, lambda: delete(current_user, obj, clock.now()))
    if outcome:
        flash(_("%(title)s has been deleted.", title=title), "success")
        flash_changes(outcome.result, current_user)
        return redirect_to(back)
    return render("learning/confirm_delete.html", form=form, is_lesson=is_lesson, title=title, back=back)


# Lessons -----------------------------------------------------------------------------------


@bp.route("/manage/modules/<int:module_id>/lessons/new", methods=["GET", "POST"], endpoint="lesson_new")
@bp.route("/manage/lessons/<int:lesson_id>", methods=["GET", "POST"], endpoint="lesson_edit")
@staff_required
def lesson_form(module_id: int | None = None, lesson_id: int | None = None):
    """A new lesson for a module, or a lesson changed."""
    lesson = db.get_or_404(Lesson, lesson_id) if lesson_id is not None else None
    module = module_or_404(lesson.module_id if lesson else module_id)
    form = LessonForm(obj=lesson if request.method == "GET" else None)
    status = 200
    if request.method == "POST" and request.form.get("action") == "preview":
        pass  # the page below shows the preview of what was typed, nothing is saved
    else:
        outcome = perform(form, lambda: save_lesson(current_user, module, lesson, title=form.title.data,
                                                    body=form.body.data or "", now=clock.now()))
        if outcome:
            flash(_("Lesson %(title)s has been saved.", title=outcome.result.title), "success")
            return redirect_to(_content_url(module.id, "#lessons"))
        status = outcome.status
    return render("learning/lesson_form.html", form=form, module=module, lesson=lesson,
                  preview=form.body.data or "", status=status)


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
    lesson = db.get_or_404(Lesson, lesson_id)
    return _moved(lesson.module_id, lambda direction: move_lesson(current_user, lesson, direction, clock.now()),
                  "learning/_lesson_list.html", "#lessons")


@bp.route("/manage/lessons/<int:lesson_id>/delete", methods=["GET", "POST"])
@staff_required
def lesson_delete(lesson_id: int):
    lesson = db.get_or_404(Lesson, lesson_id)
    return _confirm_delete(lesson, lesson.title, lesson.module_id, delete_lesson, is_lesson=True)


# The quiz ------------------------------------------------------------------------------------


@bp.post("/manage/modules/<int:module_id>/quiz")
@staff_required
def quiz_settings(module_id: int):
    module = module_or_404(module_id)
    form = QuizSettingsForm()
    outcome = perform(form, lambda: update_quiz_settings(current_user, module, pass_mark=form.pass_mark.data,
                                                         max_attempts=form.max_attempts.data, now=clock.now()))
    if outcome:
        flash(_("The quiz settings have been saved."), "success")
        return redirect_to(_content_url(module.id, "#quiz"))
    return _content_page(module, settings=form, status=422)


@bp.route("/manage/modules/<int:module_id>/questions/new", methods=["GET", "POST"], endpoint="question_new")
@bp.route("/manage/questions/<int:question_id>", methods=["GET", "POST"], endpoint="question_edit")
@staff_required
def question_form(module_id: int | None = None, question_id: int | None = None):
    """A new quiz question for a module, or a question changed."""
    question = db.get_or_404(QuizQuestion, question_id) if question_id is not None else None
    module = module_or_404(question.module_id if question else module_id)
    form = QuestionForm(obj=question if request.method == "GET" else None)
    if request.method == "GET" and question is not None:
        form.fill_options(question.options)
    outcome = perform(form, lambda: save_question(current_user, module, question, text=form.text.data,
                                                  explanation=form.explanation.data or "", options=form.options(),
                                                  now=clock.now()))
    if outcome:
        flash(_("The question has been saved."), "success")
        return redirect_to(_content_url(module.id, "#quiz"))
    return render("learning/question_form.html", form=form, module=module, question=question, status=outcome.status)


@bp.post("/manage/questions/<int:question_id>/move")
@staff_required
def question_move(question_id: int):
    question = db.get_or_404(QuizQuestion, question_id)
    return _moved(question.module_id, lambda direction: move_question(current_user, question, direction, clock.now()),
                  "learning/_question_list.html", "#quiz")


@bp.route("/manage/questions/<int:question_id>/delete", methods=["GET", "POST"])
@staff_required
def question_delete(question_id: int):
    question = db.get_or_404(QuizQuestion, question_id)
    return _confirm_delete(question, question.text, question.module_id, delete_question, is_lesson=False)
