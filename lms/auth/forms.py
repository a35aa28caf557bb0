from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp

from lms.auth.passwords import MAX_LENGTH, MIN_LENGTH, is_common
from lms.forms import no_control_chars, optional_int, strip

REGISTRATION_NUMBER = Regexp(r"^\d{4,12}$", message=_l("A registration number has 4 to 12 digits."))


def password_policy(form, field):
    password = field.data or ""
    if len(password) < MIN_LENGTH:
        raise ValidationError(_("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise ValidationError(_("Use at most %(n)d characters.", n=MAX_LENGTH))
    if is_common(password):
        raise ValidationError(_("This password is too common. Choose one that is harder to guess."))
    email = getattr(form, "email", None)
    if email is not None and email.data and password.lower() == str(email.data).strip().lower():
        raise ValidationError(_("Your password may not be your email address."))


def full_name_field() -> StringField:
    return StringField(_l("Full name"), filters=[strip],
                       validators=[DataRequired(), Length(max=200), no_control_chars])


def email_field() -> EmailField:
    return EmailField(_l("Email address"), filters=[strip],
                      validators=[DataRequired(), Length(max=254), Email(check_deliverability=False)])


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), filters=[strip], validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Stay logged in on this device"))
    next = HiddenField()


class PlaceMixin:
    region_id = SelectField(_l("Region"), coerce=optional_int, validators=[DataRequired()])
    municipality_id = SelectField(_l("Municipality"), coerce=optional_int, validators=[DataRequired()])
    organisation_id = SelectField(_l("Organisation (optional)"), coerce=optional_int, validators=[Optional()])
    registration_number = StringField(
        _l("Registerplein registration number (optional)"),
        filters=[strip],
        validators=[Optional(), REGISTRATION_NUMBER],
        description=_l("Needed for accreditation points. You can add it later in your profile."),
    )


class RegisterForm(PlaceMixin, FlaskForm):
    name = full_name_field()
    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), password_policy],
        description=_l("At least 8 characters. A sentence of a few words is easy to remember and hard to guess."),
    )
    password_confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email address"), filters=[strip], validators=[DataRequired(), Length(max=254), Email(check_deliverability=False)]
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), password_policy])
    password_confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), password_policy])
    password_confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )


class ProfileForm(PlaceMixin, FlaskForm):
    # Staff and trainers need no place; coaches do (checked in the route). The address has
    # its own page: changing it needs the password and the new address's confirmation.
    region_id = SelectField(_l("Region"), coerce=optional_int, validators=[Optional()])
    municipality_id = SelectField(_l("Municipality"), coerce=optional_int, validators=[Optional()])
    name = full_name_field()
    locale = SelectField(_l("Language"), choices=[("nl", "Nederlands"), ("en", "English")])
    wants_reminders = BooleanField(_l("Send me reminders two days before each session"))


def current_password_field() -> PasswordField:
    return PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])


class EmailChangeForm(FlaskForm):
    email = EmailField(_l("New email address"), filters=[strip],
                       validators=[DataRequired(), Length(max=254), Email(check_deliverability=False)])
    current_password = current_password_field()


class PasswordCheckForm(FlaskForm):
    """The password again, before something that matters (new recovery codes, switching the factor off)."""

    current_password = current_password_field()


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), filters=[strip], validators=[DataRequired(), Length(max=20)],
                       description=_l("The 6 digits your authenticator app shows, or one of your recovery codes."))


class SetupForm(FlaskForm):
    code = StringField(_l("Code from the app"), filters=[strip], validators=[DataRequired(), Length(max=20)],
                       description=_l("The 6 digits the app shows after you added the account."))


class ConfirmForm(FlaskForm):
    """The CSRF token of a button that confirms (an address link, a resend)."""
