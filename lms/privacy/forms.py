from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.forms import strip


class ExportForm(FlaskForm):
    """Only the CSRF token: the download is a POST so no link can trigger it."""


class ErasureRequestForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=1000)],
        description=_l("Only the administrators read this. You do not have to give a reason."),
    )
    confirm = BooleanField(
        _l("I understand that my account will be removed once an administrator has handled my request."),
        validators=[DataRequired(_l("Tick the box to confirm your request."))],
    )


class WithdrawForm(FlaskForm):
    """Only the CSRF token."""


class RejectForm(FlaskForm):
    note = TextAreaField(
        _l("Reason for the decision"),
        filters=[strip],
        validators=[DataRequired(), Length(max=1000)],
        description=_l("The person receives this reason by mail."),
    )


class AnonymiseForm(FlaskForm):
    note = TextAreaField(_l("Note (optional)"), filters=[strip], validators=[Optional(), Length(max=1000)])
    confirm = BooleanField(
        _l("I have read the consequences; remove this account for good."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
