"""Locale selection and the date and time filters templates use.

Times are stored in UTC and always shown in Europe/Amsterdam (Flask-Babel's
default timezone), in the user's language.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

import flask_babel
from flask import current_app, has_request_context, session
from flask.globals import _cv_app
from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

LOCAL_TZ = ZoneInfo("Europe/Amsterdam")


def select_locale() -> str:
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    # Dutch unless the visitor chose otherwise with the language switch.
    chosen = session.get("locale")
    if chosen in supported:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def to_local(value: datetime) -> datetime:
    return value.astimezone(LOCAL_TZ)


def local_to_utc(day: date, at: time) -> datetime:
    """A wall-clock time in Amsterdam on a date, as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=LOCAL_TZ).astimezone(timezone.utc)


# Formatting a moment in the reader's language through Babel costs tens of microseconds, and a
# page shows the same session times request after request: the texts are kept per value,
# pattern and language (the timezone is always Europe/Amsterdam).
@lru_cache(maxsize=8192)
def _formatted(kind: str, value: datetime | date, pattern: str, language: str) -> str:
    if kind == "datetime":
        return format_datetime(value, pattern)
    if kind == "date":
        return format_date(value, pattern)
    return format_time(value, pattern)


def fmt_datetime(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    patterns = {
        "long": "EEEE d MMMM y, HH:mm",
        "medium": "d MMM y, HH:mm",
        "short": "d-M-y HH:mm",
    }
    return _formatted("datetime", value, patterns.get(fmt, fmt), current_language())


def fmt_date(value: datetime | date | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    patterns = {"long": "EEEE d MMMM y", "medium": "d MMMM y", "short": "d-M-y", "month": "MMMM y"}
    return _formatted("date", value, patterns.get(fmt, fmt), current_language())


def fmt_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return _formatted("time", value, "HH:mm", current_language())


def fmt_timerange(start: datetime | None, end: datetime | None) -> str:
    """'dinsdag 3 november 2026, 09:00–12:30' in the user's language."""
    if start is None:
        return ""
    if end is None:
        return fmt_datetime(start, "long")
    return _timerange(start, end, current_language())


@lru_cache(maxsize=4096)
def _timerange(start: datetime, end: datetime, language: str) -> str:
    if to_local(start).date() == to_local(end).date():
        return f"{fmt_date(start, 'long')}, {fmt_time(start)}–{fmt_time(end)}"
    return f"{fmt_datetime(start, 'long')} – {fmt_datetime(end, 'long')}"


def fmt_number(value: Decimal | float | int | None) -> str:
    if value is None:
        return ""
    return _number(value, current_language())


# Babel parses the pattern on every call (tens of microseconds); a report shows a few dozen numbers.
# Equal numbers (1, 1.0, Decimal("1")) share an entry: the pattern formats them alike.
@lru_cache(maxsize=8192)
def _number(value: Decimal | float | int, language: str) -> str:
    return format_decimal(value, format="#,##0.##")


def fmt_percent(rate: Decimal | float | None) -> str:
    """A share as a percentage with at most one decimal ('83,3%'), or a dash when there is none."""
    if rate is None:
        return "—"
    return fmt_number(round(rate * 100, 1)) + "%"


def current_language() -> str:
    """'nl' or 'en': the language of the locale in force."""
    language = _kept_for_locale("lms_language", str)
    return language if language is not None else str(get_locale() or "nl")


def _translations():
    """The catalogue of the locale in force, as Flask-Babel would find it.

    A page calls ``_()`` dozens of times, and each of Flask-Babel's lookups walks the context
    proxies again.
    """
    translations = _kept_for_locale("lms_translations", lambda _locale: flask_babel.get_translations())
    # The request's first lookup selects the locale through Flask-Babel.
    return translations if translations is not None else flask_babel.get_translations()


def kept_for_locale(name: str, make):
    """``make(locale)``, made once per request (app context) and locale; None before a locale is selected."""
    return _kept_for_locale(name, make)


def _kept_for_locale(name: str, make):
    """``make(locale)``, kept in Flask-Babel's per-context namespace next to the locale it was made
    for, so a ``force_locale`` block, which sets another locale, gets its own; None while no
    locale has been selected yet."""
    app_ctx = _cv_app.get(None)
    state = app_ctx.g.__dict__.get("_flask_babel") if app_ctx is not None else None
    locale = getattr(state, "babel_locale", None)
    if locale is None:
        return None
    kept = getattr(state, name, None)
    if kept is None or kept[0] is not locale:
        kept = (locale, make(locale))
        setattr(state, name, kept)
    return kept[1]


def gettext(string: str, **variables) -> str:
    """Flask-Babel's ``gettext``, through the catalogue kept for the locale in force: for Python code
    that translates dozens of labels a request (the reports' rows, stages and legends)."""
    text = _translations().ugettext(string)
    return text % variables if variables else text


# What templates call as ``_()``, ``gettext()`` and ``ngettext()``: Jinja's "newstyle" gettext
# (the text is escaped as a whole in HTML, then always %-formatted with the keyword arguments),
# in one call instead of Jinja's three. A list page translates a few hundred strings.
@pass_eval_context
def _template_gettext(__eval_ctx, __string: str, **variables) -> str:
    # (Positional names no keyword argument of a template can clash with, as in Jinja's own.)
    text = _translations().ugettext(__string)
    if __eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if variables or "%" in text else text


@pass_eval_context
def _template_ngettext(__eval_ctx, __singular: str, __plural: str, __num: int, **variables) -> str:
    variables.setdefault("num", __num)
    text = _translations().ungettext(__singular, __plural, __num)
    if __eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def init_app(app) -> None:
    # In place of the callables Flask-Babel installed (same semantics, through the kept catalogue).
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)
    app.jinja_env.filters.update(
        datetime=fmt_datetime,
        date=fmt_date,
        time=fmt_time,
        timerange=fmt_timerange,
        number=fmt_number,
        percent=fmt_percent,
    )
    app.jinja_env.globals.update(current_language=current_language)
