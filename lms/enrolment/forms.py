from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from lms.enrolment.models import STATUS_LABELS as STATUS_LABELS  # still read here by lms/templating.py
from lms.forms import IntegerField, optional_int, strip
from lms.urls import MAX_ID


class ActionForm(FlaskForm):
    """The CSRF token of a one-click action."""


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[DataRequired(), Length(max=500)],
                           render_kw={"rows": 2}, description=_l("The coach sees this reason."))


class AddCoachForm(FlaskForm):
    user_id = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])
    overbook = BooleanField(_l("Yes, place this coach beyond the capacity"))


class MoveForm(FlaskForm):
    cohort_id = SelectField(_l("Move to"), coerce=optional_int, validators=[DataRequired()])
    overbook = BooleanField(_l("Yes, place this coach beyond the capacity of that group"))


class InterestForm(FlaskForm):
    programme_id = HiddenField(validators=[DataRequired()])


class VisitorInterestForm(FlaskForm):
    """A visitor's wish to hear when a group opens in a region; the programme is optional."""

    email = EmailField(_l("Email address"), filters=[strip],
                       validators=[DataRequired(), Length(max=254), Email(check_deliverability=False)])
    region_id = SelectField(_l("Region"), coerce=optional_int, validators=[DataRequired()])
    programme_id = SelectField(_l("Training"), coerce=optional_int, validators=[Optional()])
