"""Every kind of mail has a readable name, registered by the feature that sends it, and the outbox shows it."""

from __future__ import annotations

import re
from pathlib import Path

from lms.auth.models import Role
from lms.enrolment.notices import EnrolmentMail
from lms.notifications.kinds import KIND_LABELS, kind_label
from lms.notifications.models import MailStatus
from tests.notifications.test_routes import add_mail

LMS = Path(__file__).resolve().parents[2] / "lms"


def kinds_in_the_source() -> set[str]:
    """Kinds queued by name (kind="...", template=kind with a literal, KIND = "...") and the enrolment mails."""
    found = {f"enrolment_{kind}" for kind in EnrolmentMail}
    for path in LMS.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'\bkind="([a-z_]+)", template=', text))
        found |= set(re.findall(r'^KIND = "([a-z_]+)"', text, re.M))
        found |= set(re.findall(r'_(?:queue|mail)\(\w+, "([a-z_]+)", now', text))
        found |= set(re.findall(r'_send\("([a-z_]+)", ', text))
    return found


def test_every_kind_of_mail_has_a_label(app):
    kinds = kinds_in_the_source()
    assert {"welcome", "erasure_requested", "interest_confirm", "session_reminder"} <= kinds
    assert sorted(kinds - set(KIND_LABELS)) == []


def test_the_outbox_shows_labels_not_codes(client, auth, make_user):
    admin = make_user(Role.ADMIN)
    coach = make_user(Role.COACH, email="cora@example.org")
    add_mail(coach, kind="erasure_requested", status=MailStatus.SENT, subject="Verzoek ontvangen")
    auth.login(admin)
    page = client.get("/admin/mail").get_data(as_text=True)
    assert kind_label("erasure_requested") != "erasure_requested"
    assert "erasure_requested</" not in page and ">erasure_requested<" not in page
    assert kind_label("erasure_requested") in page
