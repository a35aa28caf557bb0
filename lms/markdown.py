"""Markdown to safe HTML (lessons, programme and cohort descriptions): markdown-it-py renders,
nh3 keeps only an allow-list. Templates use it as the ``markdown`` filter (lms/templating.py).

Raw HTML in the Markdown is not rendered at all (it shows as text), and whatever the
renderer produces passes the sanitiser anyway: no scripts, no event handlers, no
``hx-*`` or ``data-*`` attributes, and links and images only with http(s) (links also
mailto). Video links stay plain links; nothing is embedded.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = {
    "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "strong", "em", "del", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


def _only_web_images(tag: str, attribute: str, value: str) -> str | None:
    # mailto: is fine for a link, never for an image.
    if tag == "img" and attribute == "src" and urlsplit(value).scheme.lower() not in ("http", "https"):
        return None
    return value


_cleaner = nh3.Cleaner(
    tags=TAGS,
    clean_content_tags={"script", "style"},
    attributes=ATTRIBUTES,
    attribute_filter=_only_web_images,
    url_schemes=URL_SCHEMES,
    url_relative="deny",
    link_rel="noopener noreferrer nofollow",
    set_tag_attribute_values={"img": {"loading": "lazy"}},
    strip_comments=True,
)


def _shift_heading(self, tokens, idx, options, env):
    # The text sits under the page's own headings: its "#" becomes env["top"] (h2 under a page's h1).
    token = tokens[idx]
    token.tag = f"h{min(int(token.tag[1]) + env.get('top', 2) - 1, 6)}"
    return self.renderToken(tokens, idx, options, env)


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("heading_open", _shift_heading)
    md.add_render_rule("heading_close", _shift_heading)
    return md


_md = _renderer()


def sanitise(html: str) -> str:
    """Keep only the allowed tags, attributes and URL schemes."""
    return _cleaner.clean(html)


def render_markdown(text: str | None, top: int = 2) -> Markup:
    """Markdown as sanitised HTML, safe to put in a page; its headings start at ``h<top>``."""
    if not text:
        return Markup("")
    return Markup(sanitise(_md.render(text, {"top": max(2, min(top, 6))})))
