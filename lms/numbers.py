"""Whole numbers typed by people: checked for form and range before any arithmetic or SQL.

``int()`` takes 400 digits, "٣" and "1_000"; a database refuses a number beyond its column
with an error, and Python's own conversions (``float``, ``date``) overflow. Every integer
from a query string or a form goes through ``bounded_int`` (the form field in lms/forms.py,
query arguments through ``int_arg``, the page of every list through lms/extensions.py), so
an impossible number is "not found" or a message at the field, never an error page.
"""

from __future__ import annotations

import re

from flask import abort, request

from lms.urls import MAX_ID

# No list here has anywhere near this many pages; a larger page number is a made-up link.
MAX_PAGE = 100_000

_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)


def is_integer_text(text: object) -> bool:
    """ASCII digits with an optional sign (no "²", "٣", "1_000", "1e3" or spaces inside)."""
    return isinstance(text, str) and _INTEGER.fullmatch(text.strip()) is not None


def bounded_int(text: object, minimum: int, maximum: int) -> int | None:
    """The integer ``text`` spells if it lies in [minimum, maximum]; None otherwise."""
    if not is_integer_text(text):
        return None
    text = text.strip()
    sign = "-" if text.startswith("-") else ""
    digits = text.lstrip("+-").lstrip("0") or "0"
    if len(digits) > len(str(max(abs(minimum), abs(maximum)))):
        return None  # far out of range: no need to convert it at all
    number = int(sign + digits)
    return number if minimum <= number <= maximum else None


def int_arg(name: str, default: int | None = None, *, minimum: int = 1, maximum: int = MAX_ID,
            invalid: int = 404) -> int | None:
    """A query argument that must be a whole number in range: absent or empty gives ``default``.

    Anything else answers ``invalid`` (404: a page that does not exist; 400 for a bad filter).
    """
    text = request.args.get(name, "")
    if text.strip() == "":
        return default
    number = bounded_int(text, minimum, maximum)
    if number is None:
        abort(invalid)
    return number


def page_arg() -> int:
    """The page of a list (``?page=``): 1 when absent, 404 when it cannot be a page."""
    return int_arg("page", 1, minimum=1, maximum=MAX_PAGE)
