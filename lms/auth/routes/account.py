"""The account: signing up, confirming the address, passwords, the profile and a new address."""

from __future__ import annotations

import time

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from lms import clock, ratelimit
from lms.auth import bp
from lms.auth.addresses import (
    address_proved_by_reset,
    confirm,
    find_token,
    pending_email,
    request_email_change,
    request_password_link,
    send_confirmation_link,
    sign_up,
    undo_email_change,
)
from lms.auth.forms import (
    ChangePasswordForm,
    ConfirmForm,
    EmailChangeForm,
    ForgotPasswordForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from lms.auth.models import TokenPurpose
from lms.auth.routes.login import too_many_attempts
from lms.auth.routes.throttle import client_address
from lms.auth.services import (
    TooManyAttempts,
    change_own_password,
    change_password,
    update_profile,
    user_for_reset_token,
)
from lms.htmx import render
from lms.regions.services import fill_place_choices, resolve_place
from lms.web import after_commit, perform


def _within_limits(setting_pairs) -> int | None:
    """Count an attempt under each (setting, scope, value) in turn; the seconds to wait if one is over."""
    for setting, scope, value in setting_pairs:
        if not ratelimit.hit(setting, scope, value):
            return ratelimit.retry_after(setting, scope, value)
    return None


def _count_or_refuse(setting_pairs, field: str) -> None:
    """Inside a perform(): the attempt stays counted (its own transaction), and over a limit it is refused."""
    wait = _within_limits(setting_pairs)
    if wait is not None:
        raise TooManyAttempts(too_many_attempts(wait), field)


def _answer_no_sooner_than_usual() -> None:
    """This answer could tell whether an address has an account by its timing: it comes after
    ACCOUNT_ANSWER_MS from now, whichever way the request went (the work takes far less).

    Registration, the password link and a new address each do a little more for an address
    with an account, or without one; the time of the answer stays the same.
    """
    g.account_answer_at = time.monotonic() + current_app.config["ACCOUNT_ANSWER_MS"] / 1000


@after_commit
def _wait_until_the_usual_time() -> None:
    # After the commit, so the rows a known address writes are inside the time too.
    answer_at = g.pop("account_answer_at", None)
    rest = answer_at - time.monotonic() if answer_at is not None else 0
    if rest > 0:
        time.sleep(rest)


def _mail_limits(scope: str, email: str) -> list[tuple[str, str, str]]:
    return [("REGISTER_LIMIT_ADDRESS", f"{scope}-address", client_address()),
            ("REGISTER_LIMIT_ACCOUNT", f"{scope}-account", email)]


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"), code=303)
    form = RegisterForm()
    fill_place_choices(form, region_id=form.region_id.data if form.is_submitted() else None)

    def sign_up_counted():
        _count_or_refuse(_mail_limits("register", form.email.data), "email")
        _answer_no_sooner_than_usual()
        return sign_up(**_place(form), name=form.name.data, email=form.email.data, password=form.password.data,
                       registration_number=form.registration_number.data, locale=session.get("locale", "nl"),
                       now=clock.now())

    outcome = perform(form, sign_up_counted)
    if outcome:
        # The same answer whether the address was new or already had an account.
        flash(_("Check your inbox: we have sent a link to %(email)s. Confirm your address with it, then log in.",
                email=form.email.data), "info")
        return redirect(url_for("auth.login"), code=303)
    return render("auth/register.html", form=form, status=outcome.status)


def _place(form) -> dict:
    region, municipality, organisation = resolve_place(
        form.region_id.data, form.municipality_id.data, form.organisation_id.data
    )
    return {"region": region, "municipality": municipality, "organisation": organisation}


@bp.route("/account/confirm/<token>", methods=["GET", "POST"])
def confirm_address(token: str):
    """A link from a mail: a new account's address, or a new address. A button, so mail scanners opening links do nothing."""
    link = find_token(token, clock.now())
    if link is None or link.purpose not in (TokenPurpose.VERIFY_EMAIL, TokenPurpose.CHANGE_EMAIL):
        return render("auth/link_invalid.html", status=404)
    form = ConfirmForm()
    outcome = perform(form, lambda: confirm(link, clock.now()))
    if outcome:
        flash(_("Your email address %(email)s is confirmed.", email=outcome.result.email), "success")
        return redirect(url_for("main.index"), code=303)
    if outcome.error is not None:
        return redirect(url_for("main.index"), code=303)
    return render("auth/confirm_address.html", form=form, link=link, status=outcome.status)


@bp.post("/account/confirm")
@login_required
def resend_confirmation():
    """Send the confirmation link again (the banner's button)."""
    user = current_user._get_current_object()
    if user.is_email_verified:
        flash(_("Your email address is already confirmed."), "info")
        return redirect(url_for("main.index"), code=303)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    wait = _within_limits([("REGISTER_LIMIT_ACCOUNT", "confirm-account", user.email)])
    if wait is not None:
        flash(too_many_attempts(wait), "error")
        return redirect(url_for("main.index"), code=303)
    send_confirmation_link(user, clock.now())
    flash(_("We have sent a new link to %(email)s.", email=user.email), "success")
    return redirect(url_for("main.index"), code=303)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data
        wait = _within_limits([("RESET_LIMIT", "reset-address", client_address()),
                               ("RESET_LIMIT", "reset-account", email)])
        if wait is None:
            _answer_no_sooner_than_usual()
            request_password_link(email, session.get("locale", "nl"), clock.now())
        # The same answer whether or not the address is known (or counted out), so it reveals nothing.
        flash(
            _("If an account exists for %(email)s, we have sent a link to set a new password. "
              "Check your inbox (and spam folder).", email=email),
            "info",
        )
        return redirect(url_for("auth.login"), code=303)
    elif form.is_submitted():
        status = 422
    return render("auth/forgot_password.html", form=form, status=status)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = user_for_reset_token(token, clock.now())
    if user is None:
        return render("auth/reset_invalid.html", status=404)
    form = ResetPasswordForm()

    def set_password():
        now = clock.now()
        change_password(user, form.password.data, now)
        address_proved_by_reset(user, now)

    outcome = perform(form, set_password)
    if outcome:
        if current_user.is_authenticated:
            logout_user()
        flash(_("Your password has been changed. You can now log in with it."), "success")
        return redirect(url_for("auth.login"), code=303)
    return render("auth/reset_password.html", form=form, token=token, status=outcome.status)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user
    form = ProfileForm(obj=user if request.method == "GET" else None)
    fill_place_choices(form, region_id=form.region_id.data)

    outcome = perform(form, lambda: update_profile(user, **_place(form), name=form.name.data, locale=form.locale.data,
                                                   registration_number=form.registration_number.data,
                                                   wants_reminders=form.wants_reminders.data))
    if outcome:
        session["locale"] = user.locale
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("auth.profile"), code=303)
    return render("auth/profile.html", form=form, pending_email=pending_email(user, clock.now()),
                  status=outcome.status)


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required
def password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    outcome = perform(form, lambda: change_own_password(user, form.current_password.data, form.password.data,
                                                        clock.now()))
    if outcome:
        # The other sessions ended with the old token; this one continues with the new.
        login_user(user)
        flash(_("Your password has been changed. You have been logged out everywhere else."), "success")
        return redirect(url_for("auth.profile"), code=303)
    return render("auth/password.html", form=form, status=outcome.status)


