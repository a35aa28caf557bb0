"""The holder's pages, the PDF, public verification and the staff pages, through HTTP."""

from __future__ import annotations

import io
import re
from datetime import date

import segno
import sqlalchemy as sa
from flask_babel import force_locale
from pypdf import PdfReader

from lms.audit.models import AuditEvent
from lms.auth.models import Role
from lms.certificates.models import CHOOSABLE_REASONS, Certificate, RevocationReason
from lms.certificates.services import revoke_certificate
from lms.extensions import db
from tests.certificates.conftest import qr_modules


def verify_url(certificate) -> str:
    return f"http://localhost/verify/{certificate.verification_id}"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# The holder ---------------------------------------------------------------------------


def test_my_certificates_lists_mine_with_view_download_and_share_link(client, auth, coach, issue, make_user):
    mine = issue(coach)
    other = issue(make_user(name="Otto Ander"))
    auth.login(coach)
    page = client.get("/certificates/mine").get_data(as_text=True)
    assert mine.number in page and other.number not in page
    assert f'href="/certificates/{mine.id}"' in page
    assert f'href="/certificates/{mine.id}.pdf"' in page
    assert f'value="{verify_url(mine)}"' in page  # the copyable share link, on the public address


def test_my_certificates_when_there_are_none(client, auth, coach):
    auth.login(coach)
    assert "Je hebt nog geen certificaten" in client.get("/certificates/mine").get_data(as_text=True)


def test_start_page_panel_lists_the_coachs_certificates(client, auth, coach, issue, make_user):
    certificate = issue(coach)
    auth.login(coach)
    page = client.get("/").get_data(as_text=True)
    assert 'id="panel-certificates"' in page and certificate.number in page
    client.post("/logout")
    auth.login(make_user(Role.COACH, email="nieuw@example.org"))
    assert 'id="panel-certificates"' not in client.get("/").get_data(as_text=True)


def test_certificate_page_shows_what_was_certified_with_a_qr_code(client, auth, coach, issue):
    certificate = issue(coach)
    auth.login(coach)
    response = client.get(f"/certificates/{certificate.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in ("Cora Coach", "Basistraining welzijnscoach", certificate.number, "Registerplein", "RP-1",
                 "10 punten", "Netto opleidingsuren", "123456", verify_url(certificate)):
        assert text in page
    assert '<meta name="robots" content="noindex">' in page
    assert "<script>" not in page and "style=" not in page
    svg = re.search(r'<svg role="img".*?</svg>', page, re.S).group(0)
    assert 'aria-label="QR-code om dit certificaat te controleren' in svg


def test_qr_code_encodes_the_public_verification_url(client, auth, coach, issue):
    certificate = issue(coach)
    auth.login(coach)
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    svg = re.search(r'<svg role="img".*?</svg>', page, re.S).group(0)
    # Encode the expected payload independently and compare module by module (4-module quiet zone).
    expected = segno.make(verify_url(certificate), error="m", micro=False)
    dark = {(r + 4, c + 4) for r, row in enumerate(expected.matrix) for c, bit in enumerate(row) if bit}
    assert qr_modules(svg) == dark
    assert verify_url(certificate).startswith("http://localhost/verify/")


