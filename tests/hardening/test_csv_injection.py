"""Every CSV the app makes, with names that a spreadsheet would run as formulas (OWASP CSV injection).

The routes come from the inventory (tests/access/), so a new CSV export is covered as soon
as it is listed there.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

import pytest

from lms.audit.services import record
from lms.csv import FORMULA_START, cell, csv_bytes
from lms.extensions import db
from tests.access import all_routes
from tests.world import client_for, world  # noqa: F401 - the shared world fixture

HOSTILE = ['=HYPERLINK("http://x","y")', "+1 Jansen", "@SUM(1)", "-2+3 Pietersen", "\tTab", "\rReturn"]


@pytest.fixture
def hostile_world(app, world, make_organisation, now):  # noqa: F811
    coach, other = world["users"]["coach"], world["other_coach"]
    coach.name, other.name = HOSTILE[0], HOSTILE[1]
    coach.organisation = make_organisation(HOSTILE[2])
    other.organisation = make_organisation(HOSTILE[3])
    world["users"]["trainer"].name = HOSTILE[3]
    region = world["region"]
    region.name = HOSTILE[4]
    region.municipalities[0].name = HOSTILE[5]
    record(coach, "cohort.update", world["cohort"], now=now, summary=HOSTILE[2], params={"title": HOSTILE[2]},
           before={"title": HOSTILE[3]}, after={"title": HOSTILE[0]})
    db.session.commit()
    return world


def _cells(body: bytes) -> list[str]:
    assert body.startswith(b"\xef\xbb\xbf"), "no BOM: Excel would read the accents wrong"
    rows = list(csv.reader(io.StringIO(body[3:].decode("utf-8")), delimiter=";"))
    return [value for row in rows for value in row]


def test_cells_are_neutralised():
    assert [cell(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert [cell(v) for v in (None, 3, -2, 1.25, "Anna", "a=b")] == ["", "3", "-2", "1,2", "Anna", "a=b"]
    assert csv_bytes(["a"], [["=1+1"]]) == "\ufeffa\r\n'=1+1\r\n".encode()


def test_every_csv_route_neutralises_formulas(app, hostile_world):
    routes = [r for r in all_routes() if r.method == "GET" and urlsplit(r.path(hostile_world)).path.endswith(".csv")]
    endpoints = {r.endpoint for r in routes}
    assert {"enrolment.roster_export", "reports.export_csv", "audit.export"} <= endpoints
    seen: set[str] = set()
    for route in routes:
        role = "admin" if "admin" in route.allowed else sorted(route.allowed)[0]
        response = client_for(app, hostile_world, role).get(route.path(hostile_world))
        assert response.status_code == 200, route.path(hostile_world)
        assert response.mimetype == "text/csv"
        for value in _cells(response.get_data()):
            assert not value.startswith(FORMULA_START), f"{route.endpoint}: {value!r}"
            seen.add(value)
    # The names are there, each shown as text.
    for name in HOSTILE[:4]:
        assert "'" + name in seen, name
