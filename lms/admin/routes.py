from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import clock
from lms.admin import bp
from lms.admin.forms import (
    ConfirmForm,
    MunicipalityForm,
    OrganisationForm,
    RegionForm,
    UserForm,
)
from lms.admin.services import save_user, user_list_query
from lms.auth.access import admin_required
from lms.auth.models import Role, User
from lms.auth.services import AccountError, make_reset_token
from lms.extensions import db
from lms.forms import NONE_CHOICE
from lms.htmx import redirect_to, render
from lms.notifications.services import queue_mail
from lms.regions.models import Municipality, Organisation, Region
from lms.regions.services import (
    PlaceError,
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
from lms.urls import external_url


def _get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


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
    status = 200
    if form.validate_on_submit():
        try:
            user = _save_user_from(form, None)
        except AccountError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(exc.message)
            status = 422
        else:
            if not form.password.data:
                queue_mail(
                    kind="invitation",
                    template="invitation",
                    recipient=user.email,
                    locale=user.locale,
                    user_id=user.id,
                    context={"user": user, "url": external_url("auth.reset_password",
                                                                token=make_reset_token(user, clock.now()))},
                    now=clock.now(),
                )
            db.session.commit()
            flash(_("The account for %(name)s has been created.", name=user.name), "success")
            return redirect_to(url_for("admin.users"))
    elif form.is_submitted():
        status = 422
    return render("admin/user_form.html", form=form, user=None, status=status)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int):
    user = _get_or_404(User, user_id)
    if user.erased_at is not None:
        abort(404)
    form = _user_form(user)
    status = 200
    if form.validate_on_submit():
        try:
            _save_user_from(form, user)
        except AccountError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(exc.message)
            status = 422
        else:
            db.session.commit()
            flash(_("The changes to %(name)s have been saved.", name=user.name), "success")
            return redirect_to(url_for("admin.users"))
    elif form.is_submitted():
        status = 422
    return render("admin/user_form.html", form=form, user=user, status=status)


# Regions, municipalities and organisations ---------------------------------------------


@bp.route("/regions", methods=["GET", "POST"])
@admin_required
def regions():
    form = RegionForm()
    status = 200
    if form.validate_on_submit():
        try:
            region = save_region(current_user, None, name=form.name.data, now=clock.now())
        except PlaceError as exc:
            form.name.errors.append(exc.message)
            status = 422
        else:
            db.session.commit()
            flash(_("Region %(name)s has been added.", name=region.name), "success")
            return redirect_to(url_for("admin.regions"))
    elif form.is_submitted():
        status = 422
    counts = dict(
        db.session.execute(
            sa.select(Municipality.region_id, sa.func.count()).group_by(Municipality.region_id)
        ).all()
    )
    return render("admin/regions.html", form=form, regions=all_regions(), counts=counts, status=status)


