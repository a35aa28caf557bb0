"""The audit log page: admins search it, nobody edits it."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from lms.audit.models import AuditEvent
from lms.audit.services import record
from lms.auth.models import Role
from lms.extensions import db
from lms.i18n import local_to_utc
from tests.querycount import count_queries


@pytest.fixture
def log(users, make_cohort, now):
    """A few events of different kinds, by different people and by the system."""
    cohort = make_cohort(title="Groep Achterhoek voorjaar")
    staff, admin = users["staff"], users["admin"]
    events = [
        record(staff, "cohort.update", cohort, now=now - timedelta(days=2), summary=cohort.title,
               before={"capacity": 16, "title": cohort.title}, after={"capacity": 20, "title": cohort.title}),
        record(admin, "user.update", users["coach"], now=now - timedelta(days=1), summary=users["coach"].email,
               before={"roles": ["coach"]}, after={"roles": ["coach", "trainer"]}),
        record(None, "certificate.issue", None, now=now, object_type="certificate", object_id=4242,
               summary="WOR-2026-0001", after={"number": "WOR-2026-0001"}),
    ]
    db.session.commit()
    return {"cohort": cohort, "events": events}


def test_admin_sees_the_log_newest_first_with_changes(client, auth, users, log):
    auth.login(users["admin"])
    response = client.get("/admin/audit/")
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    page = response.get_data(as_text=True)
    assert "Auditlog" in page and "3 gebeurtenissen" in page
    # Newest first, readable Dutch, "systeem" when nobody did it.
    table = page[page.index('<table class="audit-table"'):]
    assert table.index("Certificaat uitgegeven") < table.index("Account gewijzigd") < table.index("Groep gewijzigd")
    assert "systeem" in table and "Stella Staf" in table
    # The object links to its page; the changed field is in a disclosure, the unchanged one is not.
    assert f'href="/staff/cohorts/{log["cohort"].id}"' in page
    row = page[page.index(f'id="event-{log["events"][0].id}"'):]
    row = row[:row.index("</tbody>\n    </table>\n    </div>")]  # the last row: up to the end of the list
    assert "<details>" in row and "Capaciteit" in row and ">16<" in row and ">20<" in row
    assert "Titel" not in row


def test_htmx_filter_returns_the_fragment(client, auth, users, log):
    auth.login(users["admin"])
    response = client.get("/admin/audit/?action=user.update", htmx=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="audit-events">')
    assert "Account gewijzigd" in body and "Groep gewijzigd" not in body and "<nav" not in body.split("pagination")[0]


@pytest.mark.parametrize("query, expected", [
    ("object_type=cohort", {"cohort.update"}),
    ("actor=stella", {"cohort.update"}),
    ("actor=ADMIN%40example", {"user.update"}),
    ("object_id=4242", {"certificate.issue"}),
    ("action=certificate.issue&object_type=certificate", {"certificate.issue"}),
])
def test_filters_in_the_url(client, auth, users, log, query, expected):
    auth.login(users["admin"])
    page = client.get(f"/admin/audit/?{query}").get_data(as_text=True)
    shown = {e.action for e in log["events"] if f'id="event-{e.id}"' in page}
    assert shown == expected


def test_date_range_in_amsterdam_time(client, auth, users, now):
    # 23:30 UTC on 28 March is already 29 March in Amsterdam (00:30, winter time).
    late = record(users["staff"], "cohort.update", None, now=local_to_utc(date(2026, 3, 29), time(0, 30)),
                  object_type="cohort", object_id=1)
    db.session.commit()
    auth.login(users["admin"])
    page = client.get("/admin/audit/?date_from=2026-03-29&date_to=2026-03-29").get_data(as_text=True)
    assert f'id="event-{late.id}"' in page
    page = client.get("/admin/audit/?date_to=2026-03-28").get_data(as_text=True)
    assert f'id="event-{late.id}"' not in page and "Geen gebeurtenissen" in page


@pytest.mark.parametrize("query", [
    "object_id=%C2%B2", "object_id=99999999999999999999999", "object_id=-1", "object_id=%D9%A3",
    "date_from=31-12-2026", "date_from=2026-02-30", "date_to=9999-12-31", "date_from=%C2%B2026-01-01",
    "date_from=2026-05-01&date_to=2026-04-01", "page=%C2%B2", "page=99999999999999999999999999", "page=-5",
    "action=drop%20table", "object_type=%00", "actor=" + "x" * 5000, "actor=%00%01",
])
def test_bad_filter_values_are_explained_or_ignored(client, auth, users, log, query):
    auth.login(users["admin"])
    for htmx in (False, True):
        response = client.get(f"/admin/audit/?{query}", htmx=htmx)
        if "%00" in query:  # a NUL is refused for the whole app, with a message (lms/hardening.py)
            assert response.status_code == 400, query
            continue
        assert response.status_code == 200, query
    page = response.get_data(as_text=True)
    if query.startswith(("object_id", "date")):
        assert "niet kon worden gebruikt" in page  # the message names the filter that was left out


def test_bad_event_ids_are_404(client, auth, users):
    auth.login(users["admin"])
    for path in ("/admin/audit/424242", "/admin/audit/99999999999999999999999999", "/admin/audit/%C2%B2"):
        assert client.get(path).status_code == 404


def test_pagination_keeps_the_filters(client, auth, users, app, now):
    app.config["PAGE_SIZE"] = 2
    for i in range(5):
        record(users["staff"], "cohort.update", None, now=now - timedelta(minutes=i), object_type="cohort",
               object_id=i)
    record(users["staff"], "user.update", None, now=now, object_type="user", object_id=1)
    db.session.commit()
    auth.login(users["admin"])
    page = client.get("/admin/audit/?action=cohort.update").get_data(as_text=True)
    assert "Pagina 1 van 3" in page and "5 gebeurtenissen" in page
    assert re.search(r'href="/admin/audit/\?action=cohort.update&amp;page=2"', page)
    second = client.get("/admin/audit/?action=cohort.update&page=2", htmx=True).get_data(as_text=True)
    assert "Pagina 2 van 3" in second
    past_the_end = client.get("/admin/audit/?action=cohort.update&page=40").get_data(as_text=True)
    assert "Pagina 3 van 3" in past_the_end


def test_empty_states(client, auth, users):
    auth.login(users["admin"])
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert "Er is nog niets vastgelegd" in page
    page = client.get("/admin/audit/?actor=niemand").get_data(as_text=True)
    assert "Geen gebeurtenissen voldoen aan deze filters" in page


def test_detail_page_shows_every_field(client, auth, users, log):
    auth.login(users["admin"])
    event = log["events"][0]
    page = client.get(f"/admin/audit/{event.id}").get_data(as_text=True)
    assert "Groep gewijzigd" in page and "cohort.update" in page and "Stella Staf" in page
    assert "Capaciteit" in page and "Titel" in page  # unchanged fields too, on the detail page
    assert f"/admin/audit/?object_type=cohort&amp;object_id={log['cohort'].id}" in page


def test_csv_export_follows_the_filters(client, auth, users, log):
    auth.login(users["admin"])
    response = client.get("/admin/audit/export.csv?actor=stella")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Tijd" and len(rows) == 2
    assert rows[1][1] == "Stella Staf" and rows[1][4] == "cohort.update"


def test_the_list_takes_a_constant_number_of_queries(client, auth, users, make_user, now):
    auth.login(users["admin"])

    def add(n):
        for i in range(n):
            actor = make_user(Role.STAFF)
            record(actor, "enrolment.cancel", None, now=now, object_type="enrolment", object_id=i)
            record(actor, "attendance.set", None, now=now, object_type="attendance", object_id=i)
        db.session.commit()

    add(2)
    with count_queries() as few:
        client.get("/admin/audit/")
    add(10)
    with count_queries() as many:
        client.get("/admin/audit/")
    assert len(many) == len(few)


@pytest.mark.parametrize("role", ["coach", "trainer", "staff", "coordinator"])
def test_only_admins(client, auth, users, log, role):
    auth.login(users[role])
    assert client.get("/admin/audit/").status_code == 403
    assert client.get(f"/admin/audit/{log['events'][0].id}").status_code == 403
    assert client.get("/admin/audit/export.csv").status_code == 403


def test_the_log_cannot_be_changed_through_the_app(app, client, auth, users, log):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin/audit"):
            assert rule.methods - {"GET", "HEAD", "OPTIONS"} == set(), rule
    auth.login(users["admin"])
    event = log["events"][0]
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(f"/admin/audit/{event.id}").status_code == 405
    # No code in the app updates or deletes audit rows, bar the documented GDPR erasure.
    import pathlib

    import lms

    root = pathlib.Path(lms.__file__).parent
    pattern = re.compile(r"(delete|update)\(\s*AuditEvent|AuditEvent\)\.(delete|update)")
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py") if pattern.search(path.read_text())]
    assert offenders == ["privacy/services.py"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 3
