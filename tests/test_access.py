"""Every route against every role: the generated authorisation matrix."""

from __future__ import annotations

import pytest

from lms.auth.models import Role
from lms.auth.services import make_reset_token
from lms.extensions import db
from tests.access_matrix import POST_ALSO, ROLES, ROUTES, Route
from tests.conftest import Client


def _all_routes() -> list[Route]:
    routes = list(ROUTES)
    for endpoint, allowed in POST_ALSO.items():
        get = next(r for r in ROUTES if r.endpoint == endpoint and r.method == "GET")
        routes.append(Route(endpoint, "POST", get.path, allowed, get.denied_status))
    return routes


ALL = _all_routes()


def test_inventory_covers_every_route(app):
    """A route added without an entry in tests/access_matrix.py fails here."""
    in_app = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            in_app.add((rule.endpoint, method))
    in_matrix = {(r.endpoint, r.method) for r in ALL}
    assert in_app - in_matrix == set(), "routes missing from tests/access_matrix.py"
    assert in_matrix - in_app == set(), "entries in tests/access_matrix.py without a route"


def test_state_changes_only_by_post(app):
    """GET handlers are listed as reads; every POST is CSRF-protected (checked below)."""
    for rule in app.url_map.iter_rules():
        assert not (rule.methods & {"PUT", "PATCH", "DELETE"}) or "GET" not in rule.methods


@pytest.fixture
def world(app, make_user, make_region, region, make_organisation):
    users = {
        "coach": make_user(Role.COACH, email="coach@example.org"),
        "trainer": make_user(Role.TRAINER, email="trainer@example.org"),
        "staff": make_user(Role.STAFF, email="staff@example.org"),
        "coordinator": make_user(Role.COORDINATOR, email="coordinator@example.org", coordinates=[region]),
        "admin": make_user(Role.ADMIN, email="admin@example.org"),
    }
    other = make_user(Role.COACH, email="other@example.org")
    empty = make_region("Lege regio")
    organisation = make_organisation("Welzijn Test")
    w = {
        "users": users,
        "region_id": region.id,
        "municipality_id": region.municipalities[-1].id,
        "empty_region_id": empty.id,
        "organisation_id": organisation.id,
        "other_user_id": other.id,
        "reset_token": make_reset_token(other),
    }
    extend = getattr(pytest, "_lms_world_extensions", [])
    for fn in extend:
        fn(w)
    db.session.commit()
    return w


def _client_for(app, world, role) -> Client:
    app.test_client_class = Client
    client = app.test_client()
    if role != "anonymous":
        from tests.factories import PASSWORD

        response = client.post("/login", data={"email": world["users"][role].email, "password": PASSWORD})
        assert response.status_code == 303
    return client


@pytest.mark.parametrize("route", ALL, ids=lambda r: f"{r.method} {r.endpoint}")
def test_access(app, world, route):
    for role in ROLES:
        client = _client_for(app, world, role)
        path = route.path(world)
        if route.method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, data=route.data(world))
        status = response.status_code
        location = response.headers.get("Location", "")
        label = f"{role} {route.method} {path} -> {status} {location}"
        assert status < 500, label
        if role in route.allowed:
            assert status != 403 and "/login" not in location, label
            if route.method == "GET":
                assert status in (200, 303), label
        elif role == "anonymous":
            assert status in (303, 401) and "/login" in location, label
        else:
            assert status == route.denied_status, label


@pytest.mark.parametrize("route", [r for r in ALL if r.method == "POST"], ids=lambda r: f"POST {r.endpoint}")
def test_post_without_csrf_is_refused(app, world, route):
    client = _client_for(app, world, "admin")
    response = client.post(route.path(world), data=route.data(world), csrf=False)
    assert response.status_code == 400