@bp.route("/profile/email", methods=["GET", "POST"])
@login_required
def email():
    """A new address: needs the password, takes effect once the new address confirms; the old one is told."""
    form = EmailChangeForm()
    user = current_user._get_current_object()

    def change_counted():
        _count_or_refuse(_mail_limits("email-change", user.email), "email")
        _answer_no_sooner_than_usual()  # a new address that has an account answers the same
        request_email_change(user, password=form.current_password.data, new_email=form.email.data, now=clock.now())

    outcome = perform(form, change_counted)
    if outcome:
        flash(_("We have sent a link to %(email)s. Your address changes when you confirm it there; "
                "we have told your current address too.", email=form.email.data), "info")
        return redirect(url_for("auth.profile"), code=303)
    return render("auth/email.html", form=form, status=outcome.status)


@bp.route("/account/email/undo/<token>", methods=["GET", "POST"])
def undo_address_change(token: str):
    """"This was not me", from the mail to the old address."""
    link = find_token(token, clock.now())
    if link is None or link.purpose != TokenPurpose.UNDO_EMAIL_CHANGE:
        return render("auth/link_invalid.html", status=404)
    form = ConfirmForm()
    outcome = perform(form, lambda: undo_email_change(link, clock.now()))
    if outcome:
        if current_user.is_authenticated and current_user.id == outcome.result.id:
            logout_user()
        flash(_("The change of your email address has been stopped and every session of your account has "
                "been logged out. Set a new password now: someone else knows yours."), "success")
        return redirect(url_for("auth.forgot_password"), code=303)
    if outcome.error is not None:
        return redirect(url_for("main.index"), code=303)
    return render("auth/undo_address_change.html", form=form, link=link, status=outcome.status)
