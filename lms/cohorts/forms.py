from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.cohorts.models import STATUS_LABELS
from lms.forms import (
    DayField,
    FilterForm,
    FiniteDecimalField,
    IntegerField,
    https_url,
    no_control_chars,
    optional_int,
    strip,
)
from lms.programmes.forms import KIND_LABELS
from lms.programmes.models import SessionKind


class CohortSettingsMixin:
    title = StringField(_l("Name of the group"), filters=[strip],
                        validators=[DataRequired(), Length(max=200), no_control_chars],
                        description=_l("For example “Achterhoek voorjaar 2027”."))
    region_id = SelectField(_l("Region"), coerce=optional_int, validators=[DataRequired()])
    municipality_id = SelectField(_l("Municipality (optional)"), coerce=optional_int, validators=[Optional()])
    capacity = IntegerField(_l("Capacity (seats)"), default=16, validators=[InputRequired(), NumberRange(min=1, max=500)])
    enrol_opens_on = DayField(_l("Enrolment opens on (optional)"), validators=[Optional()])
    enrol_closes_on = DayField(_l("Enrolment closes on (optional)"), validators=[Optional()],
                                description=_l("At the end of that day; before the first session."))
    description = TextAreaField(_l("Information for coaches (optional)"), filters=[strip],
                                validators=[Optional(), Length(max=5000)], render_kw={"rows": 3})
    trainers = SelectMultipleField(_l("Trainers"), coerce=int, validators=[Optional()],
                                   description=_l("Hold Ctrl (or Cmd) to choose several."))


class NewCohortForm(CohortSettingsMixin, FlaskForm):
    programme_id = SelectField(_l("Programme"), coerce=optional_int, validators=[DataRequired()])
    first_day = DayField(_l("Date of the first session"), validators=[InputRequired()],
                          description=_l("The other sessions follow the programme's pattern; you can adjust each one afterwards."))
    address = StringField(_l("Address of the in-person meetings (optional)"), filters=[strip],
                          validators=[Optional(), Length(max=300), no_control_chars])
    video_url = URLField(_l("Video link of the online session (optional)"), filters=[strip],
                         validators=[Optional(), Length(max=500), https_url])


class CohortForm(CohortSettingsMixin, FlaskForm):
    confirm = BooleanField(_l("Yes, I understand who is affected"))


class StatusForm(FlaskForm):
    status = SelectField(choices=[(s.value, label) for s, label in STATUS_LABELS.items()])


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[DataRequired(), Length(max=500)],
                           render_kw={"rows": 2},
                           description=_l("Participants see this reason."))
    confirm = BooleanField(_l("Yes, I understand who is affected"))


class SessionForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[(k.value, label) for k, label in KIND_LABELS.items()])
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200), no_control_chars])
    day = DayField(_l("Date"), validators=[InputRequired()])
    start = TimeField(_l("Start"), validators=[DataRequired()])
    end = TimeField(_l("End"), validators=[DataRequired()])
    address = StringField(_l("Address"), filters=[strip], validators=[Optional(), Length(max=300), no_control_chars],
                          description=_l("For in-person sessions."))
    room = StringField(_l("Room (optional)"), filters=[strip], validators=[Optional(), Length(max=100), no_control_chars])
    video_url = URLField(_l("Video link"), filters=[strip], validators=[Optional(), Length(max=500), https_url],
                         description=_l("For online sessions; only enrolled coaches and trainers see it."))
    net_hours = FiniteDecimalField(_l("Net training hours"), places=2, default=0, validators=[Optional(), NumberRange(min=0, max=24)])
    is_required = BooleanField(_l("Attendance required for completion"), default=True)

    def validate_end(self, field):
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The end must be after the start."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Which of address and link is needed depends on the kind; Optional() stops per-field checks.
        if self.kind.data == SessionKind.IN_PERSON.value and not self.address.data:
            self.address.errors = list(self.address.errors) + [_l("An in-person session needs an address.")]
            valid = False
        if self.kind.data == SessionKind.ONLINE.value and not self.video_url.data:
            self.video_url.errors = list(self.video_url.errors) + [
                _l("An online session needs a video link starting with https://.")]
            valid = False
        return valid


class CohortFilterForm(FilterForm):
    programme = SelectField(_l("Programme"), coerce=optional_int, validators=[Optional()])
    region = SelectField(_l("Region"), coerce=optional_int, validators=[Optional()])
    status = SelectField(_l("Status"), filters=[strip], validators=[Optional()],
                         choices=[("", _l("All statuses"))] + [(s.value, label) for s, label in STATUS_LABELS.items()])
    starts_from = DayField(_l("Starting from"), validators=[Optional()])
    starts_until = DayField(_l("Starting until"), validators=[Optional()])
