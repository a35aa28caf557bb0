"""Programmes: the course as designed, with its modules and session pattern."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.audit.labels import register as register_audit
from lms.audit.services import record, snapshot
from lms.domain import DomainError, gather, progress_changed
from lms.extensions import db
from lms.programmes.models import Module, Programme, SessionTemplate
from lms.regions.services import slugify

register_audit(
    actions={
        "programme.create": (_l("Programme created"),),
        "programme.update": (_l("Programme changed"),),
        "programme.archive": (_l("Programme archived"),),
        "programme.unarchive": (_l("Programme taken out of the archive"),),
        "module.create": (_l("Module added"),),
        "module.update": (_l("Module changed"),),
        "module.move": (_l("Module moved"),),
        "module.delete": (_l("Module deleted"),),
        "session_template.create": (_l("Planned session added"),),
        "session_template.update": (_l("Planned session changed"),),
        "session_template.delete": (_l("Planned session removed"),),
    },
    objects={"programme": _l("Programme"), "module": _l("Module"), "sessiontemplate": _l("Planned session")},
    fields={
        "day_offset": _l("Days after the start"),
        "start_time": _l("Start time"),
        "duration_minutes": _l("Duration (minutes)"),
        "accreditation_body": _l("Accreditation body"),
        "accreditation_course_id": _l("Accreditation ID"),
        "accreditation_points": _l("Accreditation points"),
        "validity_years": _l("Validity (years)"),
        "certificate_issuer": _l("Certificate issuer"),
        "cancellation_deadline_days": _l("Cancellation deadline (days)"),
        "requires_approval": _l("Requires approval"),
        "offer_hours": _l("Hours to accept an offer"),
        "contact_email": _l("Contact address"),
        "archived_at": _l("Archived on"),
        "summary": _l("Summary"),
        "kind": _l("Kind"),
        "net_hours": _l("Net hours"),
        "is_required": _l("Required"),
        "order": _l("Order"),
    },
)

PROGRAMME_FIELDS = [
    "title", "description", "net_hours", "accreditation_body", "accreditation_course_id",
    "accreditation_points", "validity_years", "certificate_issuer", "cancellation_deadline_days",
    "requires_approval", "offer_hours", "contact_email",
]
MODULE_FIELDS = ["title", "summary", "is_required"]
TEMPLATE_FIELDS = ["kind", "title", "day_offset", "start_time", "duration_minutes", "net_hours", "is_required"]


class ProgrammeError(DomainError):
    """A programme rule refused a change."""


def programme_list_query(include_archived: bool = False):
    stmt = sa.select(Programme).order_by(Programme.archived_at.is_not(None), Programme.title)
    if not include_archived:
        stmt = stmt.where(Programme.archived_at.is_(None))
    return stmt


def active_programmes() -> list[Programme]:
    return list(db.session.execute(programme_list_query()).scalars())


def _unique_slug(title: str, programme: Programme | None) -> str:
    base = slugify(title)
    slug, n = base, 2
    while True:
        clash = db.session.execute(sa.select(Programme.id).where(Programme.slug == slug)).scalar()
        if clash is None or (programme is not None and clash == programme.id):
            return slug
        slug, n = f"{base}-{n}", n + 1


def save_programme(actor, programme: Programme | None, data: dict, now: datetime) -> Programme:
    """Create a programme or change its settings."""
    before = snapshot(programme, PROGRAMME_FIELDS) if programme else None
    if programme is None:
        programme = Programme(created_at=now, slug=_unique_slug(data["title"], None))
        db.session.add(programme)
    for name in PROGRAMME_FIELDS:
        setattr(programme, name, data[name])
    programme.updated_at = now
    db.session.flush()
    record(actor, "programme.create" if before is None else "programme.update", programme, now=now,
           summary=programme.title, params={"name": programme.title},
           before=before, after=snapshot(programme, PROGRAMME_FIELDS))
    return programme


def set_archived(actor, programme: Programme, archived: bool, now: datetime) -> None:
    before = {"archived_at": programme.archived_at}
    programme.archived_at = now if archived else None
    record(actor, "programme.archive" if archived else "programme.unarchive", programme, now=now,
           summary=programme.title, params={"name": programme.title},
           before=before, after={"archived_at": programme.archived_at})


def _next_position(items) -> int:
    return max((item.position for item in items), default=0) + 1


def add_module(actor, programme: Programme, data: dict, now: datetime) -> Module:
    module = Module(position=_next_position(programme.modules), **{k: data[k] for k in MODULE_FIELDS})
    programme.modules.append(module)
    db.session.flush()
    record(actor, "module.create", module, now=now, summary=module.title, params={"name": module.title},
           after=snapshot(module, MODULE_FIELDS))
    return module


def update_module(actor, module: Module, data: dict, now: datetime) -> None:
    before = snapshot(module, MODULE_FIELDS)
    for name in MODULE_FIELDS:
        setattr(module, name, data[name])
    record(actor, "module.update", module, now=now, summary=module.title, params={"name": module.title}, before=before,
           after=snapshot(module, MODULE_FIELDS))
    if before["is_required"] != module.is_required:
        _rule_changed(module.programme_id, now, actor)


def _rule_changed(programme_id: int, now: datetime, actor) -> list:
    """The programme's completion rule changed: every coach's progress is weighed again."""
    return gather(progress_changed, None, programme_id=programme_id, now=now, actor=actor)


def move_module(actor, module: Module, direction: int, now: datetime) -> None:
    """Swap a module with its neighbour (direction -1 up, +1 down); positions are renumbered."""
    modules = list(module.programme.modules)
    order_before = [m.id for m in modules]
    index = modules.index(module)
    target = index + direction
    if 0 <= target < len(modules):
        modules[index], modules[target] = modules[target], modules[index]
    for position, item in enumerate(modules, start=1):
        item.position = position
    record(actor, "module.move", module, now=now, summary=module.title, params={"name": module.title},
           before={"order": order_before}, after={"order": [m.id for m in modules]})


def delete_module(actor, module: Module, now: datetime) -> None:
    programme = module.programme
    record(actor, "module.delete", module, now=now, summary=module.title, params={"name": module.title},
           before=snapshot(module, MODULE_FIELDS))
    programme.modules.remove(module)
    for position, item in enumerate(programme.modules, start=1):
        item.position = position
    _rule_changed(programme.id, now, actor)


def save_template(actor, programme: Programme, template: SessionTemplate | None, data: dict,
                  now: datetime) -> SessionTemplate:
    """Add a planned session to the pattern, or change one; existing cohorts keep their sessions."""
    before = snapshot(template, TEMPLATE_FIELDS) if template else None
    if template is None:
        template = SessionTemplate()
        programme.session_templates.append(template)
    for name in TEMPLATE_FIELDS:
        setattr(template, name, data[name])
    db.session.flush()
    record(actor, "session_template.create" if before is None else "session_template.update", template, now=now,
           summary=template.title, params={"name": template.title},
           before=before, after=snapshot(template, TEMPLATE_FIELDS))
    return template


def delete_template(actor, template: SessionTemplate, now: datetime) -> None:
    programme = template.programme
    if len(programme.session_templates) == 1:
        raise ProgrammeError(_("A programme needs at least one planned session."))
    record(actor, "session_template.delete", template, now=now, summary=template.title, params={"name": template.title},
           before=snapshot(template, TEMPLATE_FIELDS))
    programme.session_templates.remove(template)
