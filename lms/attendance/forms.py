from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired

from lms.attendance.models import AttendanceStatus
from lms.forms import optional_int

STATUS_LABELS = {
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.ABSENT: _l("Absent"),
    AttendanceStatus.EXCUSED: _l("Excused"),
}
# The look of a registered status on the list (state-ok, state-bad, state-warn).
STATUS_STYLES = {
    AttendanceStatus.PRESENT: "ok",
    AttendanceStatus.ABSENT: "bad",
    AttendanceStatus.EXCUSED: "warn",
}


class MarkForm(FlaskForm):
    status = SelectField(choices=[(s.value, label) for s, label in STATUS_LABELS.items()], validators=[DataRequired()])


class MakeUpForm(FlaskForm):
    user_id = SelectField(_l("Coach from another group"), coerce=optional_int, validators=[DataRequired()])


class AllPresentForm(FlaskForm):
    """Only the CSRF token."""
