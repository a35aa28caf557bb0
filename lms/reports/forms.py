from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, ValidationError
from wtforms.validators import Optional, Regexp

from lms.forms import DayField, optional_int


class ReportFilterForm(FlaskForm):
    """The filters of every report page; read from the query string (GET, no CSRF)."""

    class Meta:
        csrf = False

    programme = SelectField(_l("Programme"), coerce=optional_int, validators=[Optional()])
    region = SelectField(_l("Region"), coerce=optional_int, validators=[Optional()])
    from_date = DayField(_l("Groups starting from"), validators=[Optional()])
    to_date = DayField(_l("Groups starting until"), validators=[Optional()])
    # Only drill-down pages use it: a municipality id, or "none" for coaches without one.
    municipality = HiddenField(validators=[Optional(), Regexp(r"^(none|\d{1,9})$")])

    def validate_to_date(self, field):
        if field.data and self.from_date.data and field.data < self.from_date.data:
            raise ValidationError(_("The end of the period is before its start."))
