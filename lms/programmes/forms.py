from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from lms.forms import FiniteDecimalField, IntegerField, no_control_chars, strip
from lms.programmes.models import SessionKind

KIND_LABELS = {SessionKind.ONLINE: _l("Online"), SessionKind.IN_PERSON: _l("In person")}


class ProgrammeForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200), no_control_chars])
    description = TextAreaField(_l("Description"), filters=[strip], validators=[Optional(), Length(max=10000)],
                                render_kw={"rows": 5})
    net_hours = FiniteDecimalField(_l("Net training hours"), places=2, validators=[InputRequired(), NumberRange(min=0, max=999)],
                             description=_l("1 net training hour = 1 accreditation point at Registerplein."))
    accreditation_body = StringField(_l("Accreditation body (optional)"), filters=[strip],
                                     validators=[Optional(), Length(max=200), no_control_chars])
    accreditation_course_id = StringField(_l("Accredited course ID (optional)"), filters=[strip],
                                          validators=[Optional(), Length(max=50), no_control_chars])
    accreditation_points = FiniteDecimalField(_l("Accreditation points"), places=2, default=0,
                                        validators=[Optional(), NumberRange(min=0, max=999)])
    validity_years = IntegerField(_l("Certificate valid for (years, optional)"), validators=[Optional(), NumberRange(min=1, max=50)],
                                  description=_l("Leave empty for a certificate without an end date."))
    certificate_issuer = StringField(_l("Issued by"), filters=[strip], default="Landelijk Kennisnetwerk Welzijn op Recept",
                                     validators=[DataRequired(), Length(max=200), no_control_chars])
    cancellation_deadline_days = IntegerField(_l("Coaches can cancel until (days before the first session)"), default=7,
                                              validators=[InputRequired(), NumberRange(min=0, max=365)])
    requires_approval = BooleanField(_l("Enrolments need approval by staff"))
    offer_hours = IntegerField(_l("Hours to accept a seat offered from the waitlist"), default=48,
                               validators=[InputRequired(), NumberRange(min=1, max=720)])
    contact_email = EmailField(_l("Contact email for coaches (optional)"), filters=[strip],
                               validators=[Optional(), Email(check_deliverability=False), Length(max=254)])


class ModuleForm(FlaskForm):
    title = StringField(_l("Module title"), filters=[strip], validators=[DataRequired(), Length(max=200), no_control_chars])
    summary = TextAreaField(_l("Summary (optional)"), filters=[strip], validators=[Optional(), Length(max=2000)],
                            render_kw={"rows": 2})
    is_required = BooleanField(_l("Required for completion"), default=True)


class SessionTemplateForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[(k.value, label) for k, label in KIND_LABELS.items()])
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200), no_control_chars])
    day_offset = IntegerField(_l("Days after the first session"), default=0,
                              validators=[Optional(), NumberRange(min=0, max=730)])
    start_time = TimeField(_l("Start time"), validators=[DataRequired()])
    duration_minutes = IntegerField(_l("Duration (minutes)"), validators=[DataRequired(), NumberRange(min=15, max=720)])
    net_hours = FiniteDecimalField(_l("Net training hours"), places=2, default=0,
                             validators=[Optional(), NumberRange(min=0, max=24)])
    is_required = BooleanField(_l("Attendance required for completion"), default=True)


class ArchiveForm(FlaskForm):
    """The CSRF token of archive and unarchive."""
