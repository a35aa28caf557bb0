"""Error pages in the user's language, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from lms.extensions import db
from lms.htmx import is_htmx

log = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Please go back and try again.")),
        401: (_("Please log in"), _("You need to log in to see this page.")),
        403: (_("No access"), _("You do not have access to this page.")),
        404: (_("Page not found"), _("The page you are looking for does not exist or has been moved.")),
        405: (_("Not allowed"), _("This action is not possible in this way.")),
        409: (_("Changed in the meantime"), _("This was changed at the same moment by someone else. Please reload the page.")),
        413: (_("Too large"), _("What you sent is too large. Please send less at once.")),
        422: (_("Could not process"), _("Please check what you entered and try again.")),
        429: (_("Too many attempts"), _("Please wait a moment and try again.")),
        500: (_("Something went wrong"), _("An unexpected error occurred. We have been notified; please try again later.")),
        503: (_("Temporarily unavailable"), _("The platform is temporarily unavailable. Please try again later.")),
    }


def render_error(code: int, message: str | None = None):
    title, text = _messages().get(code, (_("Error"), _("Something went wrong.")))
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    response = render_template(template, code=code, title=title, text=message or text)
    return response, code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error):
        log.warning("CSRF refused: %s", error.description)
        db.session.rollback()
        return render_error(
            400, _("Your session has expired or the form was sent twice. Please reload the page and try again.")
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        db.session.rollback()
        if error.code is None or error.code < 400:
            return error
        if error.code >= 500:
            log.error("%s on %s %s", error.code, request.method, request.path, exc_info=error)
        response, code = render_error(error.code, getattr(error, "lms_message", None))
        resp = app.make_response((response, code))
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            resp.headers["Allow"] = ", ".join(error.valid_methods)
        if error.code == 429 and getattr(error, "retry_after", None):
            resp.headers["Retry-After"] = str(error.retry_after)
        return resp

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return _http(error)
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(InternalServerError.code)
