"""Template globals that need the request or the app."""

from __future__ import annotations

from flask import current_app, request, url_for


def page_url(number: int) -> str:
    """The current URL with another page number, keeping every filter."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(number)]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def role_label(role) -> str:
    from lms.admin.forms import ROLE_LABELS

    return str(ROLE_LABELS.get(role, role))


def init_app(app) -> None:
    app.jinja_env.globals.update(page_url=page_url, has_endpoint=has_endpoint, role_label=role_label)
