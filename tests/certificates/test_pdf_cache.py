"""The certificate PDF is rendered once and its bytes kept; a new state is a new PDF (issue 20)."""

from __future__ import annotations

import io

from pypdf import PdfReader

from lms.certificates import documents
from lms.certificates.models import RevocationReason
from lms.certificates.services import revoke_certificate
from lms.extensions import db


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_is_rendered_once_and_again_only_when_what_it_shows_changed(
        client, auth, coach, issue, staff, now, monkeypatch):
    renders = []

    def counting(html, stylesheet):
        renders.append(html)
        return real(html, stylesheet)

    real = documents.html_to_pdf
    monkeypatch.setattr(documents, "html_to_pdf", counting)
    documents._PDFS.clear()
    certificate = issue(coach)
    auth.login(coach)
    first = client.get(f"/certificates/{certificate.id}.pdf")
    second = client.get(f"/certificates/{certificate.id}.pdf")
    assert first.status_code == second.status_code == 200
    assert second.data == first.data and len(renders) == 1
    assert "INGETROKKEN" not in _text(first.data)

    revoke_certificate(staff, certificate, "Dubbel uitgegeven", now, reason=RevocationReason.ISSUED_IN_ERROR)
    db.session.commit()
    revoked = client.get(f"/certificates/{certificate.id}.pdf")
    assert len(renders) == 2 and "INGETROKKEN" in _text(revoked.data)
    client.get(f"/certificates/{certificate.id}.pdf")
    assert len(renders) == 2
