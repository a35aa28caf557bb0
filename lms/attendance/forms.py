from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import HiddenInput

from lms.attendance.models import AttendanceStatus
from lms.forms import IntegerField, strip

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
    """One coach found by the make-up search; a reason only for an exception (staff)."""

    user_id = IntegerField(validators=[DataRequired()], widget=HiddenInput())
    reason = StringField(_l("Reason for the exception"), filters=[strip], validators=[Length(max=300)],
                         description=_l("Recorded in the audit log."))


class AllPresentForm(FlaskForm):
    """Only the CSRF token."""
