"""The certificate as a document: its QR code, its page context and its PDF (also attached to mails)."""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import segno
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

import helper.pdf
from lms import clock
from lms.caching import RenderedCache
from lms.certificates.facts import certified
from lms.certificates.models import Certificate, CertificateStatus
from lms.certificates.services import status_of
from lms.config import BASE_DIR
from lms.extensions import db
from lms.helper_process import HelperProcess
from lms.mail import attachment_maker
from lms.urls import external_url

log = logging.getLogger(__name__)

# The image types a logo or signature may be, by file extension (WeasyPrint reads them all).
IMAGE_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
PLATFORM_MARK = BASE_DIR / "static" / "favicon.svg"


@lru_cache(maxsize=256)
def qr_svg(url: str, label: str) -> Markup:
    """The QR code of ``url`` as inline SVG that scales with CSS, named for screen readers."""
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(omitsize=True, svgclass="qr-code", lineclass=None)
    # role="img" with an aria-label: the code is one image with a name, not a drawing of lines.
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))


# Certificate PDFs are rendered in a helper process, so that no web worker holds WeasyPrint
# (lms/helper_process.py). It answers well within gunicorn's 30-second worker timeout, or the
# request gets an error instead of the worker being killed.
PDF_HELPER = HelperProcess("PDF helper", timeout=20)


def html_to_pdf(html: str, stylesheet: str) -> bytes:
    """A tagged PDF (PDF/UA-1) from HTML and CSS, rendered by WeasyPrint in the PDF helper (helper/pdf.py)."""
    return PDF_HELPER.call(helper.pdf.render, html, stylesheet)


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


@dataclass(frozen=True)
class Image:
    """An image for the PDF, embedded as a data: URI (the renderer fetches nothing else)."""

    src: str
    alt: str


@dataclass(frozen=True)
class Signatory:
    name: str
    role: str
    signature: Image | None


def data_uri(data: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def _image_file(setting: str) -> Path | None:
    """The file a logo or signature setting names: absolute, or under the instance folder or the project."""
    value = (current_app.config.get(setting) or "").strip()
    if not value:
        return None
    path = Path(value)
    candidates = [path] if path.is_absolute() else [Path(current_app.instance_path) / path, BASE_DIR / path]
    for candidate in candidates:
        if candidate.is_file() and candidate.suffix.lower() in IMAGE_TYPES:
            return candidate
    # A certificate is still issued and mailed without it; the operator reads why in the log.
    log.warning("%s=%s is not an SVG, PNG or JPEG file under the instance folder or the project", setting, value)
    return None


def _embedded(path: Path, alt: str) -> Image:
    return Image(src=_file_data_uri(path, path.stat().st_mtime_ns), alt=alt)


@lru_cache(maxsize=8)
def _file_data_uri(path: Path, mtime_ns: int) -> str:
    """A logo or signature file as a data: URI, read again only when the file changed."""
    return data_uri(path.read_bytes(), IMAGE_TYPES[path.suffix.lower()])


@lru_cache(maxsize=256)
def qr_data_uri(url: str) -> str:
    """The QR code of ``url`` as an SVG data: URI (for the PDF, where it is an image)."""
    return segno.make(url, error="m", micro=False).svg_data_uri(omitsize=True)


def issuer_logo() -> tuple[Image, bool]:
    """The logo at the top of the PDF, and whether it is the platform's own mark (then its name is printed beside it)."""
    name = current_app.config["PLATFORM_NAME"]
    alt = _("Logo of %(name)s", name=name)
    configured = _image_file("CERTIFICATE_LOGO")
    return (_embedded(configured, alt), False) if configured else (_embedded(PLATFORM_MARK, alt), True)


def signatory(language: str) -> Signatory:
    """Who signs the certificate (the platform when nobody is configured), the role in ``language``."""
    config = current_app.config
    name = config["CERTIFICATE_SIGNATORY_NAME"].strip() or config["PLATFORM_NAME"]
    role = config["CERTIFICATE_SIGNATORY_ROLE"].strip()
    if language == "en":
        role = config["CERTIFICATE_SIGNATORY_ROLE_EN"].strip() or role
    image = _image_file("CERTIFICATE_SIGNATURE_IMAGE")
    signature = _embedded(image, _("Signature of %(name)s", name=name)) if image else None
    return Signatory(name=name, role=role, signature=signature)


def holder_language(certificate: Certificate) -> str:
    """The certificate's PDF speaks its holder's language (Dutch when the account is gone)."""
    locale = certificate.user.locale if certificate.user else None
    return locale if locale in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def pdf_context(certificate: Certificate, now: datetime, language: str) -> dict:
    """The page's context, and what only the PDF shows: the logo, the signatory, the QR code as an image."""
    context = document_context(certificate, now)
    url = context["verify_url"]
    svg = qr_data_uri(url)
    logo, platform_mark = issuer_logo()
    return {
        **context,
        "logo": logo,
        "platform_mark": platform_mark,
        "signatory": signatory(language),
        "qr_image": Image(src=svg, alt=_("QR code to verify this certificate: %(url)s", url=url)),
    }


# The last PDFs this process rendered, by the HTML and CSS they were made from. A
# certificate is a snapshot: its page only changes when its state does (expired, revoked),
# its holder's account is removed, or the reader's language differs, and each of those
# changes the HTML, so the key. Rendering the page costs a few milliseconds, WeasyPrint a
# hundred: the PDF is rendered once and its bytes kept.
_PDFS = RenderedCache(size=32)  # some 50-100 KB each


def certificate_pdf(certificate: Certificate, now: datetime, locale: str | None = None) -> bytes:
    """The certificate as a PDF, in ``locale`` or else its holder's language."""
    language = locale or holder_language(certificate)
    with force_locale(language):
        html = render_template("certificates/pdf.html", **pdf_context(certificate, now, language))
        stylesheet = render_template("certificates/pdf.css", number=certificate.number)
        key = hashlib.sha256(html.encode() + b"\0" + stylesheet.encode()).digest()
        return _PDFS.get_or_render(key, lambda: html_to_pdf(html, stylesheet))


@attachment_maker("certificate_pdf")
def pdf_attachment(certificate_id: int, locale: str = "nl") -> bytes | None:
    """The PDF for a mail, made when the mail is sent, in the recipient's language."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        return None
    return certificate_pdf(certificate, clock.now(), locale)
