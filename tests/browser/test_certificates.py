"""From completion to an employer checking the certificate through its share link, in a real browser."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from lms.auth.models import Role
from lms.certificates.services import issue_certificate
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from tests.factories import PASSWORD


def _complete(user, cohort):
    """What the completion service does when the programme's rule is met: complete and issue at once."""
    enrolment = Enrolment(cohort=cohort, user=user, programme_id=cohort.programme_id,
                          status=EnrolmentStatus.COMPLETED, completed_at=max(s.ends_at for s in cohort.sessions))
    db.session.add(enrolment)
    db.session.flush()
    certificate = issue_certificate(enrolment, enrolment.completed_at)
    db.session.commit()
    return certificate


def test_completion_to_anonymous_verification_via_share_link(page, live_server, make_user, make_cohort):
    coach = make_user(Role.COACH, name="Sanne Bakker", email="sanne@example.org")
    certificate = _complete(coach, make_cohort(first=date(2026, 3, 10), title="Achterhoek voorjaar 2026"))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)

    page.goto("/login")
    page.get_by_label("E-mailadres").fill("sanne@example.org")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    # The start page shows the new certificate at once.
    expect(page.locator("#panel-certificates")).to_contain_text(certificate.number)
    page.get_by_role("link", name="Mijn certificaten").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn certificaten")

    share = page.get_by_label("Deellink voor werkgevers en registers")
    link = share.input_value()
    assert link == f"{live_server.url}/verify/{certificate.verification_id}"
    page.get_by_role("button", name="Link kopiëren").click()
    expect(page.get_by_role("button", name="Gekopieerd")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link

    page.get_by_role("link", name="Bekijken").click()
    expect(page.locator("#certificate")).to_contain_text("Sanne Bakker")
    expect(page.locator("#certificate svg[role=img]")).to_be_visible()

    page.get_by_role("button", name="Uitloggen").click()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Certificaat {certificate.number}")
    expect(page.locator(".verification-verdict")).to_contain_text("Geldig")
    expect(page.locator("#verification")).to_contain_text("Sanne Bakker")
    expect(page.locator("#verification")).to_contain_text("Basistraining welzijnscoach")
    expect(page.locator("#verification")).not_to_contain_text("sanne@example.org")


def test_verify_by_typed_number(page, make_user, make_cohort):
    coach = make_user(Role.COACH, name="Sanne Bakker")
    certificate = _complete(coach, make_cohort(first=date(2026, 3, 10)))
    page.goto("/verify")
    page.get_by_label("Certificaatnummer").fill(certificate.number.lower().replace("-", " "))
    page.get_by_role("button", name="Controleren").click()
    expect(page.locator(".verification-verdict")).to_contain_text("Geldig")
    page.get_by_role("link", name="Een ander certificaat controleren").click()
    page.get_by_label("Certificaatnummer").fill("WOR-2026-2222-2222")
    page.get_by_role("button", name="Controleren").click()
    expect(page.get_by_role("alert")).to_contain_text("Er is geen certificaat gevonden")
