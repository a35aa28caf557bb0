"""The second login step on the profile: set it up, new recovery codes, switch it off."""

from __future__ import annotations

from flask import flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from lms import clock
from lms.auth import bp
from lms.auth.forms import PasswordCheckForm, SetupForm
from lms.auth.routes.login import setup_page, setup_secret
from lms.auth.twofactor import disable, enable, recovery_codes_left, renew_recovery_codes, required_for
from lms.htmx import render
from lms.web import perform


@bp.get("/profile/two-factor")
@login_required
def two_factor():
    user = current_user
    return render("auth/two_factor.html", required=required_for(user), codes_left=recovery_codes_left(user),
                  password_form=PasswordCheckForm())


@bp.route("/profile/two-factor/setup", methods=["GET", "POST"])
@login_required
def two_factor_setup():
    user = current_user._get_current_object()
    if user.has_two_factor:
        return redirect(url_for("auth.two_factor"), code=303)
    form = SetupForm()
    secret = setup_secret()
    outcome = perform(form, lambda: enable(user, secret, form.code.data, clock.now()))
    if outcome:
        session.pop("totp_setup", None)
        login_user(user)  # other sessions ended with the old token; this one goes on
        return render("auth/recovery_codes.html", codes=outcome.result, next=url_for("auth.two_factor"))
    return setup_page(user, form, secret, outcome.status, forced=False)


@bp.post("/profile/two-factor/recovery-codes")
@login_required
def recovery_codes():
    user = current_user._get_current_object()
    form = PasswordCheckForm()
    outcome = perform(form, lambda: renew_recovery_codes(user, form.current_password.data, clock.now()))
    if outcome:
        return render("auth/recovery_codes.html", codes=outcome.result, next=url_for("auth.two_factor"))
    return render("auth/two_factor.html", required=required_for(user), codes_left=recovery_codes_left(user),
                  password_form=form, status=outcome.status)


@bp.post("/profile/two-factor/disable")
@login_required
def two_factor_disable():
    user = current_user._get_current_object()
    form = PasswordCheckForm()
    outcome = perform(form, lambda: disable(user, form.current_password.data, clock.now()))
    if outcome:
        flash(_("The second login step is switched off."), "success")
        return redirect(url_for("auth.two_factor"), code=303)
    return render("auth/two_factor.html", required=required_for(user), codes_left=recovery_codes_left(user),
                  password_form=form, status=outcome.status)