def test_pdf_is_tagged_a4_with_embedded_fonts_and_extractable_text(client, auth, coach, issue):
    certificate = issue(coach)
    auth.login(coach)
    response = client.get(f"/certificates/{certificate.id}.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert f'filename="certificaat-{certificate.number}.pdf"' in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    text = pdf_text(response.data)
    assert certificate.number in text and verify_url(certificate) in text
    assert "Cora Coach" in text and "Basistraining welzijnscoach" in text
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root  # tagged
    assert root["/Lang"] == "nl"
    assert certificate.number in reader.metadata.title
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        descriptor = (font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"])
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.get_object()), font["/BaseFont"]


def label(reason: RevocationReason) -> str:
    """The public reason as a Dutch page shows it."""
    with force_locale("nl"):
        return str(reason.label)


def test_revoked_certificate_says_so_on_page_and_pdf(client, auth, coach, issue, staff, now):
    """The public reason from the list is shown; the internal note only to staff."""
    certificate = issue(coach)
    revoke_certificate(staff, certificate, "Deelname bleek onvolledig", now,
                       reason=RevocationReason.REQUIREMENTS_NOT_MET)
    db.session.commit()
    auth.login(coach)
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert "INGETROKKEN: dit certificaat is niet meer geldig." in page
    assert label(RevocationReason.REQUIREMENTS_NOT_MET) in page
    assert "Deelname bleek onvolledig" not in page
    assert "Deellink" not in page  # nothing to share any more
    text = pdf_text(client.get(f"/certificates/{certificate.id}.pdf").data)
    assert "INGETROKKEN" in text and "Deelname bleek onvolledig" not in text
    assert " ".join(label(RevocationReason.REQUIREMENTS_NOT_MET).split()) in " ".join(text.split())
    mine = client.get("/certificates/mine").get_data(as_text=True)
    assert label(RevocationReason.REQUIREMENTS_NOT_MET) in mine and "Deelname bleek onvolledig" not in mine
    auth.logout()
    auth.login(staff)
    assert "Deelname bleek onvolledig" in client.get(f"/certificates/{certificate.id}").get_data(as_text=True)


def test_a_coach_cannot_see_or_download_another_coachs_certificate(client, auth, coach, issue, make_user):
    other = issue(make_user(name="Otto Ander"))
    auth.login(coach)
    assert client.get(f"/certificates/{other.id}").status_code == 404
    assert client.get(f"/certificates/{other.id}.pdf").status_code == 404
    assert client.get("/certificates/999999").status_code == 404


def test_coordinator_sees_certificates_of_their_regions_only(client, auth, coach, issue, make_user, make_cohort,
                                                             region, other_region):
    here = issue(coach, cohort=make_cohort(region=region, first=date(2026, 3, 10)))
    elsewhere = issue(make_user(region=other_region), cohort=make_cohort(region=other_region, first=date(2026, 3, 10)))
    auth.login(make_user(Role.COORDINATOR, coordinates=[region]))
    assert client.get(f"/certificates/{here.id}").status_code == 200
    assert client.get(f"/certificates/{elsewhere.id}").status_code == 404
    assert client.get("/staff/certificates").status_code == 403


# Public verification ------------------------------------------------------------------


def test_verification_shows_status_and_what_was_certified_with_minimal_personal_data(client, coach, issue):
    certificate = issue(coach)
    response = client.get(f"/verify/{certificate.verification_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Geldig: dit certificaat is uitgegeven door Landelijk Kennisnetwerk Welzijn op Recept" in page
    for text in ("Cora Coach", "Basistraining welzijnscoach", "Registerplein", "RP-1", "10 punten",
                 certificate.number, "Online dagdeel"):
        assert text in page
    assert "cora@example.org" not in page and "123456" not in page and "Registratienummer" not in page
    assert '<meta name="robots" content="noindex">' in page
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert response.headers["Cache-Control"] == "no-store"


def test_verification_of_an_expired_certificate(client, coach, issue, make_programme, make_cohort, complete):
    cohort = make_cohort(make_programme(validity_years=1), first=date(2024, 3, 12))
    certificate = issue(coach, enrolment=complete(coach, cohort))
    page = client.get(f"/verify/{certificate.verification_id}").get_data(as_text=True)
    assert "Verlopen: dit certificaat was geldig tot" in page
    assert "Cora Coach" in page


def test_verification_of_a_revoked_and_a_reissued_certificate(client, auth, coach, issue, staff):
    certificate = issue(coach)
    auth.login(staff)
    client.post(f"/staff/certificates/{certificate.id}/reissue", data={"reason": "Naam gecorrigeerd"})
    client.post("/logout")
    db.session.refresh(certificate)
    new = certificate.replaced_by
    page = client.get(f"/verify/{certificate.verification_id}").get_data(as_text=True)
    assert "Ingetrokken: dit certificaat is niet meer geldig." in page
    assert f"Reden: {label(RevocationReason.REPLACED)}" in page
    assert "Naam gecorrigeerd" not in page  # the internal note stays internal
    assert f'href="/verify/{new.verification_id}"' in page and new.number in page
    assert "Geldig" in client.get(f"/verify/{new.verification_id}").get_data(as_text=True)


def test_verify_by_number_normalises_typing(client, coach, issue):
    certificate = issue(coach)
    typed = certificate.number.lower().replace("-", " ")
    response = client.post("/verify", data={"number": typed})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/verify/{certificate.verification_id}"
    response = client.post("/verify", data={"number": certificate.number.replace("-", "")})
    assert response.headers["Location"] == f"/verify/{certificate.verification_id}"


def test_unknown_ids_and_numbers_get_the_same_plain_not_found(client, coach, issue):
    certificate = issue(coach)
    message = "Er is geen certificaat gevonden. Controleer het nummer of de link, of vraag de houder om het certificaat."
    answers = [
        client.get("/verify/" + "A" * 32),
        client.get(f"/verify/{certificate.verification_id[:-1]}"),
        client.post("/verify", data={"number": "WOR-2026-2222-2222"}),
        client.post("/verify", data={"number": "niet een nummer"}),
    ]
    for response in answers:
        page = response.get_data(as_text=True)
        assert response.status_code == 404
        assert message in page
        assert "Cora Coach" not in page
    # The form keeps what was typed.
    assert 'value="WOR-2026-2222-2222"' in answers[2].get_data(as_text=True)


def test_empty_number_is_a_field_error(client):
    response = client.post("/verify", data={"number": "  "})
    assert response.status_code == 422
    assert 'id="number-error"' in response.get_data(as_text=True)


def test_verification_is_rate_limited_per_address(app, client, coach, issue):
    app.config["VERIFY_LIMIT"] = "3 per minute"
    certificate = issue(coach)
    url = f"/verify/{certificate.verification_id}"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(url)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Te veel controles" in response.get_data(as_text=True)
    assert client.post("/verify", data={"number": certificate.number}).status_code == 429
    # Another address is counted on its own.
    assert client.get(url, environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200


# Staff ---------------------------------------------------------------------------------


def test_staff_list_searches_by_number_name_and_programme(client, auth, staff, coach, issue, make_user,
                                                          make_programme, make_cohort, complete):
    cora = issue(coach)
    otto = issue(make_user(name="Otto Ander"))
    verdieping = make_cohort(make_programme("Verdieping groepsaanbod"), first=date(2026, 5, 5))
    vera = issue(make_user(name="Vera Visser"), cohort=verdieping)
    auth.login(staff)

    def found(query: str) -> set[str]:
        page = client.get("/staff/certificates", query_string={"q": query}).get_data(as_text=True)
        return {c.number for c in (cora, otto, vera) if c.number in page}

    assert found("") == {cora.number, otto.number, vera.number}
    assert found("otto") == {otto.number}
    assert found(cora.number.lower().replace("-", " ")) == {cora.number}
    assert found(cora.number[-4:]) == {cora.number}
    assert found("verdieping") == {vera.number}
    coach.name = "Cora Nieuw"
    db.session.commit()
    assert found("cora nieuw") == {cora.number}  # the current name finds the certificate too


def test_staff_list_filters_by_status_and_serves_a_fragment(client, auth, staff, coach, issue, make_user, now):
    valid = issue(coach)
    revoked = issue(make_user(name="Otto Ander"))
    revoke_certificate(staff, revoked, "Fout", now)
    db.session.commit()
    auth.login(staff)
    response = client.get("/staff/certificates?status=revoked", htmx=True)
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="certificate-table">')
    assert "HX-Request" in response.headers["Vary"]
    assert revoked.number in body and valid.number not in body
    page = client.get("/staff/certificates?status=valid").get_data(as_text=True)
    assert valid.number in page and revoked.number not in page


def test_staff_list_is_paginated_with_a_constant_number_of_queries(app, client, auth, staff, issue, make_user,
                                                                   count_queries):
    app.config["PAGE_SIZE"] = 10
    for i in range(3):
        issue(make_user(name=f"Coach {i}"))
    auth.login(staff)
    with count_queries() as few:
        client.get("/staff/certificates")
    for i in range(3, 14):
        issue(make_user(name=f"Coach {i}"))
    with count_queries() as many:
        page = client.get("/staff/certificates").get_data(as_text=True)
    assert len(many) == len(few)
    assert "Pagina 1 van 2" in page
    assert "Pagina 2 van 2" in client.get("/staff/certificates?page=2").get_data(as_text=True)


def test_my_certificates_take_a_constant_number_of_queries(client, auth, coach, issue, complete, make_cohort,
                                                            count_queries):
    issue(coach)
    auth.login(coach)
    with count_queries() as one:
        client.get("/certificates/mine")
    for _ in range(4):
        issue(coach, cohort=make_cohort(first=date(2025, 9, 2)))
    with count_queries() as five:
        client.get("/certificates/mine")
    assert len(five) == len(one)


def test_revoke_asks_for_a_reason_then_revokes(client, auth, staff, coach, issue):
    certificate = issue(coach)
    auth.login(staff)
    page = client.get(f"/staff/certificates/{certificate.id}/revoke").get_data(as_text=True)
    assert "intrekken?" in page and 'name="reason"' in page and 'name="public_reason"' in page
    for choice in CHOOSABLE_REASONS:
        assert f'value="{choice.value}"' in page
    assert f'value="{RevocationReason.REPLACED.value}"' not in page  # a reissue says that by itself
    response = client.post(f"/staff/certificates/{certificate.id}/revoke", data={"reason": "", "public_reason": ""})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="reason-error"' in body and 'id="public_reason-error"' in body
    response = client.post(f"/staff/certificates/{certificate.id}/revoke",
                           data={"reason": "Deelname onvolledig", "public_reason": "made-up"})
    assert response.status_code == 422
    db.session.refresh(certificate)
    assert not certificate.is_revoked
    response = client.post(f"/staff/certificates/{certificate.id}/revoke",
                           data={"reason": "Deelname onvolledig", "public_reason": "issued_in_error"})
    assert response.status_code == 303 and response.headers["Location"] == f"/certificates/{certificate.id}"
    db.session.refresh(certificate)
    assert certificate.is_revoked and certificate.revoked_by_id == staff.id
    assert certificate.public_reason == RevocationReason.ISSUED_IN_ERROR
    assert certificate.revoke_reason == "Deelname onvolledig"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is ingetrokken" in page and "INGETROKKEN" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 1
    # Revoking again only says it already was.
    again = client.post(f"/staff/certificates/{certificate.id}/revoke", data={"reason": "Nog eens"})
    assert again.status_code == 303


def test_reissue_creates_a_new_certificate_with_the_corrected_name(client, auth, staff, coach, issue):
    certificate = issue(coach)
    coach.name = "Cora Coach-de Vries"
    db.session.commit()
    auth.login(staff)
    page = client.get(f"/staff/certificates/{certificate.id}/reissue").get_data(as_text=True)
    assert "Cora Coach-de Vries" in page and "Cora Coach" in page
    response = client.post(f"/staff/certificates/{certificate.id}/reissue", data={"reason": "Naam gecorrigeerd"})
    assert response.status_code == 303
    new = db.session.execute(sa.select(Certificate).where(Certificate.id != certificate.id)).scalar_one()
    assert response.headers["Location"] == f"/certificates/{new.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Cora Coach-de Vries" in page and f"Dit certificaat vervangt {certificate.number}" in page
    old_page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert "INGETROKKEN" in old_page and new.number in old_page
    actions = db.session.execute(sa.select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
    assert actions == ["certificate.revoke", "certificate.reissue"]


def test_reissue_needs_a_reason(client, auth, staff, coach, issue):
    certificate = issue(coach)
    auth.login(staff)
    response = client.post(f"/staff/certificates/{certificate.id}/reissue", data={"reason": ""})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1


def test_unknown_certificate_in_staff_pages_is_404(client, auth, staff):
    auth.login(staff)
    assert client.get("/staff/certificates/424242/revoke").status_code == 404
    assert client.post("/staff/certificates/424242/reissue", data={"reason": "x"}).status_code == 404


def test_issuing_on_completion_shows_at_once(client, auth, coach, complete, now):
    """The completion service calls issue_certificate in its own transaction: no job, no delay."""
    from lms.certificates.services import issue_certificate

    enrolment = complete(coach)
    issue_certificate(enrolment, now)
    db.session.commit()
    auth.login(coach)
    page = client.get("/certificates/mine").get_data(as_text=True)
    assert "Basistraining welzijnscoach" in page and "Geldig" in page
