from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import clock
from lms.auth.access import staff_required
from lms.extensions import db
from lms.htmx import is_htmx, redirect_to, render
from lms.programmes import bp
from lms.programmes.forms import KIND_LABELS, ArchiveForm, ModuleForm, ProgrammeForm, SessionTemplateForm
from lms.programmes.models import Module, Programme, SessionKind, SessionTemplate
from lms.programmes.services import (
    MODULE_FIELDS,
    PROGRAMME_FIELDS,
    TEMPLATE_FIELDS,
    add_module,
    delete_module,
    delete_template,
    move_module,
    programme_list_query,
    save_programme,
    save_template,
    set_archived,
    update_module,
)
from lms.web import perform


@bp.app_template_global()
def session_kind_label(kind) -> str:
    return str(KIND_LABELS.get(SessionKind(kind), kind))


bp.add_app_template_global(SessionKind, "session_kind_enum")  # session.kind == session_kind_enum.ONLINE


def _data(form, fields) -> dict:
    data = {name: getattr(form, name).data for name in fields}
    if "kind" in data:
        data["kind"] = SessionKind(data["kind"])
    for name in ("accreditation_body", "accreditation_course_id", "contact_email"):
        if name in data:
            data[name] = data[name] or None
    if "accreditation_points" in data and data["accreditation_points"] is None:
        data["accreditation_points"] = 0
    if "net_hours" in data and data["net_hours"] is None:
        data["net_hours"] = 0
    if "day_offset" in data and data["day_offset"] is None:
        data["day_offset"] = 0
    if "description" in data:
        data["description"] = data["description"] or ""
    if "summary" in data:
        data["summary"] = data["summary"] or ""
    return data


@bp.get("/")
@staff_required
def index():
    show_archived = request.args.get("archived") == "1"
    programmes = db.session.execute(programme_list_query(include_archived=show_archived)).scalars().all()
    return render("programmes/index.html", programmes=programmes, show_archived=show_archived)


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    form = ProgrammeForm()
    outcome = perform(form, lambda: save_programme(current_user, None, _data(form, PROGRAMME_FIELDS), clock.now()))
    if outcome:
        programme = outcome.result
        flash(_("Programme %(title)s has been created. Add its modules and session pattern.", title=programme.title),
              "success")
        return redirect_to(url_for("programmes.edit", programme_id=programme.id))
    return render("programmes/new.html", form=form, status=outcome.status)


def _edit_context(programme: Programme, **forms) -> dict:
    return {
        "programme": programme,
        "form": forms.get("form") or ProgrammeForm(obj=programme, formdata=None),
        "module_form": forms.get("module_form") or ModuleForm(prefix="module", formdata=None),
        "template_form": forms.get("template_form") or SessionTemplateForm(prefix="pattern", formdata=None),
        "archive_form": ArchiveForm(),
    }


