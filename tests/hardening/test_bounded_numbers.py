"""Numbers out of every range: never a 5xx; a 404 for a page that cannot exist, a field message in forms."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms.validators import InputRequired, NumberRange

from lms.forms import IntegerField, parse_id
from lms.numbers import MAX_PAGE, bounded_int
from tests.access import all_routes
from tests.hardening import fuzz
from tests.hardening.hostile import INTEGER_TRAPS, plausible
from tests.world import client_for, world  # noqa: F401 - the shared world fixture

# The list pages of the finding (?page=10^18 answered 500 on each).
LIST_PAGES = {
    "catalogue.index": "/trainings",
    "cohorts.index": "/staff/cohorts",
    "admin.users": "/admin/users",
    "certificates.index": "/staff/certificates",
    "notifications.outbox": "/admin/mail",
    "privacy.requests": "/admin/privacy",
    "reports.cohorts": "/reports/cohorts",
    "reports.coaches": "/reports/coaches",
}


@pytest.mark.parametrize("text,expected", [
    ("7", 7), (" 7 ", 7), ("+7", 7), ("007", 7), ("-3", None), ("0", 0), ("10", 10), ("11", None),
    ("9" * 400, None), ("-" + "9" * 400, None), ("0" * 5000 + "1", 1), ("٣", None), ("９", None), ("²", None),
    ("1_0", None), ("1e1", None), ("", None), (None, None), ("1.0", None),
])
def test_bounded_int(text, expected):
    assert bounded_int(text, 0, 10) == expected


def test_parse_id_takes_no_sign():
    assert parse_id("12") == 12
    assert parse_id("+12") is None and parse_id("-12") is None and parse_id("0") is None


def test_list_pages_exist(app):
    endpoints = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    for endpoint, path in LIST_PAGES.items():
        assert endpoints.get(endpoint) == path, endpoint


@pytest.mark.parametrize("page", ["1" + "0" * 18, "9" * 400, str(MAX_PAGE + 1), "0", "-1", "٣", "abc"])
def test_an_impossible_page_is_not_found(app, world, page):  # noqa: F811
    client = client_for(app, world, "admin")
    for endpoint, path in LIST_PAGES.items():
        response = client.get(f"{path}?page={page}")
        assert response.status_code == 404, (endpoint, page)
        assert client.get(f"{path}?page=1").status_code == 200
        assert client.get(f"{path}?page={MAX_PAGE}").status_code == 200  # past the end: an empty page


def _get_targets(world):  # noqa: F811
    seen = set()
    for route in all_routes():
        path = route.path(world)
        if route.method != "GET" or route.endpoint == "certificates.pdf" or (route.endpoint, path) in seen:
            continue
        seen.add((route.endpoint, path))
        yield route, path


@pytest.mark.sweep
def test_every_query_argument_takes_any_integer(app, world):  # noqa: F811
    """Every GET route, with each query name the app reads set to huge, negative and non-ASCII numbers."""
    clients = {role: client_for(app, world, role) for role in ("admin", "coach", "anonymous")}
    for route, path in _get_targets(world):
        role = "admin" if "admin" in route.allowed else "coach" if "coach" in route.allowed else "anonymous"
        base, _, query = path.partition("?")
        for value in INTEGER_TRAPS:
            pairs = [(name, value) for name in fuzz.COMMON_QUERY]
            response = clients[role].get(base + "?" + urlencode(pairs))
            assert response.status_code < 500, (route.endpoint, value)


@pytest.mark.sweep
def test_every_integer_field_refuses_numbers_out_of_range(app, world):  # noqa: F811
    """Every form field of the app that takes a number, sent 400 digits and the like: a message, no error."""
    targets = [t for t in fuzz.targets_for(app, world) if t.method == "POST"
               and any(f.kind == "number" for f in t.fields.values())]
    endpoints = {t.endpoint for t in targets}
    assert {"cohorts.edit", "programmes.edit", "programmes.template_edit", "learning.quiz_settings"} <= endpoints
    client = client_for(app, world, "admin")
    for target in targets:
        for field in (f for f in target.fields.values() if f.kind == "number"):
            for value in INTEGER_TRAPS:
                data = {name: plausible(item) for name, item in target.fields.items()}
                data[field.name] = value
                response = client.post(target.path, data=data)
                assert response.status_code in (200, 303, 400, 404, 422), (target.endpoint, field.name, value)
                if response.status_code == 422 and value == "9" * 400:
                    assert f'id="{field.name}-error"' in response.get_data(as_text=True), (target.endpoint, field.name)


def test_the_field_says_what_range_it_takes(app):
    class Form(FlaskForm):
        class Meta:
            csrf = False

        capacity = IntegerField("Capacity", validators=[InputRequired(), NumberRange(min=1, max=500)])

    with app.test_request_context():
        for value in ("9" * 400, "-" + "9" * 400, "501", "0"):
            form = Form(MultiDict({"capacity": value}))
            assert not form.validate(), value
            [message] = form.capacity.errors  # one message, the range's, and no overflow behind it
            assert "1" in message and "500" in message, value
        for value in ("٣", "1_0", "2.5"):
            assert not Form(MultiDict({"capacity": value})).validate(), value
        form = Form(MultiDict({"capacity": "12"}))
        assert form.validate() and form.capacity.data == 12


@pytest.mark.parametrize("month", ["9" * 400 + "-01", "2027-" + "9" * 400, "-2027-01", "2027--1", "٢٠٢٧-٠١", "2027-13"])
def test_a_month_out_of_range_is_ignored(client, month):
    assert client.get(f"/trainings?month={month}").status_code == 200
