"""The start page is made of panels; each feature registers its own.

A panel is a function ``(user, now) -> dict | None`` registered with the roles it is
for and an order; it returns the context for its template, or None to stay hidden.
Templates live at ``templates/<feature>/_panel_<name>.html``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    roles: frozenset[Hashable]  # lms.auth.models.Role values
    order: int
    build: Callable[..., dict | None]


PANELS: dict[str, Panel] = {}


def panel(name: str, template: str, roles: tuple[Hashable, ...], order: int = 50):
    """Register a start-page panel for users holding any of ``roles``."""

    def decorator(build):
        PANELS[name] = Panel(name, template, frozenset(roles), order, build)
        return build

    return decorator


def start_page_context(user, now: datetime) -> dict:
    panels = []
    if user.is_authenticated:
        for item in sorted(PANELS.values(), key=lambda p: (p.order, p.name)):
            if item.roles & user.roles:
                context = item.build(user, now)
                if context is not None:
                    panels.append({"template": item.template, "context": context})
    return {"panels": panels}
