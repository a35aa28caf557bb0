"""Every string in both languages: a pseudo-locale renders every page of every role with every
translated string wrapped in markers; visible text outside the markers (user data aside) was
not translated.

The pseudo-locale replaces the catalogue, not the locale: dates and numbers are still formatted
in Dutch, so Dutch day and month names are allowed, like digits and punctuation.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from babel import Locale
from babel.support import NullTranslations
from flask_babel import Domain

from lms.extensions import db
from tests.quality.crawl import pages
from tests.world import world  # noqa: F401 - the shared world fixture

OPEN, CLOSE = "⟪", "⟫"


class PseudoTranslations(NullTranslations):
    """Every message comes back wrapped in markers, with its placeholders intact."""

    def gettext(self, message):
        return f"{OPEN}{message}{CLOSE}"

    def ngettext(self, singular, plural, n):
        return f"{OPEN}{singular if n == 1 else plural}{CLOSE}"

    def pgettext(self, context, message):
        return self.gettext(message)

    def npgettext(self, context, singular, plural, n):
        return self.ngettext(singular, plural, n)

    ugettext = gettext
    ungettext = ngettext


@pytest.fixture
def pseudo(monkeypatch):
    monkeypatch.setattr(Domain, "get_translations", lambda self: PseudoTranslations())


# Visible text: text nodes outside script/style, and the attributes people read or hear.
VISIBLE_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "data-confirm"}
VALUE_INPUTS = {"submit", "button", "reset"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    # Codes shown as codes (an audit action's code) are not language.
    SKIPPED = ("script", "style", "template", "code", "kbd", "samp")

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.SKIPPED:
            self._skip += 1
        for name in VISIBLE_ATTRIBUTES & attrs.keys():
            self.parts.append(attrs[name] or "")
        if tag == "input" and (attrs.get("type") or "") in VALUE_INPUTS and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return [p for p in parser.parts if p.strip()]


def _without_markers(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = re.sub(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", " ", text)
    return text


# Columns that hold people's own words (names, titles, addresses, texts): user data.
DATA_COLUMNS = re.compile(r"(name|title|email|address|room|description|body|text|explanation|summary|reason|note|"
                          r"holder|number|url|contact|issuer|subject|registration|recipient|course_id|error)")
# The language switch names each language in that language, so its speakers find it.
LANGUAGE_SWITCH = {"English", "Nederlands", "Switch to English", "Schakel over naar Nederlands"}
URL = re.compile(r"(https?|webcal|mailto):\S+|\S+@\S+\.\w+")


def _user_data_words() -> set[str]:
    words: set[str] = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns
                   if isinstance(c.type, (sa.String, sa.Text)) and not isinstance(c.type, sa.Enum)
                   and DATA_COLUMNS.search(c.name)]
        if not columns:
            continue
        for row in db.session.execute(sa.select(*columns)).all():
            for value in row:
                if isinstance(value, str):
                    words.update(w.lower() for w in re.findall(r"[^\W\d_]+", value))
        # Snapshots and other JSON hold names too.
        for column in table.columns:
            if isinstance(column.type, sa.JSON):
                for (value,) in db.session.execute(sa.select(column)).all():
                    words.update(w.lower() for w in re.findall(r"[^\W\d_]+", str(value or "")))
    return words


def _formatting_words() -> set[str]:
    """Dutch day and month names and the like, which Babel writes when it formats dates."""
    locale = Locale("nl")
    words = set()
    for names in (locale.days, locale.months):
        for width in names.values():
            for kind in width.values():
                for name in kind.values():
                    words.update(w.lower() for w in re.findall(r"[^\W\d_]+", name))
    return words


def test_every_visible_string_comes_from_the_catalogue(app, world, pseudo):  # noqa: F811
    allowed = _user_data_words() | _formatting_words() | {
        w.lower() for w in re.findall(r"[^\W\d_]+", app.config["PLATFORM_NAME"])}
    problems = []
    for page in pages(app, world):
        for part in visible_text(page.html):
            if part.strip() in LANGUAGE_SWITCH:
                continue
            rest = URL.sub(" ", _without_markers(part))
            words = [w for w in re.findall(r"[^\W\d_]+", rest) if w.lower() not in allowed]
            if words:
                problems.append(f"{page.label}: {' '.join(rest.split())[:120]!r}")
    unique = sorted(set(problems))
    by_text: dict[str, list[str]] = {}
    for problem in unique:
        where, text = problem.rsplit(": ", 1)
        by_text.setdefault(text, []).append(where)
    report = [f"{text} ({len(places)}x, e.g. {places[0]})" for text, places in sorted(by_text.items())]
    assert report == [], f"{len(report)} texts outside the catalogue:\n" + "\n".join(report)
