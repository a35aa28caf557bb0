"""Logging in and out: the password, then (where set up or required) the second factor."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from lms import clock, ratelimit
from lms.auth import bp
from lms.auth.forms import CodeForm, LoginForm, SetupForm
from lms.auth.routes.throttle import LoginAttempt, remember_device
from lms.auth.services import authenticate, end_all_sessions, load_user_by_session_token
from lms.auth.twofactor import (
    check_code,
    enable,
    is_secret,
    new_secret,
    qr_svg,
    recovery_codes_left,
    required_for,
    setup_uri,
    use_recovery_code,
)
from lms.htmx import is_htmx, render
from lms.urls import is_safe_next
from lms.web import perform

# The password was right; the second factor has this long to follow.
PENDING_SECONDS = 600


def unauthorized():
    """Anonymous visitors go to the login page; htmx requests get a full redirect."""
    target = url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    if is_htmx():
        response = current_app.make_response(("", 401))
        response.headers["HX-Redirect"] = target
        return response
    flash(_("Please log in to see this page."), "info")
    return redirect(target, code=303)


def start_session(user, remember: bool = False) -> None:
    """Log ``user`` in on a fresh session (nothing from before the login survives it, bar the language)."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user, remember=remember, duration=timedelta(days=current_app.config["REMEMBER_DAYS"]))


def _next_url(candidate: str | None) -> str:
    return candidate if is_safe_next(candidate) else url_for("main.index")


def too_many_attempts(wait: int) -> str:
    return _("Too many failed attempts. Please try again in %(minutes)d minutes, or reset your password.",
             minutes=max(1, (wait + 59) // 60))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_next_url(request.args.get("next")), code=303)
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    error = None
    if form.validate_on_submit():
        attempt = LoginAttempt.of(form.email.data)
        wait = attempt.admit()  # counted first, in its own transaction: the 422 keeps nothing else
        if wait is not None:
            error, status = too_many_attempts(wait), 429
        else:
            user = authenticate(form.email.data, form.password.data, clock.now())
            if user is None:
                error, status = _("The email address or password is incorrect."), 422
            else:
                attempt.succeeded()
                return _password_accepted(user, form.remember.data, form.next.data)
    elif form.is_submitted():
        status = 422
    return render("auth/login.html", form=form, error=error, status=status)


def _password_accepted(user, remember: bool, next_url: str | None):
    if user.has_two_factor or required_for(user):
        session["pending_login"] = {"id": user.session_token, "remember": bool(remember),
                                    "next": next_url if is_safe_next(next_url) else None,
                                    "at": int(clock.timestamp())}
        return redirect(url_for("auth.login_code" if user.has_two_factor else "auth.login_setup"), code=303)
    return _logged_in(user, remember, next_url)


def _logged_in(user, remember: bool, next_url: str | None, page=None):
    """Log in and answer: a redirect to where the user was going, or ``page()`` (rendered once logged in)."""
    start_session(user, remember)
    if page is None:
        flash(_("Welcome, %(name)s.", name=user.name), "success")
        response = redirect(_next_url(next_url), code=303)
    else:
        response = page()
    remember_device(response, user.email)
    return response


def _pending():
    """The user whose password was right a moment ago in this browser, and the login's details."""
    pending = session.get("pending_login")
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int) \
            or pending["at"] + PENDING_SECONDS < clock.timestamp():
        return None, None
    user = load_user_by_session_token(str(pending.get("id", "")))
    return user, pending


def _back_to_login():
    session.pop("pending_login", None)
    if current_user.is_authenticated:
        return redirect(url_for("main.index"), code=303)
    flash(_("Please log in again."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    user, pending = _pending()
    if user is None or current_user.is_authenticated:
        return _back_to_login()
    if not user.has_two_factor:
        return redirect(url_for("auth.login_setup"), code=303)
    form = CodeForm()
    status, error = 200, None
    if form.validate_on_submit():
        now = clock.now()
        if not ratelimit.hit("TWO_FACTOR_LIMIT", "login-code", str(user.id)):
            error, status = too_many_attempts(ratelimit.retry_after("TWO_FACTOR_LIMIT", "login-code", str(user.id))), 429
        elif check_code(user, form.code.data, now):
            return _logged_in(user, pending["remember"], pending["next"])
        elif use_recovery_code(user, form.code.data, now):
            response = _logged_in(user, pending["remember"], pending["next"])
            flash(_("You logged in with a recovery code; %(n)d are left. Each code works once.",
                    n=recovery_codes_left(user)), "info")
            return response
        else:
            error, status = _("This code is not right. Try the newest code from your app."), 422
    elif form.is_submitted():
        status = 422
    return render("auth/login_code.html", form=form, error=error, status=status)


def setup_secret() -> str:
    """The secret being set up in this browser (kept in the session until a code confirms it)."""
    secret = session.get("totp_setup")
    if not is_secret(secret):
        secret = session["totp_setup"] = new_secret()
    return secret


def set_up(user, *, forced: bool, done):
    """The set-up page of a second factor for ``user``; once a code confirms it, ``done(recovery codes)`` answers."""
    form = SetupForm()
    secret = setup_secret()
    outcome = perform(form, lambda: enable(user, secret, form.code.data, clock.now()))
    if outcome:
        session.pop("totp_setup", None)
        return done(outcome.result)
    qr = qr_svg(setup_uri(user, secret), _("QR code to add your account to an authenticator app"))
    return render("auth/two_factor_setup.html", form=form, secret=secret, qr=qr, forced=forced, status=outcome.status)


@bp.route("/login/two-factor", methods=["GET", "POST"])
def login_setup():
    """The role requires a second factor and the account has none yet: set it up to log in."""
    user, pending = _pending()
    if user is None or current_user.is_authenticated:
        return _back_to_login()
    if user.has_two_factor:
        return redirect(url_for("auth.login_code"), code=303)
    next_url = _next_url(pending["next"])
    return set_up(user, forced=True, done=lambda codes: _logged_in(
        user, pending["remember"], next_url, page=lambda: render("auth/recovery_codes.html", codes=codes, next=next_url)))


@bp.before_app_request
def _second_factor_first():
    """Roles that require a second factor use nothing else until they have set one up."""
    if request.endpoint in (None, "static", "main.set_language", "auth.logout", "auth.two_factor_setup"):
        return None
    if current_user.is_authenticated and not current_user.has_two_factor and required_for(current_user):
        flash(_("Your role requires a second login step. Set it up to continue."), "info")
        return redirect(url_for("auth.two_factor_setup"), code=303)
    return None


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
