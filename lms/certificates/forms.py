from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from lms.forms import strip


class VerifyForm(FlaskForm):
    number = StringField(
        _l("Certificate number"),
        filters=[strip],
        validators=[DataRequired(message=_l("Enter the number printed on the certificate.")), Length(max=64)],
        description=_l("For example WOR-2026-7K3F-9QXD. Capitals, spaces and dashes do not matter."),
    )


def _reason(description) -> TextAreaField:
    return TextAreaField(_l("Reason"), filters=[strip], description=description,
                         validators=[DataRequired(message=_l("Give the reason.")), Length(max=500)])


class RevokeForm(FlaskForm):
    reason = _reason(_l("Shown on the public verification page."))


class ReissueForm(FlaskForm):
    reason = _reason(_l("For example: name corrected at the holder's request. "
                        "Shown on the old certificate's verification page."))
