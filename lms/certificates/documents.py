"""The QR code and the PDF of a certificate: pure functions from text to SVG or bytes."""

from __future__ import annotations

import logging

import segno
from markupsafe import Markup, escape

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