@bp.route("/regions/<int:region_id>", methods=["GET", "POST"])
@admin_required
def region_edit(region_id: int):
    region = _get_or_404(Region, region_id)
    form = RegionForm(obj=region if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        try:
            save_region(current_user, region, name=form.name.data, now=clock.now())
        except PlaceError as exc:
            db.session.rollback()
            form.name.errors.append(exc.message)
            status = 422
        else:
            db.session.commit()
            flash(_("The region has been saved."), "success")
            return redirect_to(url_for("admin.regions"))
    elif form.is_submitted():
        status = 422
    return render("admin/place_form.html", form=form, obj=region, kind="region", status=status)


def _confirm_delete(obj, kind: str, delete, back: str):
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            delete(current_user, obj, clock.now())
            db.session.flush()
        except PlaceError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect_to(url_for(back))
        except sa.exc.IntegrityError:
            db.session.rollback()
            flash(_("This item is still in use and cannot be deleted."), "error")
            return redirect_to(url_for(back))
        db.session.commit()
        flash(_("%(name)s has been deleted.", name=obj.name), "success")
        return redirect_to(url_for(back))
    return render("admin/confirm_delete.html", form=form, obj=obj, kind=kind, back=back)


@bp.route("/regions/<int:region_id>/delete", methods=["GET", "POST"])
@admin_required
def region_delete(region_id: int):
    return _confirm_delete(_get_or_404(Region, region_id), "region", delete_region, "admin.regions")


def _municipality_form(obj=None) -> MunicipalityForm:
    form = MunicipalityForm(obj=obj if request.method == "GET" else None)
    form.region_id.choices = [("", _("— choose a region —"))] + [(r.id, r.name) for r in all_regions()]
    return form


@bp.route("/municipalities", methods=["GET", "POST"])
@admin_required
def municipalities():
    form = _municipality_form()
    status = 200
    if form.validate_on_submit():
        try:
            municipality = save_municipality(
                current_user, None, name=form.name.data, region=_get_or_404(Region, form.region_id.data),
                now=clock.now(),
            )
        except PlaceError as exc:
            form.name.errors.append(exc.message)
            status = 422
        else:
            db.session.commit()
            flash(_("Municipality %(name)s has been added.", name=municipality.name), "success")
            return redirect_to(url_for("admin.municipalities"))
    elif form.is_submitted():
        status = 422
    items = db.session.execute(
        sa.select(Municipality).options(sa.orm.joinedload(Municipality.region)).order_by(Municipality.name)
    ).scalars().all()
    return render("admin/municipalities.html", form=form, municipalities=items, status=status)


@bp.route("/municipalities/<int:municipality_id>", methods=["GET", "POST"])
@admin_required
def municipality_edit(municipality_id: int):
    municipality = _get_or_404(Municipality, municipality_id)
    form = _municipality_form(municipality)
    status = 200
    if form.validate_on_submit():
        try:
            save_municipality(current_user, municipality, name=form.name.data,
                              region=_get_or_404(Region, form.region_id.data), now=clock.now())
        except PlaceError as exc:
            db.session.rollback()
            form.name.errors.append(exc.message)
            status = 422
        else:
            db.session.commit()
            flash(_("The municipality has been saved."), "success")
            return redirect_to(url_for("admin.municipalities"))
    elif form.is_submitted():
        status = 422
    return render("admin/place_form.html", form=form, obj=municipality, kind="municipality", status=status)


@bp.route("/municipalities/<int:municipality_id>/delete", methods=["GET", "POST"])
@admin_required
def municipality_delete(municipality_id: int):
    return _confirm_delete(
        _get_or_404(Municipality, municipality_id), "municipality", delete_municipality, "admin.municipalities"
    )


def _organisation_form(obj=None) -> OrganisationForm:
    form = OrganisationForm(obj=obj if request.method == "GET" else None)
    form.municipality_id.choices = [NONE_CHOICE] + [(m.id, m.name) for m in municipalities_of(None)]
    return form


@bp.route("/organisations", methods=["GET", "POST"])
@admin_required
def organisations():
    form = _organisation_form()
    status = 200
    if form.validate_on_submit():
        municipality = resolve_place(None, form.municipality_id.data, None)[1]
        try:
            organisation = save_organisation(current_user, None, name=form.name.data, municipality=municipality,
                                             now=clock.now())
        except PlaceError as exc:
            form.name.errors.append(exc.message)
            status = 422
        else:
            db.session.commit()
            flash(_("Organisation %(name)s has been added.", name=organisation.name), "success")
            return redirect_to(url_for("admin.organisations"))
    elif form.is_submitted():
        status = 422
    items = db.session.execute(
        sa.select(Organisation).options(sa.orm.joinedload(Organisation.municipality)).order_by(Organisation.name)
    ).scalars().all()
    return render("admin/organisations.html", form=form, organisations=items, status=status)


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@admin_required
def organisation_edit(organisation_id: int):
    organisation = _get_or_404(Organisation, organisation_id)
    form = _organisation_form(organisation)
    status = 200
    if form.validate_on_submit():
        municipality = resolve_place(None, form.municipality_id.data, None)[1]
        try:
            save_organisation(current_user, organisation, name=form.name.data, municipality=municipality, now=clock.now())
        except PlaceError as exc:
            db.session.rollback()
            form.name.errors.append(exc.message)
            status = 422
        else:
            db.session.commit()
            flash(_("The organisation has been saved."), "success")
            return redirect_to(url_for("admin.organisations"))
    elif form.is_submitted():
        status = 422
    return render("admin/place_form.html", form=form, obj=organisation, kind="organisation", status=status)


@bp.route("/organisations/<int:organisation_id>/delete", methods=["GET", "POST"])
@admin_required
def organisation_delete(organisation_id: int):
    return _confirm_delete(
        _get_or_404(Organisation, organisation_id), "organisation", delete_organisation, "admin.organisations"
    )
