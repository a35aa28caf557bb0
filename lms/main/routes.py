from __future__ import annotations

from flask import current_app, redirect, request, session, url_for
from flask_login import current_user

from lms import clock
from lms.htmx import render
from lms.main import bp
from lms.main import navigation as _navigation  # noqa: F401 - the menu in every page
from lms.panels import start_page_context
from lms.urls import is_safe_next


@bp.get("/")
def index():
    """The start page: what matters now for each of the user's roles."""
    return render("main/index.html", **start_page_context(current_user, clock.now()))


@bp.post("/language")
def set_language():
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
    target = request.form.get("next", "")
    return redirect(target if is_safe_next(target) else url_for("main.index"), code=303)
