"""The certificate as a document: its QR code, its page context and its PDF (also attached to mails)."""

from __future__ import annotations

import logging
from datetime import datetime

import segno
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from lms import clock
from lms.certificates.facts import certified
from lms.certificates.models import Certificate, CertificateStatus
from lms.certificates.services import status_of
from lms.extensions import db
from lms.mail import attachment_maker
from lms.urls import external_url

# WeasyPrint reports every rendering step at INFO; that is noise in the app's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def qr_svg(url: str, label: str) -> Markup:
    """The QR code of ``url`` as inline SVG that scales with CSS, named for screen readers."""
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(omitsize=True, svgclass="qr-code", lineclass=None)
    # role="img" with an aria-label: the code is one image with a name, not a drawing of lines.
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))


def html_to_pdf(html: str, stylesheet: str) -> bytes:
    """A tagged PDF (PDF/UA-1) from HTML and CSS; the page size comes from the CSS.

    WeasyPrint embeds (subsets of) every font it uses, so the text reads the same
    everywhere and can be copied and searched.

    Nothing is fetched while rendering: only data: URIs are allowed, so text a user
    typed can never make the renderer reach the network or the file system.
    """
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    document = HTML(string=html, url_fetcher=fetcher, base_url=None)
    return document.write_pdf(
        stylesheets=[CSS(string=stylesheet, url_fetcher=fetcher)],
        pdf_variant="pdf/ua-1",
        pdf_tags=True,
    )


def verify_url(certificate: Certificate) -> str:
    return external_url("certificates.verify", verification_id=certificate.verification_id)


def document_context(certificate: Certificate, now: datetime) -> dict:
    """What the certificate page, its print and its PDF show."""
    url = verify_url(certificate)
    return {
        "certificate": certificate,
        "facts": certified(certificate),
        "state": status_of(certificate, now),
        "statuses": CertificateStatus,
        "verify_url": url,
        "qr": qr_svg(url, _("QR code to verify this certificate: %(url)s", url=url)),
    }


def certificate_pdf(certificate: Certificate, now: datetime) -> bytes:
    html = render_template("certificates/pdf.html", **document_context(certificate, now))
    return html_to_pdf(html, render_template("certificates/pdf.css", number=certificate.number))


@attachment_maker("certificate_pdf")
def pdf_attachment(certificate_id: int, locale: str = "nl") -> bytes | None:
    """The PDF for a mail, made when the mail is sent, in the recipient's language."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        return None
    with force_locale(locale):
        return certificate_pdf(certificate, clock.now())
