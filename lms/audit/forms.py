"""The audit log's search form: GET parameters, never a state change."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField, StringField, ValidationError
from wtforms.validators import Optional
from wtforms.widgets import DateInput

from lms.forms import strip

# ASCII digits only: int() would also take '٣' or ' 3 ', and "²" looks like a digit.
_DIGITS = re.compile(r"[0-9]{1,10}", re.ASCII)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
MAX_OBJECT_ID = 2**31 - 1
FIRST_YEAR, LAST_YEAR = 2000, 2999


def parse_object_id(text: str) -> int:
    if not _DIGITS.fullmatch(text or "") or int(text) > MAX_OBJECT_ID:
        raise ValueError(text)
    return int(text)


def parse_day(text: str) -> date:
    if not _ISO_DATE.fullmatch(text or ""):
        raise ValueError(text)
    day = date.fromisoformat(text)
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(text)
    return day


def _object_number(form, field):
    try:
        parse_object_id(field.data)
    except ValueError:
        raise ValidationError(_("Enter the object number in digits, for example 42.")) from None


def _day(form, field):
    try:
        parse_day(field.data)
    except ValueError:
        raise ValidationError(_("Enter a date between %(first)d and %(last)d as YYYY-MM-DD, for example 2026-03-31.",
                                first=FIRST_YEAR, last=LAST_YEAR)) from None


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    # Choices come from the log itself; an unknown value is ignored, not an error.
    action = SelectField(_l("Action"), validators=[Optional()], validate_choice=False)
    object_type = SelectField(_l("Object"), validators=[Optional()], validate_choice=False)
    actor = SearchField(_l("Done by (name or email)"), filters=[strip], validators=[Optional()])
    object_id = StringField(_l("Object number"), filters=[strip], validators=[Optional(), _object_number])
    date_from = StringField(_l("From"), widget=DateInput(), filters=[strip], validators=[Optional(), _day])
    date_to = StringField(_l("Until"), widget=DateInput(), filters=[strip], validators=[Optional(), _day])

    def validate_date_to(self, field):
        if self.date_from.data and field.data and not self.date_from.errors:
            try:
                backwards = parse_day(field.data) < parse_day(self.date_from.data)
            except ValueError:
                return  # the field's own check reports it
            if backwards:
                raise ValidationError(_("The end date is before the start date."))
