from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired

from lms.forms import text_area


class ExportForm(FlaskForm):
    """Only the CSRF token: the download is a POST so no link can trigger it."""


class ErasureRequestForm(FlaskForm):
    reason = text_area(_l("Reason (optional)"),
                       description=_l("Only the administrators read this. You do not have to give a reason."))
    confirm = BooleanField(
        _l("I understand that my account will be removed once an administrator has handled my request."),
        validators=[DataRequired(_l("Tick the box to confirm your request."))],
    )


class WithdrawForm(FlaskForm):
    """Only the CSRF token."""


class RejectForm(FlaskForm):
    note = text_area(_l("Reason for the decision"), required=True,
                     description=_l("The person receives this reason by mail."))


class AnonymiseForm(FlaskForm):
    note = text_area(_l("Note (optional)"))
    confirm = BooleanField(
        _l("I have read the consequences; remove this account for good."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
