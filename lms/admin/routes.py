from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import clock
from lms.admin import bp
from lms.admin.forms import ROLE_LABELS, ConfirmForm, MunicipalityForm, OrganisationForm, RegionForm, UserForm
from lms.admin.services import save_user, user_list_query
from lms.auth.access import admin_required
from lms.auth.models import Role, User
from lms.auth.notices import send_invitation, send_two_factor_reset
from lms.auth.twofactor import reset as reset_two_factor
from lms.extensions import db
from lms.forms import NONE_CHOICE
from lms.htmx import redirect_to, render
from lms.regions.models import Municipality, Organisation, Region
from lms.regions.services import (
    all_regions,
    delete_municipality,
    delete_organisation,
    delete_region,
    fill_place_choices,
    municipalities_of,
    resolve_place,
    save_municipality,
    save_organisation,
    save_region,
)
from lms.web import perform


@bp.app_template_global()
def role_label(role) -> str:
    return str(ROLE_LABELS.get(role, role))


# Users ---------------------------------------------------------------------------------


@bp.get("/users")
@admin_required
def users():
    search = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    page = db.paginate(
        user_list_query(search, role), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
    return render("admin/users.html", "admin/_user_table.html", page=page, q=search, role=role, roles=list(Role))


def _user_form(user: User | None) -> UserForm:
    form = UserForm(obj=user if request.method == "GET" and user is not None else None)
    if request.method == "GET" and user is not None:
        form.roles.data = [r.value for r in user.roles]
        form.coordinator_regions.data = [r.id for r in user.coordinated_regions]
    fill_place_choices(form, region_id=form.region_id.data)
    form.region_id.choices[0] = NONE_CHOICE
    form.coordinator_regions.choices = [(r.id, r.name) for r in all_regions()]
    return form


def _save_user_from(form: UserForm, user: User | None):
    region, municipality, organisation = resolve_place(
        form.region_id.data, form.municipality_id.data, form.organisation_id.data
    )
    data = {
        "name": form.name.data,
        "email": form.email.data,
        "locale": form.locale.data,
        "region_id": region.id if region else None,
        "municipality_id": municipality.id if municipality else None,
        "organisation_id": organisation.id if organisation else None,
        "registration_number": form.registration_number.data or None,
        "is_active": form.is_active.data,
    }
    regions = [r for r in all_regions() if r.id in set(form.coordinator_regions.data or [])]
    return save_user(
        current_user,
        user,
        data=data,
        roles={Role(r) for r in form.roles.data or []},
        coordinator_regions=regions,
        password=form.password.data or None,
        now=clock.now(),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    form = _user_form(None)
    if request.method == "GET":
        form.roles.data = [Role.COACH.value]

    def create():
        user = _save_user_from(form, None)
        if not form.password.data:
            send_invitation(user, clock.now())
        return user

    outcome = perform(form, create)
    if outcome:
        flash(_("The account for %(name)s has been created.", name=outcome.result.name), "success")
        return redirect_to(url_for("admin.users"))
    return render("admin/user_form.html", form=form, user=None, status=outcome.status)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    if user.erased_at is not None:
        abort(404)
    form = _user_form(user)
    outcome = perform(form, lambda: _save_user_from(form, user))
    if outcome:
        flash(_("The changes to %(name)s have been saved.", name=user.name), "success")
        return redirect_to(url_for("admin.users"))
    return render("admin/user_form.html", form=form, user=user, status=outcome.status)


@bp.post("/users/<int:user_id>/two-factor/reset")
@admin_required
def user_two_factor_reset(user_id: int):
    """A lost phone: the account's second factor goes, and with it every session of the account."""
    user = db.get_or_404(User, user_id)
    if user.erased_at is not None:
        abort(404)

    def reset_and_tell():
        now = clock.now()
        reset_two_factor(current_user, user, now)
        send_two_factor_reset(user, now)

    if perform(ConfirmForm(), reset_and_tell):
        flash(_("The second login step of %(name)s has been reset; every session of the account has ended.",
                name=user.name), "success")
    return redirect_to(url_for("admin.user_edit", user_id=user.id))


# Regions, municipalities and organisations ---------------------------------------------


def _save_place(form, save, saved, back: str, template: str, context=dict, **values):
    """Validate ``form`` and ``save()`` the place; flash ``saved(place)`` and go ``back``, or show
    ``template`` again with ``context()`` and the refusal."""
    outcome = perform(form, save)
    if outcome:
        flash(saved(outcome.result), "success")
        return redirect_to(url_for(back))
    return render(template, form=form, status=outcome.status, **context(), **values)


@bp.route("/regions", methods=["GET", "POST"])
@admin_required
def regions():
    form = RegionForm()

    def page() -> dict:
        counts = dict(db.session.execute(
            sa.select(Municipality.region_id, sa.func.count()).group_by(Municipality.region_id)
        ).all())
        return {"regions": all_regions(), "counts": counts}

    return _save_place(form, lambda: save_region(current_user, None, name=form.name.data, now=clock.now()),
                       lambda region: _("Region %(name)s has been added.", name=region.name), "admin.regions",
                       "admin/regions.html", page)


@bp.route("/regions/<int:region_id>", methods=["GET", "POST"])
@admin_required
def region_edit(region_id: int):
    region = db.get_or_404(Region, region_id)
    form = RegionForm(obj=region if request.method == "GET" else None)
    return _save_place(form, lambda: save_region(current_user, region, name=form.name.data, now=clock.now()),
                       lambda _region: _("The region has been saved."), "admin.regions", "admin/place_form.html",
                       obj=region, kind="region")


def _confirm_delete(obj, kind: str, delete, back: str):
    form = ConfirmForm()
    name = obj.name
    outcome = perform(form, lambda: delete(current_user, obj, clock.now()))
    if outcome:
        flash(_("%(name)s has been deleted.", name=name), "success")
    if outcome or outcome.error is not None:
        return redirect_to(url_for(back))
    return render("admin/confirm_delete.html", form=form, obj=obj, kind=kind, back=back)


@bp.route("/regions/<int:region_id>/delete", methods=["GET", "POST"])
@admin_required
def region_delete(region_id: int):
    return _confirm_delete(db.get_or_404(Region, region_id), "region", delete_region, "admin.regions")


def _municipality_form(obj=None) -> MunicipalityForm:
    form = MunicipalityForm(obj=obj if request.method == "GET" else None)
    form.region_id.choices = [("", _("— choose a region —"))] + [(r.id, r.name) for r in all_regions()]
    return form


def _all(model, place) -> list:
    """Every row of ``model`` by name, with the place it lies in (``place``, a relationship)."""
    return db.session.execute(sa.select(model).options(sa.orm.joinedload(place)).order_by(model.name)).scalars().all()


def _all_municipalities() -> dict:
    return {"municipalities": _all(Municipality, Municipality.region)}


@bp.route("/municipalities", methods=["GET", "POST"])
@admin_required
def municipalities():
    form = _municipality_form()
    return _save_place(
        form,
        lambda: save_municipality(current_user, None, name=form.name.data,
                                  region=db.get_or_404(Region, form.region_id.data), now=clock.now()),
        lambda municipality: _("Municipality %(name)s has been added.", name=municipality.name),
        "admin.municipalities", "admin/municipalities.html", _all_municipalities,
    )


@bp.route("/municipalities/<int:municipality_id>", methods=["GET", "POST"])
@admin_required
def municipality_edit(municipality_id: int):
    municipality = db.get_or_404(Municipality, municipality_id)
    form = _municipality_form(municipality)
    return _save_place(
        form,
        lambda: save_municipality(current_user, municipality, name=form.name.data,
                                  region=db.get_or_404(Region, form.region_id.data), now=clock.now()),
        lambda _municipality: _("The municipality has been saved."), "admin.municipalities", "admin/place_form.html",
        obj=municipality, kind="municipality",
    )


@bp.route("/municipalities/<int:municipality_id>/delete", methods=["GET", "POST"])
@admin_required
def municipality_delete(municipality_id: int):
    return _confirm_delete(
        db.get_or_404(Municipality, municipality_id), "municipality", delete_municipality, "admin.municipalities"
    )


def _organisation_form(obj=None) -> OrganisationForm:
    form = OrganisationForm(obj=obj if request.method == "GET" else None)
    form.municipality_id.choices = [NONE_CHOICE] + [(m.id, m.name) for m in municipalities_of(None)]
    return form


def _all_organisations() -> dict:
    return {"organisations": _all(Organisation, Organisation.municipality)}


def _save_organisation(form, organisation: Organisation | None):
    municipality = resolve_place(None, form.municipality_id.data, None)[1]
    return save_organisation(current_user, organisation, name=form.name.data, municipality=municipality,
                             now=clock.now())


@bp.route("/organisations", methods=["GET", "POST"])
@admin_required
def organisations():
    form = _organisation_form()
    return _save_place(form, lambda: _save_organisation(form, None),
                       lambda organisation: _("Organisation %(name)s has been added.", name=organisation.name),
                       "admin.organisations", "admin/organisations.html", _all_organisations)


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@admin_required
def organisation_edit(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    form = _organisation_form(organisation)
    return _save_place(form, lambda: _save_organisation(form, organisation),
                       lambda _organisation: _("The organisation has been saved."), "admin.organisations",
                       "admin/place_form.html", obj=organisation, kind="organisation")


@bp.route("/organisations/<int:organisation_id>/delete", methods=["GET", "POST"])
@admin_required
def organisation_delete(organisation_id: int):
    return _confirm_delete(
        db.get_or_404(Organisation, organisation_id), "organisation", delete_organisation, "admin.organisations"
    )
