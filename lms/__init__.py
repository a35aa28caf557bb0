"""Welzijnscoach Academie: the application factory."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, g, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from lms import cli, clock, errors, hardening, i18n, templating, web
from lms import demo as _demo  # noqa: F401 - the demo data and its `flask lms seed-demo` command
from lms import models as _models  # noqa: F401 - every model registered before the mappers configure
from lms.auth.routes import unauthorized
from lms.auth.services import load_user_by_session_token
from lms.calendar import privacy as calendar_privacy
from lms.config import BASE_DIR, INSTANCE_DIR, Config
from lms.db_engine import configure_engine_events
from lms.extensions import babel, csrf, db, login_manager, migrate, talisman
from lms.health import HealthCheck
from lms.htmx import add_vary
from lms.urls import IdConverter

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],  # data: for the stylesheet's small SVG icons; nothing from elsewhere
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "object-src": "'none'",
    "base-uri": "'none'",
}
# The headers Talisman adds to every response besides the CSP (and HSTS on HTTPS).
FRAME_OPTIONS = "DENY"
REFERRER_POLICY = "strict-origin-when-cross-origin"
PERMISSIONS_POLICY = {"geolocation": "()", "camera": "()", "microphone": "()"}


def security_headers() -> list[tuple[str, str]]:
    """The security headers of every page, for answers made outside Flask (the health check)."""
    csp = "; ".join(f"{name} {value if isinstance(value, str) else ' '.join(value)}" for name, value in CSP.items())
    return [
        ("Content-Security-Policy", csp),
        ("X-Frame-Options", FRAME_OPTIONS),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", REFERRER_POLICY),
        ("Permissions-Policy", ", ".join(f"{name}={value}" for name, value in PERMISSIONS_POLICY.items())),
    ]


def create_app(config: Config | Mapping[str, Any] | None = None) -> Flask:
    """Create the app; ``config`` is a Config object or a mapping of overrides."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
    )
    if config is None or isinstance(config, Mapping):
        app.config.from_object(Config())
        if config:
            app.config.update(config)
    else:
        app.config.from_object(config)

    if not app.config.get("SECRET_KEY"):
        if app.config["LMS_ENV"] in ("development", "testing"):
            raise RuntimeError("SECRET_KEY is empty; `make run` writes one to instance/secret_key.")
        raise RuntimeError("SECRET_KEY must be set outside development (see README, Configuration).")

    clock.init_app(app)
    web.init_app(app)  # the request's unit of work: its commit is the last after-request step

    hardening.init_app(app)  # JSON logs with request ids; refuses NUL before CSRF reads the form
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    calendar_privacy.init_app(app)  # feed tokens out of logs; before Talisman (see there)
    if app.config["PROXY_FIX_X_FOR"] or app.config["PROXY_FIX_X_PROTO"]:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=app.config["PROXY_FIX_X_PROTO"]
        )

    app.url_map.converters["int"] = IdConverter  # before any route is added
    _init_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)

    i18n.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    cli.init_app(app)  # with every feature's commands, registered as their modules were imported
    with app.app_context():
        app.wsgi_app = HealthCheck(  # in front of everything
            app.wsgi_app, db.engine, security_headers(),
            pre_ping=bool(app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping")))
    return app


def _planner_settings(app: Flask) -> None:
    """PostgreSQL sessions start with the planner settings of the config (PG_RANDOM_PAGE_COST)."""
    cost = app.config.get("PG_RANDOM_PAGE_COST")
    if not cost or not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    connect_args = dict(options.get("connect_args", {}))
    connect_args.setdefault("options", f"-c random_page_cost={float(cost):g}")
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "connect_args": connect_args}


def _init_extensions(app: Flask) -> None:
    _planner_settings(app)
    db.init_app(app)
    with app.app_context():
        configure_engine_events(db.engine)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(BASE_DIR / "lms" / "translations"),
    )
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        content_security_policy=CSP,
        frame_options=FRAME_OPTIONS,
        referrer_policy=REFERRER_POLICY,
        x_content_type_options=True,
        permissions_policy=PERMISSIONS_POLICY,
    )

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.user_loader(load_user_by_session_token)
    login_manager.unauthorized_handler(unauthorized)


# (package, url prefix); each feature's routes module attaches its views to the package's bp.
BLUEPRINTS = (
    ("main", None),
    ("auth", None),
    ("regions", None),
    ("catalogue", None),
    ("programmes", "/staff/programmes"),
    ("cohorts", None),
    ("enrolment", None),
    ("learning", "/learn"),
    ("attendance", None),
    ("certificates", None),
    ("calendar", None),
    ("reports", "/reports"),
    ("notifications", None),
    ("audit", "/admin/audit"),
    ("admin", "/admin"),
    ("privacy", None),
)


# Domain modules no routes import, loaded here for what they register: receivers of the
# events of lms/domain.py, and each feature's section of the privacy registry.
RECEIVERS = (
    "lms.completion.services",
    "lms.cohorts.personal_data",
    "lms.enrolment.personal_data",
    "lms.calendar.personal_data",
    "lms.attendance.personal_data",
    "lms.learning.personal_data",
    "lms.certificates.personal_data",
)


def _register_blueprints(app: Flask) -> None:
    for module in RECEIVERS:
        importlib.import_module(module)
    for package, prefix in BLUEPRINTS:
        importlib.import_module(f"lms.{package}.routes")
        bp = importlib.import_module(f"lms.{package}").bp
        app.register_blueprint(bp, url_prefix=prefix)


def _register_hooks(app: Flask) -> None:
    @app.after_request
    def _after(response):
        add_vary(response)
        if request.endpoint in (None, "static"):
            return response
        if current_user.is_authenticated and "Cache-Control" not in response.headers:
            # Personal pages never go into shared caches or the browser's history cache.
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def _globals():
        return {"platform_name": app.config["PLATFORM_NAME"]}

    @app.teardown_request
    def _clear(_exc):
        g.pop("queued_mail", None)
