"""Routes of the foundation: start page, accounts, places and administration."""

from __future__ import annotations

from tests.access import ADMIN, EVERYONE, LOGGED_IN, Route, p

ROUTES: list[Route] = [
    # main
    Route("main.index", "GET", p("/"), EVERYONE),
    Route("main.healthz", "GET", p("/healthz"), EVERYONE),
    Route("main.set_language", "POST", p("/language"), EVERYONE, data=lambda w: {"locale": "en"}),
    # auth
    Route("auth.login", "GET", p("/login"), EVERYONE),
    Route("auth.logout", "POST", p("/logout"), LOGGED_IN),
    Route("auth.register", "GET", p("/register"), EVERYONE),
    Route("auth.forgot_password", "GET", p("/password/forgot"), EVERYONE),
    Route("auth.reset_password", "GET", p("/password/reset/{reset_token}"), EVERYONE),
    Route("auth.profile", "GET", p("/profile"), LOGGED_IN),
    Route("auth.password", "GET", p("/profile/password"), LOGGED_IN),
    # regions
    Route("regions.municipality_options", "GET", p("/regions/municipality-options?region_id={region_id}"), EVERYONE),
    # admin
    Route("admin.users", "GET", p("/admin/users"), ADMIN),
    Route("admin.user_new", "GET", p("/admin/users/new"), ADMIN),
    Route("admin.user_new", "POST", p("/admin/users/new"), ADMIN),
    Route("admin.user_edit", "GET", p("/admin/users/{other_user_id}"), ADMIN),
    Route("admin.user_edit", "POST", p("/admin/users/{other_user_id}"), ADMIN),
    Route("admin.regions", "GET", p("/admin/regions"), ADMIN),
    Route("admin.regions", "POST", p("/admin/regions"), ADMIN, data=lambda w: {"name": "Nieuwe regio"}),
    Route("admin.region_edit", "GET", p("/admin/regions/{empty_region_id}"), ADMIN),
    Route("admin.region_edit", "POST", p("/admin/regions/{empty_region_id}"), ADMIN, data=lambda w: {"name": "Andere naam"}),
    Route("admin.region_delete", "GET", p("/admin/regions/{empty_region_id}/delete"), ADMIN),
    Route("admin.region_delete", "POST", p("/admin/regions/{empty_region_id}/delete"), ADMIN),
    Route("admin.municipalities", "GET", p("/admin/municipalities"), ADMIN),
    Route("admin.municipalities", "POST", p("/admin/municipalities"), ADMIN),
    Route("admin.municipality_edit", "GET", p("/admin/municipalities/{municipality_id}"), ADMIN),
    Route("admin.municipality_edit", "POST", p("/admin/municipalities/{municipality_id}"), ADMIN),
    Route("admin.municipality_delete", "GET", p("/admin/municipalities/{municipality_id}/delete"), ADMIN),
    Route("admin.municipality_delete", "POST", p("/admin/municipalities/{municipality_id}/delete"), ADMIN),
    Route("admin.organisations", "GET", p("/admin/organisations"), ADMIN),
    Route("admin.organisations", "POST", p("/admin/organisations"), ADMIN),
    Route("admin.organisation_edit", "GET", p("/admin/organisations/{organisation_id}"), ADMIN),
    Route("admin.organisation_edit", "POST", p("/admin/organisations/{organisation_id}"), ADMIN),
    Route("admin.organisation_delete", "GET", p("/admin/organisations/{organisation_id}/delete"), ADMIN),
    Route("admin.organisation_delete", "POST", p("/admin/organisations/{organisation_id}/delete"), ADMIN),
]

ROUTES += [
    Route("auth.login", "POST", p("/login"), EVERYONE),
    Route("auth.register", "POST", p("/register"), EVERYONE),
    Route("auth.forgot_password", "POST", p("/password/forgot"), EVERYONE),
    Route("auth.reset_password", "POST", p("/password/reset/{reset_token}"), EVERYONE),
    Route("auth.profile", "POST", p("/profile"), LOGGED_IN),
    Route("auth.password", "POST", p("/profile/password"), LOGGED_IN),
]
