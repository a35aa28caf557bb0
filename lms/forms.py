"""Shared form pieces: filters, validators and the select-field helpers."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from lms.urls import MAX_ID


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
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > len(str(MAX_ID)) or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


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
