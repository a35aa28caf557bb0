"""Readable names for what the audit log stores, registered by the feature that records it.

Each feature registers its actions (with the message its summary is rendered from), its
object types and the fields of its before/after values, from its own package; the log
shows them in the reader's language. Unknown codes are shown as they are, and events
stored before summaries had parameters show their stored text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.i18n import fmt_date, fmt_datetime


@dataclass(frozen=True)
class Action:
    label: Any  # a lazy string
    summary: Any = None  # a lazy string with %(name)s parameters, or None: the summary is the object's name


ACTIONS: dict[str, Action] = {}
# Events recorded before round 2 with ``current_user`` as their object stored the proxy's type.
OBJECT_LABELS: dict[str, Any] = {"localproxy": _l("Account")}
FIELD_LABELS: dict[str, Any] = {
    # Fields every feature uses.
    "title": _l("Title"),
    "description": _l("Description"),
    "status": _l("Status"),
    "reason": _l("Reason"),
    "name": _l("Name"),
    "position": _l("Position"),
}


# Coded values of summary parameters, shown by their label: {parameter: {code: label}}.
VALUE_LABELS: dict[str, dict[str, Any]] = {}


def register(*, actions: dict[str, tuple] | None = None, objects: dict[str, Any] | None = None,
             fields: dict[str, Any] | None = None, values: dict[str, dict[str, Any]] | None = None) -> None:
    """Register a feature's audit vocabulary: ``actions`` maps a code to (label,) or (label, summary);
    ``values`` labels the codes a summary parameter may hold."""
    for code, spec in (actions or {}).items():
        ACTIONS[code] = Action(*spec)
    OBJECT_LABELS.update(objects or {})
    FIELD_LABELS.update(fields or {})
    for name, labels in (values or {}).items():
        VALUE_LABELS.setdefault(name, {}).update(labels)


def action_label(action: str) -> str:
    known = ACTIONS.get(action)
    return str(known.label) if known else action


def summary_text(event) -> str:
    """The event's summary in the reader's language: its action's message with the stored parameters."""
    params = event.params
    known = ACTIONS.get(event.action)
    if params is None or known is None:
        return event.summary or ""
    if known.summary is None:
        return str(params.get("name", "")) or event.summary or ""
    values = {key: _param(key, value) for key, value in params.items()}
    try:
        return str(known.summary) % values
    except (KeyError, TypeError, ValueError):
        return event.summary or ""


def _param(key: str, value) -> str:
    if not isinstance(value, str):
        return display_value(value)
    label = VALUE_LABELS.get(key, {}).get(value)
    return str(label) if label is not None else value


def object_label(object_type: str) -> str:
    return str(OBJECT_LABELS.get(object_type, object_type or "—"))


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


_ISO_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([+-][0-9]{2}:[0-9]{2}|Z)?",
                           re.ASCII)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_ISO_TIME = re.compile(r"[0-9]{2}:[0-9]{2}:[0-9]{2}", re.ASCII)


def _text(value) -> str:
    if isinstance(value, str):
        try:
            if _ISO_DATETIME.fullmatch(value):
                moment = datetime.fromisoformat(value)
                return fmt_datetime(moment) if moment.tzinfo is not None else value
            if _ISO_DATE.fullmatch(value):
                return fmt_date(date.fromisoformat(value))
            if _ISO_TIME.fullmatch(value):
                return time.fromisoformat(value).strftime("%H:%M")
        except ValueError:
            pass
        return value
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value) if value else "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def display_value(value, limit: int | None = None) -> str:
    """A stored value as a person reads it: local times, yes/no, lists joined; '—' for nothing."""
    if value is None or value == "":
        return "—"
    text = _text(value)
    if limit is not None and len(text) > limit:
        return text[:limit].rstrip() + "…"
    return text
