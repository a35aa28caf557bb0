from __future__ import annotations

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from lms import clock, ratelimit
from lms.auth import bp
from lms.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from lms.auth.notices import send_password_link, send_welcome
from lms.auth.services import (
    authenticate,
    change_own_password,
    change_password,
    end_all_sessions,
    find_user_by_email,
    register_coach,
    update_profile,
    user_for_reset_token,
)
from lms.extensions import db
from lms.htmx import is_htmx, render
from lms.regions.services import fill_place_choices, resolve_place
from lms.urls import is_safe_next
from lms.web import perform


def unauthorized():
    """Anonymous visitors go to the login page; htmx requests get a full redirect."""
    target = url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    if is_htmx():
        response = current_app.make_response(("", 401))
        response.headers["HX-Redirect"] = target
        return response
    flash(_("Please log in to see this page."), "info")
    return redirect(target, code=303)


def _start_session(user, remember: bool) -> None:
    locale = session.get("locale")
    session.clear()  # nothing from before the login survives it
    if locale:
        session["locale"] = locale
    login_user(user, remember=remember)


def _next_url(candidate: str | None) -> str:
    return candidate if is_safe_next(candidate) else url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_next_url(request.args.get("next")), code=303)
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    error = None
    if form.validate_on_submit():
        email = form.email.data
        address = request.remote_addr or "unknown"
        if not (
            ratelimit.is_allowed("LOGIN_LIMIT_ACCOUNT", "login-account", email)
            and ratelimit.is_allowed("LOGIN_LIMIT_ADDRESS", "login-address", address)
        ):
            wait = max(
                ratelimit.retry_after("LOGIN_LIMIT_ACCOUNT", "login-account", email),
                ratelimit.retry_after("LOGIN_LIMIT_ADDRESS", "login-address", address),
            )
            error = _(
                "Too many failed attempts. Please try again in %(minutes)d minutes, or reset your password.",
                minutes=max(1, (wait + 59) // 60),
            )
            status = 429
        else:
            user = authenticate(email, form.password.data, clock.now())
            if user is None:
                # Counted in their own transaction: the 422 keeps nothing else of this request.
                ratelimit.hit("LOGIN_LIMIT_ACCOUNT", "login-account", email)
                ratelimit.hit("LOGIN_LIMIT_ADDRESS", "login-address", address)
                error = _("The email address or password is incorrect.")
                status = 422
            else:
                ratelimit.clear("LOGIN_LIMIT_ACCOUNT", "login-account", email)
                _start_session(user, remember=form.remember.data)
                flash(_("Welcome, %(name)s.", name=user.name), "success")
                return redirect(_next_url(form.next.data), code=303)
    elif form.is_submitted():
        status = 422
    return render("auth/login.html", form=form, error=error, status=status)


@bp.post("/logout")
@login_required
def logout():
    # Logging out ends every session of this user, on every device.
    end_all_sessions(current_user)
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You have been logged out."), "info")
    return redirect(url_for("main.index"), code=303)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"), code=303)
    form = RegisterForm()
    fill_place_choices(form, region_id=form.region_id.data if form.is_submitted() else None)

    def register_and_welcome():
        now = clock.now()
        user = register_coach(**_account(form), password=form.password.data, locale=session.get("locale", "nl"),
                              now=now)
        db.session.flush()
        send_welcome(user, now)
        return user

    outcome = perform(form, register_and_welcome)
    if outcome:
        _start_session(outcome.result, remember=False)
        flash(_("Your account has been created. Welcome!"), "success")
        return redirect(url_for("main.index"), code=303)
    return render("auth/register.html", form=form, status=outcome.status)


def _account(form) -> dict:
    """Name, address, place and registration number from the registration or profile form."""
    region, municipality, organisation = resolve_place(
        form.region_id.data, form.municipality_id.data, form.organisation_id.data
    )
    return {"name": form.name.data, "email": form.email.data, "region": region, "municipality": municipality,
            "organisation": organisation, "registration_number": form.registration_number.data}


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data
        address = request.remote_addr or "unknown"
        allowed = ratelimit.hit("RESET_LIMIT", "reset-account", email) and ratelimit.hit(
            "RESET_LIMIT", "reset-address", address
        )
        user = find_user_by_email(email) if allowed else None
        if user is not None and user.is_active:
            send_password_link(user, clock.now())
        # The same answer whether or not the address is known, so it reveals nothing.
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
    outcome = perform(form, lambda: change_password(user, form.password.data, clock.now()))
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

    outcome = perform(form, lambda: update_profile(user, **_account(form), locale=form.locale.data,
                                                   wants_reminders=form.wants_reminders.data))
    if outcome:
        session["locale"] = user.locale
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("auth.profile"), code=303)
    return render("auth/profile.html", form=form, status=outcome.status)


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
