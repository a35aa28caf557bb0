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

KIND_LABELS = {
    "welcome": _l("Welcome"),
    "invitation": _l("Invitation"),
    "password_reset": _l("Password reset"),
    "no_account": _l("Password reset: no account"),
    "confirm_address": _l("Confirm address"),
    "confirm_new_address": _l("Confirm new address"),
    "address_change_notice": _l("Address change: notice to the old address"),
    "address_in_use": _l("Address already in use"),
    "two_factor_reset": _l("Second login step reset"),
    "enrolment_enrolled": _l("Enrolment: enrolled"),
    "enrolment_pending": _l("Enrolment: received"),
    "enrolment_approved": _l("Enrolment: confirmed"),
    "enrolment_rejected": _l("Enrolment: not admitted"),
    "enrolment_waitlisted": _l("Enrolment: waitlist"),
    "enrolment_offered": _l("Enrolment: seat offered"),
    "enrolment_offer_reminder": _l("Enrolment: offer reminder"),
    "enrolment_offer_expired": _l("Enrolment: offer expired"),
    "enrolment_moved": _l("Enrolment: moved"),
    "enrolment_cancelled": _l("Enrolment: cancelled"),
    "interest_cohort_open": _l("New group in the region"),
    "certificate_expiry": _l("Certificate expires"),
    "certificate_issued": _l("Certificate issued"),
    "certificate_revoked": _l("Certificate revoked"),
    "certificate_reissued": _l("Certificate reissued"),
    "completion_withdrawn": _l("Completion withdrawn (staff)"),
    "completion_withdrawn_coach": _l("Completion withdrawn"),
    "session_reminder": _l("Session reminder"),
    "session_change": _l("Session changed"),
    "cohort_cancelled": _l("Group cancelled"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


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
