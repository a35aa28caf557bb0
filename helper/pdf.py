"""The certificate PDF, in the helper process: HTML and CSS in, a tagged PDF out (WeasyPrint).

The web worker renders the certificate's HTML (it needs the app) and sends it here through
lms/helper_process.py; only the helper loads WeasyPrint, Pango and the fonts, which would
otherwise stay in every worker that once served a PDF (issue 20). The worker imports this
module too, to name ``render``, so WeasyPrint is imported inside it, not at the top.
"""

from __future__ import annotations

import logging

# WeasyPrint reports every rendering step at INFO; that is noise in the log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def render(html: str, stylesheet: str) -> bytes:
    """A tagged PDF (PDF/UA-1) from HTML and CSS; the page size comes from the CSS.

    WeasyPrint embeds (subsets of) every font it uses, so the text reads the same
    everywhere and can be copied and searched.

    Nothing is fetched while rendering: only data: URIs are allowed, so text a user
    typed can never make the renderer reach the network or the file system.
    """
    # Imported here, so only in the helper process (see the module's docstring).
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    document = HTML(string=html, url_fetcher=fetcher, base_url=None)
    return document.write_pdf(
        stylesheets=[CSS(string=stylesheet, url_fetcher=fetcher)],
        pdf_variant="pdf/ua-1",
        pdf_tags=True,
    )