@bp.route("/<int:programme_id>", methods=["GET", "POST"])
@staff_required
def edit(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    form = ProgrammeForm(obj=programme if request.method == "GET" else None)
    outcome = perform(form, lambda: save_programme(current_user, programme, _data(form, PROGRAMME_FIELDS), clock.now()))
    if outcome:
        flash(_("The programme settings have been saved."), "success")
        return redirect_to(url_for("programmes.edit", programme_id=programme.id))
    return render("programmes/edit.html", status=outcome.status, **_edit_context(programme, form=form))


@bp.post("/<int:programme_id>/archive")
@staff_required
def archive(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    archived = request.form.get("archived") == "1"
    if perform(ArchiveForm(), lambda: set_archived(current_user, programme, archived, clock.now())):
        flash(_("The programme has been archived: no new groups can be opened for it.") if archived
              else _("The programme is active again."), "success")
    return redirect_to(url_for("programmes.edit", programme_id=programme.id))


# Modules -----------------------------------------------------------------------------


def _modules_response(programme: Programme, module_form=None, status=200):
    db.session.expire(programme, ["modules"])
    return render("programmes/edit.html", "programmes/_modules.html", status=status,
                  **_edit_context(programme, module_form=module_form))


@bp.post("/<int:programme_id>/modules")
@staff_required
def module_add(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    form = ModuleForm(prefix="module")
    outcome = perform(form, lambda: add_module(current_user, programme, _data(form, MODULE_FIELDS), clock.now()))
    if not outcome:
        return _modules_response(programme, module_form=form, status=outcome.status)
    module = outcome.result
    flash(_("Module %(title)s has been added.", title=module.title), "success")
    if not is_htmx():
        return redirect_to(url_for("programmes.edit", programme_id=programme.id) + "#modules")
    return _modules_response(programme)


def _save_part(form, save, saved: str, programme_id: int, anchor: str, page: str, **context):
    """A module's or planned session's own page: save, then back to its place on the programme."""
    outcome = perform(form, save)
    if outcome:
        flash(saved, "success")
        return redirect_to(url_for("programmes.edit", programme_id=programme_id) + anchor)
    return render(page, form=form, status=outcome.status, **context)


@bp.route("/modules/<int:module_id>", methods=["GET", "POST"])
@staff_required
def module_edit(module_id: int):
    module = db.get_or_404(Module, module_id)
    form = ModuleForm(prefix="module", obj=module if request.method == "GET" else None)
    return _save_part(form, lambda: update_module(current_user, module, _data(form, MODULE_FIELDS), clock.now()),
                      _("The module has been saved."), module.programme_id, "#modules",
                      "programmes/module_form.html", module=module)


@bp.post("/modules/<int:module_id>/move")
@staff_required
def module_move(module_id: int):
    module = db.get_or_404(Module, module_id)
    programme = module.programme
    direction = -1 if request.form.get("direction") == "up" else 1
    perform(ArchiveForm(), lambda: move_module(current_user, module, direction, clock.now()))
    if not is_htmx():
        return redirect_to(url_for("programmes.edit", programme_id=programme.id) + "#modules")
    return _modules_response(programme)


@bp.route("/modules/<int:module_id>/delete", methods=["GET", "POST"])
@staff_required
def module_delete(module_id: int):
    module = db.get_or_404(Module, module_id)
    form = ArchiveForm()
    programme_id = module.programme_id
    if perform(form, lambda: delete_module(current_user, module, clock.now())):
        flash(_("The module has been deleted."), "success")
        return redirect_to(url_for("programmes.edit", programme_id=programme_id) + "#modules")
    return render("programmes/confirm_delete_module.html", form=form, module=module)


# Session pattern ---------------------------------------------------------------------


def _template_data(form) -> dict:
    return _data(form, TEMPLATE_FIELDS)


@bp.post("/<int:programme_id>/pattern")
@staff_required
def template_add(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    form = SessionTemplateForm(prefix="pattern")
    outcome = perform(form, lambda: save_template(current_user, programme, None, _template_data(form), clock.now()))
    if not outcome:
        return render("programmes/edit.html", "programmes/_pattern.html", status=outcome.status,
                      **_edit_context(programme, template_form=form))
    template = outcome.result
    flash(_("%(title)s has been added to the session pattern.", title=template.title), "success")
    if not is_htmx():
        return redirect_to(url_for("programmes.edit", programme_id=programme.id) + "#pattern")
    db.session.expire(programme, ["session_templates"])
    return render("programmes/edit.html", "programmes/_pattern.html", **_edit_context(programme))


@bp.route("/pattern/<int:template_id>", methods=["GET", "POST"])
@staff_required
def template_edit(template_id: int):
    template = db.get_or_404(SessionTemplate, template_id)
    form = SessionTemplateForm(prefix="pattern", obj=template if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = template.kind.value
    return _save_part(form, lambda: save_template(current_user, template.programme, template, _template_data(form),
                                                  clock.now()),
                      _("The planned session has been saved. Groups opened from now on use it."),
                      template.programme_id, "#pattern", "programmes/template_form.html", template=template)


@bp.post("/pattern/<int:template_id>/delete")
@staff_required
def template_delete(template_id: int):
    template = db.get_or_404(SessionTemplate, template_id)
    programme_id = template.programme_id
    if perform(ArchiveForm(), lambda: delete_template(current_user, template, clock.now())):
        flash(_("The planned session has been removed from the pattern."), "success")
    return redirect_to(url_for("programmes.edit", programme_id=programme_id) + "#pattern")
