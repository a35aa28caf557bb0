"""The lesson renderer against ordinary and hostile Markdown."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from lms.learning.markdown import TAGS, render_markdown, sanitise


def elements(html: str) -> list[tuple[str, dict]]:
    """Every element the browser would build from this HTML, with its attributes."""
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collector().feed(str(html))
    return found


def assert_harmless(html: str) -> None:
    for tag, attrs in elements(html):
        assert tag in TAGS, (tag, html)
        for name, value in attrs.items():
            assert not name.startswith(("on", "hx-", "data-")) and name not in ("style", "srcdoc"), (name, html)
            if name in ("href", "src"):
                assert (value or "").lower().startswith(("https:", "http:", "mailto:")), (value, html)


def test_ordinary_markdown():
    html = render_markdown(
        "# Kop\n\n## Onderkop\n\nEen *nadruk* en **vet**.\n\n- een\n- twee\n\n1. eerst\n2. dan\n\n"
        "[Kennisnetwerk](https://www.welzijnoprecept.nl) en [mail](mailto:info@example.org)\n\n"
        "![Spinnenweb](https://example.org/web.png)\n\n<https://www.youtube.com/watch?v=abc>"
    )
    # The lesson title is the page's h1: the text's headings move one level down.
    assert "<h2>Kop</h2>" in html and "<h3>Onderkop</h3>" in html and "<h1" not in html
    assert "<em>nadruk</em>" in html and "<strong>vet</strong>" in html
    assert "<ul>" in html and "<ol>" in html
    assert '<a href="https://www.welzijnoprecept.nl" rel="noopener noreferrer nofollow">Kennisnetwerk</a>' in html
    assert 'href="mailto:info@example.org"' in html
    assert '<img src="https://example.org/web.png" alt="Spinnenweb" loading="lazy">' in html
    # A video is a plain link, never an embedded player.
    assert '<a href="https://www.youtube.com/watch?v=abc"' in html
    assert "<iframe" not in html and "<video" not in html


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="/x" onclick="alert(1)">klik</a>',
    '<div hx-get="/admin/users" hx-trigger="load">x</div>',
    '<button data-hx-post="/logout" data-confirm="x">x</button>',
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{display:none}</style>",
])
def test_raw_html_is_never_rendered(hostile):
    html = render_markdown(f"Tekst\n\n{hostile}\n\nmeer")
    assert_harmless(html)
    assert [tag for tag, _attrs in elements(html)] == ["p", "p", "p"]  # the HTML is shown as text


@pytest.mark.parametrize("link", [
    "[klik](javascript:alert(1))",
    "[klik](JaVaScRiPt:alert(document.cookie))",
    "[klik](java&#x09;script:alert(1))",
    "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[klik](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    "<javascript:alert(1)>",
])
def test_dangerous_links_lose_their_target(link):
    assert_harmless(render_markdown(link))


def test_sanitiser_on_hostile_html_directly():
    """Defence in depth: even if the renderer let HTML through, the allow-list holds."""
    cleaned = sanitise(
        '<p onclick="x()" hx-get="/a" data-x="1" style="color:red">tekst</p>'
        '<a href="javascript:alert(1)" hx-post="/logout">a</a>'
        '<a href="/relatief">r</a><a href="https://ok.example" target="_blank">ok</a>'
        '<img src="mailto:x@example.org"><img src="https://ok.example/i.png" onload="x()">'
        "<script>alert(1)</script><form action=/x><input name=a></form>"
    )
    assert_harmless(cleaned)
    assert cleaned.startswith("<p>tekst</p>")
    for bad in ("onclick", "hx-", "data-", "style", "javascript", "/relatief", "target", "mailto", "onload",
                "<script", "alert(1)", "<form", "<input"):
        assert bad not in cleaned, (bad, cleaned)
    assert '<a href="https://ok.example" rel="noopener noreferrer nofollow">ok</a>' in cleaned
    assert 'src="https://ok.example/i.png"' in cleaned


def test_empty_text():
    assert render_markdown("") == "" and render_markdown(None) == ""
