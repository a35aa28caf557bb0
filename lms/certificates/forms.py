from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from lms.certificates.models import CHOOSABLE_REASONS
from lms.forms import strip


class VerifyForm(FlaskForm):
    number = StringField(
        _l("Certificate number"),
        filters=[strip],
        validators=[DataRequired(message=_l("Enter the number printed on the certificate.")), Length(max=64)],
        description=_l("For example WOR-2026-7K3F-9QXD. Capitals, spaces and dashes do not matter."),
    )


def _note(description) -> TextAreaField:
    return TextAreaField(_l("Internal note"), filters=[strip], description=description,
                         validators=[DataRequired(message=_l("Give the reason.")), Length(max=500)])


class RevokeForm(FlaskForm):
    public_reason = SelectField(
        _l("Reason shown to the holder and on verification"),
        choices=[("", _l("— choose a reason —"))] + [(r.value, r.label) for r in CHOOSABLE_REASONS],
        validators=[DataRequired(message=_l("Choose the reason."))],
    )
    reason = _note(_l("What happened, for staff and the audit log. Never shown to the holder, on the PDF "
                      "or on the public verification page."))


class ReissueForm(FlaskForm):
    reason = _note(_l("For example: name corrected at the holder's request. For staff and the audit log; "
                      "the old certificate's verification page says it was replaced."))
