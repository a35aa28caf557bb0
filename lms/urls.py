"""Absolute URLs on the configured public address, inside or outside a request."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import current_app
from werkzeug.routing import IntegerConverter, ValidationError

# The largest value of an INTEGER column on PostgreSQL (and far beyond any id here).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a number too large to be an id does not match (404).

    Werkzeug's converter takes any run of digits, and a database refuses a number beyond
    its integer type with an error instead of "not found".
    """

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str):
        if len(value) > len(str(MAX_ID)):
            raise ValidationError()
        return super().to_python(value)


def external_url(endpoint: str, **values) -> str:
    """The public URL of an endpoint, built on BASE_URL (for mails, QR codes and feeds)."""
    return _external_adapter(current_app.config["BASE_URL"]).build(endpoint, values, force_external=True)


def _external_adapter(base_url: str):
    """The URL map bound to BASE_URL, made once per app and base (a feed builds dozens of links)."""
    kept = current_app.extensions.get("lms_external_urls")
    if kept is None or kept[0] != base_url:
        base = urlsplit(base_url)
        adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
        kept = (base_url, adapter)
        current_app.extensions["lms_external_urls"] = kept
    return kept[1]


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target:
        return False
    for candidate in (target, unquote(target)):
        if not candidate.startswith("/") or candidate.startswith("//"):
            return False
        if "\\" in candidate or any(ord(ch) < 32 or ord(ch) == 127 for ch in candidate):
            return False
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return False
    return True
