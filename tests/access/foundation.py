"""Routes of the foundation: start page, accounts, places and administration."""

from __future__ import annotations

from datetime import timedelta

from lms.auth.addresses import make_link
from lms.auth.models import TokenPurpose
from tests.access import ADMIN, EVERYONE, LOGGED_IN, Route, p
from tests.conftest import NOW

NOBODY = frozenset()  # the second login step: only after a password, in the same browser


def extend_world(w):
    """Address links of the other coach: to confirm the address, a new address, and to undo a change."""
    coach, day = w["other_coach"], timedelta(days=1)
    w["confirm_token"] = make_link(coach, TokenPurpose.VERIFY_EMAIL, coach.email, NOW, day)
    w["new_address_token"] = make_link(coach, TokenPurpose.CHANGE_EMAIL, "otto.nieuw@example.org", NOW, day)
    w["undo_token"] = make_link(coach, TokenPurpose.UNDO_EMAIL_CHANGE, coach.email, NOW, day)

ROUTES: list[Route] = [
    # main
    Route("main.index", "GET", p("/"), EVERYONE),
    Route("main.set_language", "POST", p("/language"), EVERYONE, data=lambda w: {"locale": "en"}),
    # auth
    Route("auth.login", "GET", p("/login"), EVERYONE),
    Route("auth.logout", "POST", p("/logout"), LOGGED_IN),
    Route("auth.register", "GET", p("/register"), EVERYONE),
    Route("auth.forgot_password", "GET", p("/password/forgot"), EVERYONE),
    Route("auth.reset_password", "GET", p("/password/reset/{reset_token}"), EVERYONE),
    Route("auth.profile", "GET", p("/profile"), LOGGED_IN),
    Route("auth.password", "GET", p("/profile/password"), LOGGED_IN),
    Route("auth.login_code", "GET", p("/login/code"), NOBODY, denied_status=303),
    Route("auth.login_setup", "GET", p("/login/two-factor"), NOBODY, denied_status=303),
    Route("auth.confirm_address", "GET", p("/account/confirm/{confirm_token}"), EVERYONE),
    Route("auth.confirm_address", "GET", p("/account/confirm/{new_address_token}"), EVERYONE),
    Route("auth.undo_address_change", "GET", p("/account/email/undo/{undo_token}"), EVERYONE),
    Route("auth.email", "GET", p("/profile/email"), LOGGED_IN),
    Route("auth.two_factor", "GET", p("/profile/two-factor"), LOGGED_IN),
    Route("auth.two_factor_setup", "GET", p("/profile/two-factor/setup"), LOGGED_IN),
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
    Route("auth.login_code", "POST", p("/login/code"), NOBODY, denied_status=303, data=lambda w: {"code": "123456"}),
    Route("auth.login_setup", "POST", p("/login/two-factor"), NOBODY, denied_status=303,
          data=lambda w: {"code": "123456"}),
    Route("auth.confirm_address", "POST", p("/account/confirm/{confirm_token}"), EVERYONE),
    Route("auth.undo_address_change", "POST", p("/account/email/undo/{undo_token}"), EVERYONE),
    Route("auth.resend_confirmation", "POST", p("/account/confirm"), LOGGED_IN),
    Route("auth.email", "POST", p("/profile/email"), LOGGED_IN,
          data=lambda w: {"email": "nieuw@example.org", "current_password": "fout"}),
    Route("auth.two_factor_setup", "POST", p("/profile/two-factor/setup"), LOGGED_IN,
          data=lambda w: {"code": "123456"}),
    Route("auth.recovery_codes", "POST", p("/profile/two-factor/recovery-codes"), LOGGED_IN),
    Route("auth.two_factor_disable", "POST", p("/profile/two-factor/disable"), LOGGED_IN),
    Route("admin.user_two_factor_reset", "POST", p("/admin/users/{other_user_id}/two-factor/reset"), ADMIN),
]
