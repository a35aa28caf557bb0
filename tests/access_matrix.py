"""The inventory of every route, who may use it, and how to reach it with real objects.

``tests/test_access.py`` checks that this list covers the app's URL map exactly
(so a new route cannot be forgotten) and runs every entry against every role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

ROLES = ("anonymous", "coach", "trainer", "staff", "coordinator", "admin")
LOGGED_IN = frozenset(ROLES) - {"anonymous"}
EVERYONE = frozenset(ROLES)
STAFF = frozenset({"staff", "admin"})
ADMIN = frozenset({"admin"})


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    path: Callable[[dict], str]
    allowed: frozenset[str]
    # What a role outside ``allowed`` gets: 403, or 404 where existence itself is private.
    denied_status: int = 403
    data: Callable[[dict], dict] = field(default=lambda w: {})


def _p(template: str) -> Callable[[dict], str]:
    return lambda w: template.format(**w)


ROUTES: list[Route] = [
    # main
    Route("main.index", "GET", _p("/"), EVERYONE),
    Route("main.healthz", "GET", _p("/healthz"), EVERYONE),
    Route("main.set_language", "POST", _p("/language"), EVERYONE, data=lambda w: {"locale": "en"}),
    # auth
    Route("auth.login", "GET", _p("/login"), EVERYONE),
    Route("auth.logout", "POST", _p("/logout"), LOGGED_IN),
    Route("auth.register", "GET", _p("/register"), EVERYONE),
    Route("auth.forgot_password", "GET", _p("/password/forgot"), EVERYONE),
    Route("auth.reset_password", "GET", _p("/password/reset/{reset_token}"), EVERYONE),
    Route("auth.profile", "GET", _p("/profile"), LOGGED_IN),
    Route("auth.password", "GET", _p("/profile/password"), LOGGED_IN),
    # regions
    Route("regions.municipality_options", "GET", _p("/regions/municipality-options?region_id={region_id}"), EVERYONE),
    # admin
    Route("admin.users", "GET", _p("/admin/users"), ADMIN),
    Route("admin.user_new", "GET", _p("/admin/users/new"), ADMIN),
    Route("admin.user_new", "POST", _p("/admin/users/new"), ADMIN),
    Route("admin.user_edit", "GET", _p("/admin/users/{other_user_id}"), ADMIN),
    Route("admin.user_edit", "POST", _p("/admin/users/{other_user_id}"), ADMIN),
    Route("admin.regions", "GET", _p("/admin/regions"), ADMIN),
    Route("admin.regions", "POST", _p("/admin/regions"), ADMIN, data=lambda w: {"name": "Nieuwe regio"}),
    Route("admin.region_edit", "GET", _p("/admin/regions/{empty_region_id}"), ADMIN),
    Route("admin.region_edit", "POST", _p("/admin/regions/{empty_region_id}"), ADMIN, data=lambda w: {"name": "Andere naam"}),
    Route("admin.region_delete", "GET", _p("/admin/regions/{empty_region_id}/delete"), ADMIN),
    Route("admin.region_delete", "POST", _p("/admin/regions/{empty_region_id}/delete"), ADMIN),
    Route("admin.municipalities", "GET", _p("/admin/municipalities"), ADMIN),
    Route("admin.municipalities", "POST", _p("/admin/municipalities"), ADMIN),
    Route("admin.municipality_edit", "GET", _p("/admin/municipalities/{municipality_id}"), ADMIN),
    Route("admin.municipality_edit", "POST", _p("/admin/municipalities/{municipality_id}"), ADMIN),
    Route("admin.municipality_delete", "GET", _p("/admin/municipalities/{municipality_id}/delete"), ADMIN),
    Route("admin.municipality_delete", "POST", _p("/admin/municipalities/{municipality_id}/delete"), ADMIN),
    Route("admin.organisations", "GET", _p("/admin/organisations"), ADMIN),
    Route("admin.organisations", "POST", _p("/admin/organisations"), ADMIN),
    Route("admin.organisation_edit", "GET", _p("/admin/organisations/{organisation_id}"), ADMIN),
    Route("admin.organisation_edit", "POST", _p("/admin/organisations/{organisation_id}"), ADMIN),
    Route("admin.organisation_delete", "GET", _p("/admin/organisations/{organisation_id}/delete"), ADMIN),
    Route("admin.organisation_delete", "POST", _p("/admin/organisations/{organisation_id}/delete"), ADMIN),
]

# Routes whose GET form also accepts POST with the same rules; listed so the inventory is complete.
POST_ALSO = {
    "auth.login": EVERYONE,
    "auth.register": EVERYONE,
    "auth.forgot_password": EVERYONE,
    "auth.reset_password": EVERYONE,
    "auth.profile": LOGGED_IN,
    "auth.password": LOGGED_IN,
}
