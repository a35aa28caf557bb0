from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.admin.forms import MultiCheckboxField
from lms.forms import no_control_chars, strip

BODY_MAX = 50_000
OPTION_SLOTS = 6


class LessonForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200), no_control_chars])
    body = TextAreaField(
        _l("Text (Markdown)"),
        validators=[Length(max=BODY_MAX)],
        description=_l(
            "## for a heading, - for a list, [text](https://...) for a link, ![description](https://...) for an "
            "image. A video is a link to it. HTML is not allowed."
        ),
    )


class PreviewForm(FlaskForm):
    body = TextAreaField(validators=[Length(max=BODY_MAX)])


class MoveForm(FlaskForm):
    direction = SelectField(choices=[("up", _l("Up")), ("down", _l("Down"))], validators=[DataRequired()])


class QuizSettingsForm(FlaskForm):
    pass_mark = IntegerField(
        _l("Pass mark (% correct)"),
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        description=_l("The share of questions a coach needs right to pass."),
    )
    max_attempts = IntegerField(
        _l("Maximum number of attempts"),
        validators=[Optional(), NumberRange(min=1, max=100)],
        description=_l("Leave empty for unlimited retries."),
    )


class OptionForm(Form):
    text = StringField(_l("Answer"), filters=[strip], validators=[Optional(), Length(max=500), no_control_chars])
    is_correct = BooleanField(_l("Correct"))


class QuestionForm(FlaskForm):
    text = TextAreaField(_l("Question"), filters=[strip], validators=[DataRequired(), Length(max=2000)])
    explanation = TextAreaField(
        _l("Explanation (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
        description=_l("Shown to the coach after submitting."),
    )
    options = FieldList(FormField(OptionForm), label=_l("Answers"), min_entries=OPTION_SLOTS, max_entries=OPTION_SLOTS)

    def validate_options(self, field):
        from wtforms import ValidationError

        filled = [entry for entry in field.entries if (entry.form.text.data or "").strip()]
        if any(entry.form.is_correct.data and not (entry.form.text.data or "").strip() for entry in field.entries):
            raise ValidationError(_l("An answer marked correct needs a text."))
        if len(filled) < 2:
            raise ValidationError(_l("Give at least two answers."))
        if not any(entry.form.is_correct.data for entry in filled):
            raise ValidationError(_l("Mark at least one answer as correct."))


def quiz_form(module, formdata=None):
    """A form with one field per question: radio buttons, or checkboxes when several answers are correct."""

    class QuizForm(FlaskForm):
        pass

    for question in module.questions:
        choices = [(option.id, option.text) for option in question.options]
        if sum(1 for option in question.options if option.is_correct) > 1:
            field = MultiCheckboxField(
                question.text, coerce=int, choices=choices,
                validators=[DataRequired(message=_l("Choose at least one answer."))],
                description=_l("More than one answer is correct."),
            )
        else:
            field = RadioField(
                question.text, coerce=int, choices=choices,
                validators=[InputRequired(message=_l("Choose an answer."))],
            )
        setattr(QuizForm, f"q{question.id}", field)
    return QuizForm() if formdata is None else QuizForm(formdata=formdata)


def quiz_answers(form, module) -> dict[int, list[int]]:
    answers = {}
    for question in module.questions:
        data = form[f"q{question.id}"].data
        answers[question.id] = list(data) if isinstance(data, list) else ([data] if data is not None else [])
    return answers
