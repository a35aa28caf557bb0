"""Readable names of mail kinds, registered by the feature that sends them.

As lms/audit/labels.py does for audit actions: each feature registers the kinds of the
mails it queues, from its own package, and the outbox pages show the label in the
reader's language. An unknown kind is shown as it is stored.
"""

from __future__ import annotations

from typing import Any

KIND_LABELS: dict[str, Any] = {}


def register_kinds(labels: dict[str, Any]) -> None:
    """Register ``{kind: lazy label}`` for the mails a feature queues."""
    KIND_LABELS.update(labels)


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))
