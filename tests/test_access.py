"""Every route against every role and against objects of others: the authorisation matrix."""

from __future__ import annotations

import pytest

from tests.access import ROLES, all_routes
from tests.dbstate import changed_tables, fingerprint
from tests.world import client_for, kept_world, world  # noqa: F401 - the shared world fixtures

ROUTES = all_routes()


def test_inventory_covers_every_route(app):
    """A route added without an entry in tests/access/ fails here."""
    in_app = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            in_app.add((rule.endpoint, method))
    in_matrix = {(r.endpoint, r.method) for r in ROUTES}
    assert sorted(in_app - in_matrix) == [], "routes missing from tests/access/"
    assert sorted(in_matrix - in_app) == [], "entries in tests/access/ without a route"


def test_no_route_mixes_get_with_other_state_changing_methods(app):
    for rule in app.url_map.iter_rules():
        assert not (rule.methods & {"PUT", "PATCH", "DELETE"} and "GET" in rule.methods), rule


# GETs that are documented to do system maintenance, with the tables they may change and why.
# Every other GET must leave the database exactly as it was (tests/dbstate.py fingerprints it;
# rate-limit counters, which count every attempt, are never part of the fingerprint).
OFFERS = frozenset({"enrolment", "cohort", "outbox_mail", "audit_event"})
FIGURES = frozenset({"report_stale_cohort", "report_cohort_figures", "report_region_figures"})
_FIGURES_WHY = ("recomputes the figures' summary for the cohorts that changed since it was last read "
                "(derived data, lms/reports/summary.py)")
GET_MAINTENANCE: dict[str, tuple[frozenset[str], str]] = {
    "calendar.feed": (frozenset({"calendar_token"}),
                      "records when a calendar app last fetched the feed (at most once an hour), "
                      "so the subscribe page can say the link works"),
    "catalogue.cohort": (OFFERS, "passes on waitlist offers whose time is up whenever the cohort is read"),
    "cohorts.show": (OFFERS, "passes on waitlist offers whose time is up whenever the cohort is read"),
    "enrolment.roster_view": (OFFERS, "passes on waitlist offers whose time is up whenever the roster is read"),
    "main.index": (OFFERS | FIGURES, "the coach's start-page panel passes on the coach's expired offers; "
                   "the staff and coordinators' reports panel " + _FIGURES_WHY),
    **{endpoint: (FIGURES, _FIGURES_WHY) for endpoint in (
        "reports.index", "reports.cohorts", "reports.export_csv", "reports.export_xlsx", "reports.cohort")},
}


def _may_change(route, method: str) -> frozenset[str]:
    if method != "GET":
        return frozenset()
    return GET_MAINTENANCE.get(route.endpoint, (frozenset(), ""))[0]


def test_maintenance_allow_list_names_real_get_routes():
    get_endpoints = {r.endpoint for r in ROUTES if r.method == "GET"}
    assert set(GET_MAINTENANCE) <= get_endpoints
    assert all(reason for _tables, reason in GET_MAINTENANCE.values())


@pytest.mark.sweep
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.endpoint} {r.path.__doc__ or ''}")
def test_access(app, kept_world, route):
    world = kept_world
    for role in ROLES:
        client = client_for(app, world, role)
        path = route.path(world)
        if route.method == "GET":
            before = fingerprint()
            response = client.get(path)
        else:
            client.csrf_token()  # the token page first, so the fingerprint sees only the POST
            before = fingerprint()
            response = client.post(path, data=route.data(world))
        status = response.status_code
        location = response.headers.get("Location", "")
        label = f"{role} {route.method} {path} -> {status} {location}"
        assert status < 500, label
        changed = changed_tables(before, fingerprint())
        refused = role not in route.allowed
        if route.method == "GET" or refused:
            # A GET never changes data (bar the documented maintenance); a refused request never does.
            allowed_changes = _may_change(route, route.method) if not refused else frozenset()
            assert changed <= allowed_changes, f"{label} changed {sorted(changed - allowed_changes)}"
        if role in route.allowed:
            assert status != 403 and "/login" not in location, label
            if route.method == "GET":
                assert status in (200, 303), label
                # Pages and fragments share URLs, so every answer tells caches it varies on HX-Request.
                assert "HX-Request" in response.headers.get("Vary", ""), label
        elif role == "anonymous":
            if route.anonymous_status is not None:
                assert status == route.anonymous_status, label
            else:
                assert status in (303, 401) and "/login" in location, label
        else:
            assert status == route.denied_status, label


@pytest.mark.sweep
@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "POST"], ids=lambda r: f"POST {r.endpoint}")
def test_post_without_csrf_is_refused(app, kept_world, route):
    """State changes need the CSRF token: without it, or with a wrong one, nothing changes."""
    world = kept_world
    client = client_for(app, world, "admin")
    before = fingerprint()
    response = client.post(route.path(world), data=route.data(world), csrf=False)
    assert response.status_code == 400
    response = client.post(route.path(world), data=route.data(world) | {"csrf_token": "forged"}, csrf=False,
                           headers={"X-CSRFToken": "forged"})
    assert response.status_code == 400
    assert changed_tables(before, fingerprint()) == set()
