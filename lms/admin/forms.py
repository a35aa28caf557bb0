from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.auth.forms import REGISTRATION_NUMBER, password_policy
from lms.auth.models import Role
from lms.forms import no_control_chars, optional_int, strip


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


ROLE_LABELS = {
    Role.COACH: _l("Coach"),
    Role.TRAINER: _l("Trainer"),
    Role.STAFF: _l("Staff"),
    Role.COORDINATOR: _l("Regional coordinator"),
    Role.ADMIN: _l("Administrator"),
}


class UserForm(FlaskForm):
    name = StringField(_l("Full name"), filters=[strip], validators=[DataRequired(), Length(max=200), no_control_chars])
    email = EmailField(
        _l("Email address"), filters=[strip], validators=[DataRequired(), Length(max=254), Email(check_deliverability=False)]
    )
    password = PasswordField(
        _l("Password"),
        validators=[Optional(), password_policy],
        description=_l("Leave empty to send the user a link to set their own password."),
    )
    locale = SelectField(_l("Language"), choices=[("nl", "Nederlands"), ("en", "English")])
    region_id = SelectField(_l("Region"), coerce=optional_int, validators=[Optional()])
    municipality_id = SelectField(_l("Municipality"), coerce=optional_int, validators=[Optional()])
    organisation_id = SelectField(_l("Organisation"), coerce=optional_int, validators=[Optional()])
    registration_number = StringField(
        _l("Registerplein registration number"), filters=[strip], validators=[Optional(), REGISTRATION_NUMBER]
    )
    roles = MultiCheckboxField(_l("Roles"), choices=[(r.value, label) for r, label in ROLE_LABELS.items()])
    coordinator_regions = MultiCheckboxField(
        _l("Regions this coordinator may see"), coerce=int, validate_choice=True
    )
    is_active = BooleanField(_l("Account is active"), default=True)


class RegionForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=100), no_control_chars])


class MunicipalityForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=100), no_control_chars])
    region_id = SelectField(_l("Region"), coerce=optional_int, validators=[DataRequired()])


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=200), no_control_chars])
    municipality_id = SelectField(_l("Municipality"), coerce=optional_int, validators=[Optional()])


class ConfirmForm(FlaskForm):
    """An empty form: the CSRF token of a confirmed action."""
