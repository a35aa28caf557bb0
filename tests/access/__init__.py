"""The inventory of every route: who may use it and how to reach it with real objects.

Each feature keeps its routes in ``tests/access/<feature>.py`` as a ``ROUTES`` list (and,
when it needs objects the shared world lacks, an ``extend_world(world)`` function).
``tests/test_access.py`` checks that together they cover the app's URL map exactly, so a
new route cannot be forgotten, and runs every entry against every role.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable

ROLES = ("anonymous", "coach", "trainer", "staff", "coordinator", "admin")
EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
STAFF = frozenset({"staff", "admin"})
ADMIN = frozenset({"admin"})
COACH = frozenset({"coach"})


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    path: Callable[[dict], str]
    allowed: frozenset[str]
    # What a logged-in role outside ``allowed`` gets: 403, or 404 where existence itself is private.
    denied_status: int = 403
    data: Callable[[dict], dict] = field(default=lambda w: {})
    # Anonymous visitors are sent to the login page, unless this says otherwise (e.g. 404 for a feed).
    anonymous_status: int | None = None


def p(template: str) -> Callable[[dict], str]:
    """A path built from the world's ids: p('/cohorts/{cohort_id}')."""
    return lambda w: template.format(**w)


def modules():
    package = importlib.import_module(__name__)
    for info in pkgutil.iter_modules(package.__path__):
        yield importlib.import_module(f"{__name__}.{info.name}")


def all_routes() -> list[Route]:
    routes: list[Route] = []
    for module in modules():
        routes.extend(getattr(module, "ROUTES", []))
    return routes


def world_extensions() -> list[Callable[[dict], None]]:
    return [m.extend_world for m in modules() if hasattr(m, "extend_world")]
