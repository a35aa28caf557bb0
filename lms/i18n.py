"""Locale selection and the date and time filters templates use.

Times are stored in UTC and always shown in Europe/Amsterdam (Flask-Babel's
default timezone), in the user's language.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, session
from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale
from flask_login import current_user

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


def fmt_datetime(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    patterns = {
        "long": "EEEE d MMMM y, HH:mm",
        "medium": "d MMM y, HH:mm",
        "short": "d-M-y HH:mm",
    }
    return format_datetime(value, patterns.get(fmt, fmt))


def fmt_date(value: datetime | date | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    patterns = {"long": "EEEE d MMMM y", "medium": "d MMMM y", "short": "d-M-y", "month": "MMMM y"}
    return format_date(value, patterns.get(fmt, fmt))


def fmt_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_time(value, "HH:mm")


def fmt_timerange(start: datetime | None, end: datetime | None) -> str:
    """'dinsdag 3 november 2026, 09:00–12:30' in the user's language."""
    if start is None:
        return ""
    if end is None:
        return fmt_datetime(start, "long")
    if to_local(start).date() == to_local(end).date():
        return f"{fmt_date(start, 'long')}, {fmt_time(start)}–{fmt_time(end)}"
    return f"{fmt_datetime(start, 'long')} – {fmt_datetime(end, 'long')}"


def fmt_number(value: Decimal | float | int | None) -> str:
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.##")


def current_language() -> str:
    return str(get_locale() or "nl")


def init_app(app) -> None:
    app.jinja_env.filters.update(
        datetime=fmt_datetime,
        date=fmt_date,
        time=fmt_time,
        timerange=fmt_timerange,
        number=fmt_number,
    )
    app.jinja_env.globals.update(current_language=current_language)
