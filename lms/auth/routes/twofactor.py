"""The second login step on the profile: set it up, new recovery codes, switch it off."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from lms import clock
from lms.auth import bp
from lms.auth.forms import PasswordCheckForm
from lms.auth.routes.login import set_up
from lms.auth.twofactor import disable, recovery_codes_left, renew_recovery_codes, required_for
from lms.htmx import render
from lms.web import perform


def _overview(password_form=None, status: int = 200):
    user = current_user
    return render("auth/two_factor.html", required=required_for(user), codes_left=recovery_codes_left(user),
                  password_form=password_form or PasswordCheckForm(), status=status)


@bp.get("/profile/two-factor")
@login_required
def two_factor():
    return _overview()


@bp.route("/profile/two-factor/setup", methods=["GET", "POST"])
@login_required
def two_factor_setup():
    user = current_user._get_current_object()
    if user.has_two_factor:
        return redirect(url_for("auth.two_factor"), code=303)

    def done(codes):
        login_user(user)  # other sessions ended with the old token; this one goes on
        return render("auth/recovery_codes.html", codes=codes, next=url_for("auth.two_factor"))

    return set_up(user, forced=False, done=done)


def _with_password(action, answer):
    """``action(user, password, now)`` behind the password; ``answer(result)`` when it is done."""
    user = current_user._get_current_object()
    form = PasswordCheckForm()
    outcome = perform(form, lambda: action(user, form.current_password.data, clock.now()))
    return answer(outcome.result) if outcome else _overview(form, outcome.status)


@bp.post("/profile/two-factor/recovery-codes")
@login_required
def recovery_codes():
    return _with_password(renew_recovery_codes, lambda codes: render(
        "auth/recovery_codes.html", codes=codes, next=url_for("auth.two_factor")))


def _switched_off(_result):
    flash(_("The second login step is switched off."), "success")
    return redirect(url_for("auth.two_factor"), code=303)


@bp.post("/profile/two-factor/disable")
@login_required
def two_factor_disable():
    return _with_password(disable, _switched_off)
