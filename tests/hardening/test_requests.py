"""Request-wide defences: request ids, structured logs without secrets, and input no database stores.

Also the inputs the hostile-input run found, kept here so they stay fixed.
"""

from __future__ import annotations

import io
import json
import logging

import pytest

from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.hardening import REQUEST_ID_HEADER, JsonFormatter, RequestIdFilter, redact
from lms.regions.models import Municipality
from tests.factories import PASSWORD


@pytest.fixture
def log_lines():
    """Everything logged during the test, as the production JSON formatter writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)  # as LOG_LEVEL's default; the migrations' logging config lowers it in tests
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def login(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 303


def test_every_response_carries_a_request_id_and_every_log_line_has_it(client, log_lines):
    first = client.get("/trainings")
    second = client.get("/trainings")
    rid = first.headers[REQUEST_ID_HEADER]
    assert len(rid) == 32 and rid != second.headers[REQUEST_ID_HEADER]
    lines = [line for line in log_lines() if line["logger"] == "lms.request"]
    access = next(line for line in lines if line["request_id"] == rid)
    assert access["path"] == "/trainings" and access["status"] == 200 and access["method"] == "GET"
    assert access["duration_ms"] >= 0 and access["level"] == "INFO"


def test_a_well_formed_request_id_from_the_proxy_is_kept_and_a_bad_one_replaced(client):
    assert client.get("/healthz", headers={REQUEST_ID_HEADER: "lb-1234abcd"}).headers[REQUEST_ID_HEADER] == "lb-1234abcd"
    replaced = client.get("/healthz", headers={REQUEST_ID_HEADER: "<script>"}).headers[REQUEST_ID_HEADER]
    assert replaced != "<script>" and len(replaced) == 32


def test_an_unexpected_error_is_logged_with_its_traceback_but_never_shown(app, client, log_lines, monkeypatch):
    def broken():
        raise RuntimeError("database password is hunter2")

    monkeypatch.setitem(app.view_functions, "catalogue.index", broken)
    response = client.get("/trainings")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "hunter2" not in page and "Traceback" not in page and "RuntimeError" not in page
    rid = response.headers[REQUEST_ID_HEADER]
    assert rid in page  # the reference a user can quote to support
    errors = [line for line in log_lines() if line["level"] == "ERROR"]
    assert errors and errors[0]["request_id"] == rid
    assert "RuntimeError" in errors[0]["exception"] and "Traceback" in errors[0]["exception"]


def test_secrets_in_urls_never_reach_the_logs(client, log_lines):
    client.get("/password/reset/eyJ1IjoxfQ.secret-part")
    client.get("/verify/AbCdEfGhIjKlMnOpQrStUvWxYz012345")
    client.get("/calendar/" + "k" * 43 + ".ics")
    client.get("/trainings?token=abc123&q=x")
    written = json.dumps(log_lines())
    for secret in ("secret-part", "AbCdEfGhIjKlMnOpQrStUvWxYz012345", "k" * 43, "abc123"):
        assert secret not in written
    assert "[redacted]" in written


def test_redact_keeps_what_is_not_secret():
    assert redact("GET /trainings?q=zorg 200") == "GET /trainings?q=zorg 200"
    assert redact("POST /login password=geheim&email=a@b.nl") == "POST /login password=[redacted]&email=a@b.nl"


def test_a_nul_character_is_refused_with_a_clear_message_and_changes_nothing(client, users):
    login(client, users["staff"])
    response = client.post("/staff/programmes/new", data={"title": "Cursus\x00", "net_hours": "10"})
    assert response.status_code == 400
    assert "niet zijn toegestaan" in response.get_data(as_text=True)
    assert client.get("/trainings?q=a%00b").status_code == 400


@pytest.mark.parametrize("path", ["/staff/cohorts/99999999999999999999", "/staff/cohorts/2147483648",
                                  "/trainings/99999999999999999999999999999999"])
def test_ids_beyond_any_integer_column_are_not_found(client, users, path):
    login(client, users["staff"])
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("query", ["region=²", "region=99999999999999999999", "municipality=①", "region=%EF%BC%99"])
def test_unicode_digits_and_huge_numbers_in_filters_are_ignored(client, query):
    response = client.get(f"/trainings?{query}")
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", "sNaN"])
def test_not_a_number_is_a_field_error_not_a_crash(client, users, value):
    login(client, users["staff"])
    response = client.post("/staff/programmes/new", data={"title": "Cursus", "net_hours": value})
    assert response.status_code == 422
    assert "Cursus" in response.get_data(as_text=True)  # the input is kept


def test_a_control_character_as_status_filter_shows_all_cohorts(client, users, make_cohort):
    make_cohort(title="Groep Filter")
    login(client, users["staff"])
    response = client.get("/staff/cohorts?status=%1C")
    assert response.status_code == 200
    assert "Groep Filter" in response.get_data(as_text=True)
    assert db.session.query(Cohort).count() == 1


def test_a_municipality_name_that_only_python_folds_is_a_clash_not_a_crash(client, users, region):
    login(client, users["admin"])
    data = {"name": "ǅ", "region_id": str(region.id)}
    assert client.post("/admin/municipalities", data=data).status_code == 303
    response = client.post("/admin/municipalities", data=data)
    assert response.status_code == 422
    assert "bestaat al" in response.get_data(as_text=True)
    assert db.session.query(Municipality).filter_by(name="ǅ").count() == 1


@pytest.mark.parametrize("path", [
    "/reports/?from_date=0001-01-01", "/reports/?to_date=9999-12-31", "/staff/cohorts?starts_from=0001-01-01",
    "/staff/cohorts?starts_until=9999-12-31", "/trainings?month=0001-01", "/trainings?month=9999-12",
])
def test_far_off_dates_in_filters_are_refused_or_ignored_not_a_crash(client, users, path):
    login(client, users["staff"])
    response = client.get(path)
    # Reports explain a filter they cannot use (422); the lists leave it out.
    assert response.status_code == (422 if path.startswith("/reports") else 200)
    if path.startswith("/reports"):
        assert "Vul een datum in tussen 1900 en 2999" in response.get_data(as_text=True)


def test_a_far_off_first_day_is_a_field_error_with_the_input_kept(client, users, make_programme, region):
    programme = make_programme()
    login(client, users["staff"])
    response = client.post("/staff/cohorts/new", data={
        "programme_id": programme.id, "region_id": region.id, "title": "Groep Oertijd", "first_day": "0001-01-01",
        "capacity": "16",
    })
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Vul een datum in tussen 1900 en 2999" in page and "0001-01-01" in page
