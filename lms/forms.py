"""Shared form pieces: filters, validators and the select-field helpers."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from urllib.parse import urlsplit

import wtforms
from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, TextAreaField, ValidationError
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation

from lms.numbers import bounded_int, is_integer_text
from lms.urls import MAX_ID


class FilterForm(FlaskForm):
    """A list's filters, read from the query string: no CSRF token.

    An empty select field is checked against its choices before ``Optional`` waives it, which
    asks WTForms for the message it then drops; Flask-WTF reads WTForms' catalogue from disk
    for that on every request. Here it is read once per process and language.
    """

    class Meta:
        csrf = False

        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _wtforms_messages(str(get_locale()))


@lru_cache(maxsize=8)
def _wtforms_messages(locale: str):
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def text_area(label, *, required: bool = False, max_length: int = 1000, **options) -> TextAreaField:
    """A stripped multi-line text field, required or optional, of at most ``max_length`` characters."""
    presence = DataRequired() if required else Optional()
    return TextAreaField(label, filters=[strip], validators=[presence, Length(max=max_length)], **options)


def no_control_chars(form, field):
    """Refuse invisible control characters in single-line text."""
    if isinstance(field.data, str) and any(ord(ch) < 32 or ord(ch) == 127 for ch in field.data):
        raise ValidationError(_("This field contains characters that are not allowed."))


def optional_int(value):
    """Coerce for select fields with an empty 'none' choice."""
    if value in (None, "", "None"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1  # not a valid choice; the field reports it
    return number if abs(number) <= MAX_ID else -1  # beyond any id (and any INTEGER column)


def parse_id(value) -> int | None:
    """An id typed into a URL or a form: ASCII digits only, within INTEGER; None otherwise.

    ``str.isdigit()`` is not enough: it accepts "²" and "①", which ``int()`` refuses.
    """
    if not isinstance(value, str) or not value.strip().isdigit():
        return None  # no sign either
    return bounded_int(value, 1, MAX_ID)


class IntegerField(wtforms.IntegerField):
    """wtforms' IntegerField, with the number checked before anything computes with it.

    Only ASCII digits (and a sign) count as a number. The range is the field's
    ``NumberRange`` (else that of an INTEGER column); a number outside it gets the range's
    message and stops the field's other checks, which would otherwise compare it as a
    float (400 digits overflow) or send it to the database.
    """

    def _bounds(self) -> tuple[int, int]:
        low, high = -MAX_ID, MAX_ID
        for validator in self.validators:
            if isinstance(validator, NumberRange):
                low = validator.min if validator.min is not None else low
                high = validator.max if validator.max is not None else high
        return int(low), int(high)

    def process_formdata(self, valuelist):
        self._out_of_range = False
        if not valuelist:
            return
        low, high = self._bounds()
        self.data = bounded_int(valuelist[0], low, high)
        if self.data is None:
            if not is_integer_text(valuelist[0]):
                raise ValueError(self.gettext("Not a valid integer value."))
            self._out_of_range = True

    def pre_validate(self, form):
        if getattr(self, "_out_of_range", False):
            low, high = self._bounds()
            raise StopValidation(_("Enter a whole number from %(low)d to %(high)d.", low=low, high=high))


def https_url(form, field):
    """A link people open (a video meeting): ``https://`` with a host; ASCII without spaces, quotes or brackets.

    The text goes into pages, mails and calendar files as a URI, where anything else is
    invalid (an .ics with a space in its URL breaks in calendar apps).
    """
    value = field.data
    if not value:
        return
    message = _("Use a secure link that starts with https://.")
    if not value.isascii() or any(ch in "\"'<>`\\{}|^" or not ch.isprintable() or ch.isspace() for ch in value):
        raise ValidationError(message)
    try:
        parts = urlsplit(value)
        secure = parts.scheme.lower() == "https" and parts.port != 0  # .port raises on "x:abc"
    except ValueError:
        raise ValidationError(message) from None
    host = (parts.hostname or "").strip(".")
    if not secure or "." not in host or parts.username is not None:
        raise ValidationError(message)


NONE_CHOICE = ("", _l("— none —"))


class FiniteDecimalField(DecimalField):
    """A DecimalField that refuses NaN and infinity: they pass Decimal() but break every comparison."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, Decimal) and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))


# Dates a person can mean here; far-off years (0001, 9999) overflow when shifted between
# Amsterdam and UTC or moved by a day.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def sane_year(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


class DayField(DateField):
    """An ISO date (what <input type=date> sends), with a message in the user's language.

    Years outside FIRST_YEAR..LAST_YEAR are refused like any other impossible date.
    """

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            super().process_formdata([valuelist[0].strip()])
        except ValueError as exc:
            self.data = None
            raise ValueError(_("Enter a date such as 2026-01-31.")) from exc
        if self.data is not None and not sane_year(self.data.year):
            self.data = None
            raise ValueError(_("Enter a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))
