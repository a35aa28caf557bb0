"""The main navigation, by role (web layer: it knows every feature's start page)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.auth.models import Role
from lms.main import bp


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: tuple[Role, ...] = ()  # empty: everyone; otherwise any of these
    anonymous: bool = True  # shown to visitors who are not logged in
    prefix: str | tuple[str, ...] | None = None  # endpoints starting with this (or these) mark the item as current


ITEMS: tuple[NavItem, ...] = (
    NavItem("main.index", _l("Start")),
    NavItem("catalogue.index", _l("Trainings"), prefix="catalogue."),
    NavItem("learning.index", _l("My learning"), (Role.COACH,), anonymous=False, prefix="learning."),
    NavItem("certificates.mine", _l("My certificates"), (Role.COACH,), anonymous=False),
    NavItem("calendar.index", _l("Calendar"), anonymous=False, prefix="calendar."),
    NavItem("programmes.index", _l("Programmes"), (Role.STAFF, Role.ADMIN), anonymous=False, prefix="programmes."),
    NavItem("cohorts.index", _l("Groups"), (Role.STAFF, Role.ADMIN), anonymous=False, prefix="cohorts."),
    NavItem("reports.index", _l("Reports"), (Role.STAFF, Role.ADMIN, Role.COORDINATOR), anonymous=False, prefix="reports."),
    NavItem("certificates.index", _l("Certificates"), (Role.STAFF, Role.ADMIN), anonymous=False),
    NavItem("admin.users", _l("Administration"), (Role.ADMIN,), anonymous=False,
            prefix=("admin.", "audit.", "notifications.outbox", "notifications.mail", "notifications.resend_view",
                    "privacy.requests", "privacy.reject", "privacy.anonymise")),
)


def navigation() -> list[dict]:
    items = []
    user = current_user._get_current_object()  # one proxy lookup, not one per item
    endpoint = request.endpoint or ""
    for item in ITEMS:
        if user.is_authenticated:
            if item.roles and not user.has_role(*item.roles):
                continue
        elif not item.anonymous:
            continue
        current = endpoint == item.endpoint or bool(item.prefix and endpoint.startswith(item.prefix))
        items.append({"endpoint": item.endpoint, "label": item.label, "current": current})
    return items


@bp.app_context_processor
def _navigation() -> dict:
    return {"navigation": navigation}
