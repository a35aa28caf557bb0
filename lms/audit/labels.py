"""Readable names for the codes the audit log stores; unknown codes are shown as they are."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.i18n import fmt_date, fmt_datetime

ACTION_LABELS = {
    "programme.create": _l("Programme created"),
    "programme.update": _l("Programme changed"),
    "programme.archive": _l("Programme archived"),
    "programme.unarchive": _l("Programme taken out of the archive"),
    "module.create": _l("Module added"),
    "module.update": _l("Module changed"),
    "module.move": _l("Module moved"),
    "module.delete": _l("Module deleted"),
    "module.quiz_settings": _l("Quiz settings changed"),
    "session_template.create": _l("Planned session added"),
    "session_template.update": _l("Planned session changed"),
    "session_template.delete": _l("Planned session removed"),
    "lesson.create": _l("Lesson added"),
    "lesson.update": _l("Lesson changed"),
    "lesson.move": _l("Lesson moved"),
    "lesson.delete": _l("Lesson deleted"),
    "question.create": _l("Quiz question added"),
    "question.update": _l("Quiz question changed"),
    "question.move": _l("Quiz question moved"),
    "question.delete": _l("Quiz question deleted"),
    "cohort.create": _l("Cohort created"),
    "cohort.update": _l("Cohort changed"),
    "cohort.status": _l("Cohort status changed"),
    "cohort.cancel": _l("Cohort cancelled"),
    "session.create": _l("Session added"),
    "session.update": _l("Session changed"),
    "session.cancel": _l("Session cancelled"),
    "session.restore": _l("Session restored"),
    "session.delete": _l("Session removed"),
    "enrolment.add": _l("Coach added to a cohort"),
    "enrolment.approve": _l("Enrolment approved"),
    "enrolment.reject": _l("Enrolment rejected"),
    "enrolment.cancel": _l("Enrolment cancelled"),
    "enrolment.move": _l("Enrolment moved"),
    "enrolment.completed": _l("Programme completed"),
    "enrolment.completion_withdrawn": _l("Completion withdrawn"),
    "attendance.set": _l("Attendance registered"),
    "certificate.issue": _l("Certificate issued"),
    "certificate.revoke": _l("Certificate revoked"),
    "certificate.reissue": _l("Certificate reissued"),
    "user.create": _l("Account created"),
    "user.update": _l("Account changed"),
    "region.create": _l("Region added"),
    "region.update": _l("Region changed"),
    "region.delete": _l("Region deleted"),
    "municipality.create": _l("Municipality added"),
    "municipality.update": _l("Municipality changed"),
    "municipality.delete": _l("Municipality deleted"),
    "organisation.create": _l("Organisation added"),
    "organisation.update": _l("Organisation changed"),
    "organisation.delete": _l("Organisation deleted"),
    "mail.resend": _l("Mail sent again"),
}

OBJECT_LABELS = {
    "programme": _l("Programme"),
    "module": _l("Module"),
    "sessiontemplate": _l("Planned session"),
    "lesson": _l("Lesson"),
    "quiz_question": _l("Quiz question"),
    "cohort": _l("Cohort"),
    "session": _l("Session"),
    "enrolment": _l("Enrolment"),
    "attendance": _l("Attendance"),
    "certificate": _l("Certificate"),
    "user": _l("Account"),
    "region": _l("Region"),
    "municipality": _l("Municipality"),
    "organisation": _l("Organisation"),
    "outboxmail": _l("Mail"),
}

FIELD_LABELS = {
    "title": _l("Title"),
    "description": _l("Description"),
    "summary": _l("Summary"),
    "status": _l("Status"),
    "reason": _l("Reason"),
    "kind": _l("Kind"),
    "starts_at": _l("Start"),
    "ends_at": _l("End"),
    "address": _l("Address"),
    "room": _l("Room"),
    "video_url": _l("Video link"),
    "net_hours": _l("Net hours"),
    "is_required": _l("Required"),
    "capacity": _l("Capacity"),
    "enrol_opens_at": _l("Enrolment opens"),
    "enrol_closes_at": _l("Enrolment closes"),
    "trainers": _l("Trainers"),
    "region_id": _l("Region"),
    "municipality_id": _l("Municipality"),
    "organisation_id": _l("Organisation"),
    "cohort_id": _l("Cohort"),
    "user_id": _l("Account"),
    "enrolment_id": _l("Enrolment"),
    "name": _l("Name"),
    "slug": _l("Web address"),
    "email": _l("Email address"),
    "locale": _l("Language"),
    "registration_number": _l("Registration number"),
    "is_active": _l("Account is active"),
    "roles": _l("Roles"),
    "coordinator_regions": _l("Coordinated regions"),
    "password_set": _l("Password set"),
    "number": _l("Number"),
    "valid_until": _l("Valid until"),
    "revoked_at": _l("Revoked on"),
    "revoke_reason": _l("Reason for revoking"),
    "replaced_by_id": _l("Replaced by"),
    "reissue_of": _l("Replaces"),
    "holder_name": _l("Holder"),
    "archived_at": _l("Archived on"),
    "position": _l("Position"),
    "order": _l("Order"),
    "body": _l("Text"),
    "text": _l("Question"),
    "explanation": _l("Explanation"),
    "options": _l("Answers"),
    "pass_mark": _l("Pass mark"),
    "max_attempts": _l("Maximum attempts"),
    "overbooked": _l("Overbooked"),
    "enrolments_cancelled": _l("Enrolments cancelled"),
    "completed_at": _l("Completed on"),
    "day_offset": _l("Days after the start"),
    "start_time": _l("Start time"),
    "duration_minutes": _l("Duration (minutes)"),
    "accreditation_body": _l("Accreditation body"),
    "accreditation_course_id": _l("Accreditation ID"),
    "accreditation_points": _l("Accreditation points"),
    "validity_years": _l("Validity (years)"),
    "certificate_issuer": _l("Certificate issuer"),
    "cancellation_deadline_days": _l("Cancellation deadline (days)"),
    "requires_approval": _l("Requires approval"),
    "offer_hours": _l("Hours to accept an offer"),
    "contact_email": _l("Contact address"),
    "recipient": _l("Recipient"),
    "attempts": _l("Attempts"),
    "copy_of": _l("Copy of mail"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def object_label(object_type: str) -> str:
    return str(OBJECT_LABELS.get(object_type, object_type or "—"))


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


_ISO_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([+-][0-9]{2}:[0-9]{2}|Z)?",
                           re.ASCII)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_ISO_TIME = re.compile(r"[0-9]{2}:[0-9]{2}:[0-9]{2}", re.ASCII)


def _text(value) -> str:
    if isinstance(value, str):
        try:
            if _ISO_DATETIME.fullmatch(value):
                moment = datetime.fromisoformat(value)
                return fmt_datetime(moment) if moment.tzinfo is not None else value
            if _ISO_DATE.fullmatch(value):
                return fmt_date(date.fromisoformat(value))
            if _ISO_TIME.fullmatch(value):
                return time.fromisoformat(value).strftime("%H:%M")
        except ValueError:
            pass
        return value
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value) if value else "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def display_value(value, limit: int | None = None) -> str:
    """A stored value as a person reads it: local times, yes/no, lists joined; '—' for nothing."""
    if value is None or value == "":
        return "—"
    text = _text(value)
    if limit is not None and len(text) > limit:
        return text[:limit].rstrip() + "…"
    return text
