"""Every page of every role, from the route inventory of tests/access/, as the crawl tests read them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.access import ROLES, all_routes
from tests.world import client_for

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tests" / "tools" / "node_modules"
VNU_JAR = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = TOOLS / "axe-core" / "axe.min.js"


@dataclass(frozen=True)
class Page:
    role: str
    endpoint: str
    path: str
    html: str

    @property
    def label(self) -> str:
        return f"{self.role} {self.path} ({self.endpoint})"

    @property
    def slug(self) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "-", f"{self.role}-{self.endpoint}-{self.path}").strip("-")[:120]


def get_routes(role: str):
    """The GET routes this role may open, each once."""
    seen = set()
    for route in all_routes():
        if route.method == "GET" and role in route.allowed and route.endpoint not in seen:
            seen.add(route.endpoint)
            yield route


def pages(app, world, roles=ROLES) -> list[Page]:
    """The HTML pages (status 200) every role reaches, in Dutch."""
    found = []
    for role in roles:
        client = client_for(app, world, role)
        for route in get_routes(role):
            path = route.path(world)
            response = client.get(path)
            if response.status_code == 200 and response.mimetype == "text/html":
                found.append(Page(role, route.endpoint, path, response.get_data(as_text=True)))
    return found


def session_cookie(app, world, role) -> str | None:
    """The session cookie of a client logged in as ``role``, for a browser to carry."""
    if role == "anonymous":
        return None
    client = client_for(app, world, role)
    client.get("/")
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None
