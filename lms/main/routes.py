from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, jsonify, redirect, request, session, url_for
from flask_login import current_user

from lms import clock
from lms.extensions import db
from lms.htmx import render
from lms.main import bp
from lms.main import navigation as _navigation  # noqa: F401 - the menu in every page
from lms.panels import start_page_context
from lms.urls import is_safe_next


@bp.get("/")
def index():
    """The start page: what matters now for each of the user's roles."""
    return render("main/index.html", **start_page_context(current_user, clock.now()))


@bp.get("/healthz")
def healthz():
    try:
        # A pooled connection of its own, not the ORM session: no transaction for the unit
        # of work to commit (a load balancer polls this every few seconds).
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except sa.exc.SQLAlchemyError:
        current_app.logger.warning("health check: database unreachable")
        return jsonify(status="error", database="unreachable"), 503  # the unit of work rolls back
    return jsonify(status="ok", database="ok")


@bp.post("/language")
def set_language():
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
    target = request.form.get("next", "")
    return redirect(target if is_safe_next(target) else url_for("main.index"), code=303)
