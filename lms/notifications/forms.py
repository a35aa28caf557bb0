from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SearchField, SelectField
from wtforms.validators import Length, Optional

from lms.forms import strip
from lms.notifications.models import MailStatus

STATUS_LABELS = {
    MailStatus.PENDING: _l("Waiting"),
    MailStatus.SENDING: _l("Sending"),
    MailStatus.SENT: _l("Sent"),
    MailStatus.FAILED: _l("Failed"),
}

class OutboxFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), filters=[strip], validators=[Optional()],
                         choices=[("", _l("All statuses"))] + [(s.value, label) for s, label in STATUS_LABELS.items()])
    kind = SelectField(_l("Kind"), filters=[strip], validators=[Optional()])
    q = SearchField(_l("Recipient"), filters=[strip], validators=[Optional(), Length(max=254)])


class ResendForm(FlaskForm):
    """The CSRF token of a resend, and where to go back to afterwards."""

    next = HiddenField()
