"""Regions, municipalities and organisations: lookups and admin changes."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.audit.labels import register as register_audit
from lms.audit.services import record
from lms.auth.models import User
from lms.domain import DomainError
from lms.extensions import db
from lms.forms import NONE_CHOICE
from lms.regions.models import Municipality, Organisation, Region

register_audit(
    actions={
        "region.create": (_l("Region added"),),
        "region.update": (_l("Region changed"),),
        "region.delete": (_l("Region deleted"),),
        "municipality.create": (_l("Municipality added"),),
        "municipality.update": (_l("Municipality changed"),),
        "municipality.delete": (_l("Municipality deleted"),),
        "organisation.create": (_l("Organisation added"),),
        "organisation.update": (_l("Organisation changed"),),
        "organisation.delete": (_l("Organisation deleted"),),
    },
    objects={"region": _l("Region"), "municipality": _l("Municipality"), "organisation": _l("Organisation")},
    fields={
        "region_id": _l("Region"),
        "municipality_id": _l("Municipality"),
        "organisation_id": _l("Organisation"),
        "slug": _l("Web address"),
    },
)


class PlaceError(DomainError):
    """A rule about regions, municipalities or organisations refused a change."""


# Cohorts are a higher floor; whether a region has any is read from their table, not their model.
_cohort = sa.table("cohort", sa.column("region_id"))


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def all_regions() -> list[Region]:
    return list(db.session.execute(sa.select(Region).order_by(Region.name)).scalars())


_REGION_NAMES = sa.select(Region.id, Region.name).order_by(Region.name)


def region_names() -> list:
    """Every region's id and name, by name (rows, for the filters of lists)."""
    return db.session.execute(_REGION_NAMES).all()


def municipalities_of(region_id: int | None) -> list[Municipality]:
    stmt = sa.select(Municipality).order_by(Municipality.name)
    if region_id:
        stmt = stmt.where(Municipality.region_id == region_id)
    return list(db.session.execute(stmt).scalars())


def all_organisations() -> list[Organisation]:
    return list(db.session.execute(sa.select(Organisation).order_by(Organisation.name)).scalars())


def fill_place_choices(form, region_id: int | None = None, blank_region: bool = True) -> None:
    """Region, municipality (grouped by region) and organisation choices for a form."""
    regions = all_regions()
    form.region_id.choices = ([("", _("— choose a region —"))] if blank_region else []) + [
        (r.id, r.name) for r in regions
    ]
    municipalities = db.session.execute(
        sa.select(Municipality).order_by(Municipality.name)
    ).scalars()
    by_region: dict[int, list] = {}
    for m in municipalities:
        by_region.setdefault(m.region_id, []).append((m.id, m.name))
    if region_id and region_id in by_region:
        form.municipality_id.choices = [("", _("— choose a municipality —"))] + by_region[region_id]
    else:
        # Without a region chosen (or without JavaScript) every municipality, grouped by region.
        grouped = {None: [("", _("— choose a municipality —"))]}  # the blank choice outside the groups
        for r in regions:
            if r.id in by_region:
                grouped[r.name] = by_region[r.id]
        form.municipality_id.choices = grouped
    if hasattr(form, "organisation_id"):
        form.organisation_id.choices = [NONE_CHOICE] + [(o.id, o.name) for o in all_organisations()]


def resolve_place(region_id, municipality_id, organisation_id):
    region = db.session.get(Region, region_id) if region_id else None
    municipality = db.session.get(Municipality, municipality_id) if municipality_id else None
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if municipality is not None and region is None:
        region = municipality.region
    return region, municipality, organisation


def _same_name(column, name: str):
    """The same name, ignoring case: exact too, because SQLite's lower() folds ASCII only
    while Python's folds every script (so "ǅ" would otherwise slip past to the unique index)."""
    return sa.or_(column == name, sa.func.lower(column) == name.lower())


def _refuse_a_second(model, place, name: str, message: str, *also) -> None:
    """Refuse a name (or what ``also`` matches) that another place of this kind has."""
    clash = db.session.execute(
        sa.select(model.id).where(sa.or_(_same_name(model.name, name), *also))
    ).scalars().all()
    if any(place is None or other != place.id for other in clash):
        raise PlaceError(message, "name")


