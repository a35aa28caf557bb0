from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation

from lms.admin.forms import MultiCheckboxField
from lms.forms import IntegerField, no_control_chars, strip, text_area

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
        _l("Pass mark (percentage of questions right)"),
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        description=_l("The share of questions a coach needs right to pass."),
    )
    max_attempts = IntegerField(
        _l("Maximum number of attempts"),
        validators=[Optional(), NumberRange(min=1, max=100)],
        description=_l("Leave empty for unlimited retries."),
    )


class AnswerSlots:
    """The answer slots seen as one field: where messages about the answers as a whole go."""

    def __init__(self):
        self.errors: list = []


class QuestionForm(FlaskForm):
    """A question with OPTION_SLOTS answer slots (option_0 / correct_0 ...); empty slots are ignored.

    Messages about the answers as a whole (too few, none correct) are in ``form.answers.errors``;
    a service refusal naming the field ``answers`` lands there too.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.answers = AnswerSlots()

    text = text_area(_l("Question"), required=True, max_length=2000)
    explanation = text_area(_l("Explanation (optional)"), max_length=2000,
                            description=_l("Shown to the coach after submitting."))

    def slots(self):
        return [(self[f"option_{i}"], self[f"correct_{i}"]) for i in range(OPTION_SLOTS)]

    def fill_options(self, options) -> None:
        for (text, correct), option in zip(self.slots(), options):
            text.data, correct.data = option.text, option.is_correct

    def options(self) -> list[tuple[str, bool]]:
        return [(text.data or "", bool(correct.data)) for text, correct in self.slots()]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        errors = self.answers.errors = []
        filled = [(t, c) for t, c in self.slots() if (t.data or "").strip()]
        if any(c.data and not (t.data or "").strip() for t, c in self.slots()):
            errors.append(_l("An answer marked correct needs a text."))
        elif len(filled) < 2:
            errors.append(_l("Give at least two answers."))
        elif not any(c.data for _t, c in filled):
            errors.append(_l("Mark at least one answer as correct."))
        return valid and not errors


for _i in range(OPTION_SLOTS):
    setattr(QuestionForm, f"option_{_i}", StringField(
        _l("Answer %(number)d", number=_i + 1), filters=[strip],
        validators=[Optional(), Length(max=500), no_control_chars]))
    setattr(QuestionForm, f"correct_{_i}", BooleanField(_l("Answer %(number)d is correct", number=_i + 1)))


class AtLeastOne:
    """Like DataRequired, without the ``required`` flag: on checkboxes it would demand every box."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if not field.data:
            raise StopValidation(self.message)


def quiz_form(module, formdata=None):
    """A form with one field per question: radio buttons, or checkboxes when several answers are correct."""

    class QuizForm(FlaskForm):
        pass

    for question in module.questions:
        choices = [(option.id, option.text) for option in question.options]
        if sum(1 for option in question.options if option.is_correct) > 1:
            field = MultiCheckboxField(
                question.text, coerce=int, choices=choices,
                validators=[AtLeastOne(_l("Choose at least one answer."))],
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
