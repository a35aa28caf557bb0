"""Template globals and filters every feature uses; a feature registers its own from its blueprint
(``@bp.app_template_global()``), so this module knows no feature."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from urllib.parse import quote_plus

from flask import request, url_for

from lms.markdown import render_markdown
from lms.urls import MAX_ID


def page_url(number: int) -> str:
    """The current URL with another page number, keeping every filter."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(number)]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def end_time(start: time, minutes: int) -> str:
    """The wall-clock end of a planned session, as HH:MM."""
    end = datetime.combine(date(2000, 1, 1), start) + timedelta(minutes=minutes)
    return end.strftime("%H:%M")


class IdUrl:
    """An endpoint's URL for any id, built once: each row of a long table links by its id without a url_for."""

    __slots__ = ("_head", "_tail")

    def __init__(self, endpoint: str, key: str, **values):
        marker = str(MAX_ID)
        self._head, _, self._tail = url_for(endpoint, **{key: MAX_ID}, **values).partition(marker)

    def __call__(self, value: int) -> str:
        return f"{self._head}{int(value)}{self._tail}"


# Werkzeug's query-string encoding (werkzeug.urls._urlencode): the WHATWG percent-encode set kept safe.
_SAFE = "!$'()*,/:;?@"
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]*")  # what quote_plus leaves as it is, whatever ``safe`` says


def query_string(args: dict) -> str:
    """The query string url_for appends for ``args`` (single values; None left out), for links
    that a table repeats per row with other arguments: ``url_for(endpoint) ~ '?' ~ query_string(args)``."""
    return "&".join(f"{_quoted(k)}={_quoted(v)}" for k, v in args.items() if v is not None)


def _quoted(value) -> str:
    text = str(value)  # ids and ISO dates mostly: nothing to quote
    return text if _UNQUOTED.fullmatch(text) else quote_plus(text, safe=_SAFE)


def init_app(app) -> None:
    app.jinja_env.globals.update(page_url=page_url, end_time=end_time, id_url=IdUrl, query_string=query_string)
    # Lessons, programme and cohort descriptions: sanitised Markdown wherever they are shown.
    app.jinja_env.filters["markdown"] = render_markdown