def save_region(actor, region: Region | None, *, name: str, now: datetime) -> Region:
    name = name.strip()
    slug = slugify(name)
    _refuse_a_second(Region, region, name, _("A region with this name already exists."), Region.slug == slug)
    before = {"name": region.name, "slug": region.slug} if region is not None else None
    if region is None:
        region = Region(name=name, slug=slug)
        db.session.add(region)
    else:
        region.name, region.slug = name, slug
    db.session.flush()
    record(actor, "region.create" if before is None else "region.update", region, now=now, summary=name,
           params={"name": name},
           before=before, after={"name": region.name, "slug": region.slug})
    return region


def save_municipality(actor, municipality: Municipality | None, *, name: str, region: Region,
                      now: datetime) -> Municipality:
    """Create or change a municipality; moving it moves its coaches' region along."""
    name = name.strip()
    _refuse_a_second(Municipality, municipality, name, _("A municipality with this name already exists."))
    if municipality is None:
        municipality = Municipality(name=name, region=region)
        db.session.add(municipality)
        db.session.flush()
        record(actor, "municipality.create", municipality, now=now, summary=name, params={"name": name},
               after={"name": name, "region_id": region.id})
        return municipality
    before = {"name": municipality.name, "region_id": municipality.region_id}
    if municipality.region_id != region.id:
        db.session.execute(
            sa.update(User).where(User.municipality_id == municipality.id).values(region_id=region.id)
        )
    municipality.name = name
    municipality.region = region
    record(actor, "municipality.update", municipality, now=now, summary=name, params={"name": name}, before=before,
           after={"name": name, "region_id": region.id})
    return municipality


def save_organisation(actor, organisation: Organisation | None, *, name: str, municipality: Municipality | None,
                      now: datetime) -> Organisation:
    name = name.strip()
    _refuse_a_second(Organisation, organisation, name, _("An organisation with this name already exists."))
    before = None
    if organisation is None:
        organisation = Organisation(name=name, municipality=municipality)
        db.session.add(organisation)
    else:
        before = {"name": organisation.name, "municipality_id": organisation.municipality_id}
        organisation.name, organisation.municipality = name, municipality
    db.session.flush()
    record(actor, "organisation.create" if before is None else "organisation.update", organisation, now=now,
           summary=name, params={"name": name},
           before=before, after={"name": name, "municipality_id": organisation.municipality_id})
    return organisation


def delete_region(actor, region: Region, now: datetime) -> None:
    in_use = db.session.execute(
        sa.select(sa.func.count()).select_from(Municipality).where(Municipality.region_id == region.id)
    ).scalar_one()
    if in_use:
        raise PlaceError(_("This region still has municipalities. Move or delete them first."))
    if db.session.execute(sa.select(sa.exists().where(_cohort.c.region_id == region.id))).scalar():
        raise PlaceError(_("This region has groups and cannot be deleted."))
    record(actor, "region.delete", region, now=now, summary=region.name, params={"name": region.name},
           before={"name": region.name, "slug": region.slug})
    _delete(region)


def delete_municipality(actor, municipality: Municipality, now: datetime) -> None:
    used = db.session.execute(
        sa.select(User.id).where(User.municipality_id == municipality.id).limit(1)
    ).first()
    if used:
        raise PlaceError(_("Users live in this municipality; move it to another region instead of deleting it."))
    record(actor, "municipality.delete", municipality, now=now, summary=municipality.name,
           params={"name": municipality.name},
           before={"name": municipality.name, "region_id": municipality.region_id})
    _delete(municipality)


def delete_organisation(actor, organisation: Organisation, now: datetime) -> None:
    record(actor, "organisation.delete", organisation, now=now, summary=organisation.name,
           params={"name": organisation.name},
           before={"name": organisation.name, "municipality_id": organisation.municipality_id})
    _delete(organisation)


def _delete(place) -> None:
    """Delete now, so that a row still pointing at the place refuses it here, as a message."""
    try:
        with db.session.begin_nested():
            db.session.delete(place)
    except sa.exc.IntegrityError:
        raise PlaceError(_("This item is still in use and cannot be deleted.")) from None
