"""The certificate as a document: its QR code, its page context and its PDF (also attached to mails)."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from datetime import datetime
from functools import lru_cache

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


@lru_cache(maxsize=256)
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


class _PdfCache:
    """The last PDFs this process rendered, by the HTML and CSS they were made from.

    A certificate is a snapshot: its page only changes when its state does (expired,
    revoked), its holder's account is removed, or the reader's language differs, and each
    of those changes the HTML, so the key. Rendering the page costs a few milliseconds,
    WeasyPrint a hundred: the PDF is rendered once and its bytes kept. Losing it costs
    nothing: it is a cache, not state.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._pdfs: OrderedDict[bytes, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_render(self, html: str, stylesheet: str) -> bytes:
        key = hashlib.sha256(html.encode() + b"\0" + stylesheet.encode()).digest()
        with self._lock:
            pdf = self._pdfs.get(key)
            if pdf is not None:
                self._pdfs.move_to_end(key)
                return pdf
        pdf = html_to_pdf(html, stylesheet)
        with self._lock:
            self._pdfs[key] = pdf
            while len(self._pdfs) > self.size:
                self._pdfs.popitem(last=False)
        return pdf

    def clear(self) -> None:
        with self._lock:
            self._pdfs.clear()


_PDFS = _PdfCache(size=32)  # some 50-100 KB each


def certificate_pdf(certificate: Certificate, now: datetime) -> bytes:
    html = render_template("certificates/pdf.html", **document_context(certificate, now))
    return _PDFS.get_or_render(html, render_template("certificates/pdf.css", number=certificate.number))


@attachment_maker("certificate_pdf")
def pdf_attachment(certificate_id: int, locale: str = "nl") -> bytes | None:
    """The PDF for a mail, made when the mail is sent, in the recipient's language."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        return None
    with force_locale(locale):
        return certificate_pdf(certificate, clock.now())
