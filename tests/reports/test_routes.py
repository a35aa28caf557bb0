"""The report pages, exports and accreditation list over HTTP, as staff and as coordinator."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from lms.auth.models import Role
from lms.cohorts.models import CohortStatus
from lms.enrolment.models import EnrolmentStatus
from lms.extensions import db
from lms.regions.models import Municipality
from tests.reports.conftest import P, attend, enrol


@pytest.fixture
def staff(make_user):
    return make_user(Role.STAFF, name="Stella Staf", region=None)


@pytest.fixture
def coordinator(make_user, region):
    return make_user(Role.COORDINATOR, name="Coen Coördinator", coordinates=[region])


def text(response) -> str:
    return response.get_data(as_text=True)


def row_cells(html: str, table_id: str, label: str) -> list[str]:
    """The cells of the row headed ``label`` in the table with ``table_id``, as plain text."""
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()
                 for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        if cells and cells[0] == label:
            return cells[1:]
    raise AssertionError(f"no row {label!r} in {table_id}")


def csv_rows(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark for Excel"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


# The dashboard -------------------------------------------------------------------------


def test_staff_dashboard_shows_every_region_with_charts_and_tables(client, auth, staff, dataset):
    auth.login(staff)
    response = client.get("/reports/")
    assert response.status_code == 200
    html = text(response)
    assert row_cells(html, "region-table", "Achterhoek")[:7] == ["8", "3", "7 (1 elders)", "6 (1 elders)", "5", "3", "2"]
    assert row_cells(html, "region-table", "Achterhoek")[7] == "37,5%"
    assert row_cells(html, "region-table", "Rivierenland")[:7] == ["1", "0", "1", "1", "1", "1", "1"]
    assert row_cells(html, "region-table", "Totaal")[:2] == ["9", "3"]
    assert row_cells(html, "funnel-table", "Aanwezig bij bijeenkomst 2") == ["6", "66,7%"]
    # Charts: SVG drawn on the server, labelled for screen readers, with the same figures in a table.
    for chart in ("funnel-chart", "region-chart"):
        svg = re.search(rf'<svg[^>]*id="{chart}"[^>]*>(.*?)</svg>', html, re.S)
        assert svg, chart
        assert 'role="img"' in svg.group(0) and f'aria-labelledby="{chart}-title {chart}-desc"' in svg.group(0)
        assert f'<title id="{chart}-title">' in svg.group(1) and f'<desc id="{chart}-desc">' in svg.group(1)
    assert "Ingeschreven: 9; Aanwezig bij het online dagdeel: 8" in html
    assert " style=" not in html and "<style" not in html and "<script>" not in html
    # Drill-down and exports carry the filters.
    assert f'/reports/cohorts?programme={dataset.programme.id}&amp;region={dataset.region.id}' in html
    assert f'/reports/coaches?programme={dataset.programme.id}&amp;region={dataset.region.id}' in html
    assert f'/reports/export.csv?programme={dataset.programme.id}"' in html


def test_a_region_shows_its_municipalities(client, auth, staff, dataset):
    auth.login(staff)
    html = text(client.get(f"/reports/?programme={dataset.programme.id}&region={dataset.region.id}"))
    assert 'id="municipality-chart"' in html
    assert row_cells(html, "municipality-table", "Doetinchem")[:7] == ["3", "1", "3 (1 elders)", "3", "3", "2", "1"]
    assert row_cells(html, "municipality-table", "Winterswijk")[:7] == ["2", "1", "2", "1 (1 elders)", "1", "0", "0"]
    assert row_cells(html, "municipality-table", "Tiel (buiten de regio)")[:7] == ["1", "0", "1", "1", "1", "1", "1"]
    assert "Rivierenland" not in html.split('id="report"')[1].split("</form>")[1]
    tiel = db.session.execute(sa.select(Municipality).where(Municipality.name == "Tiel")).scalar_one()
    assert f"municipality={tiel.id}" in html  # drill-down from a municipality's figures


def test_names_in_charts_and_tables_are_escaped(client, auth, staff, dataset):
    # The charts write their numbers unescaped (templates/reports/_macros.html); their texts still are.
    doetinchem = db.session.execute(sa.select(Municipality).where(Municipality.name == "Doetinchem")).scalar_one()
    doetinchem.name = 'Doetinchem <b class="x">&</b>'
    db.session.commit()
    auth.login(staff)
    html = text(client.get(f"/reports/?programme={dataset.programme.id}&region={dataset.region.id}"))
    chart = re.search(r'<svg[^>]*id="municipality-chart"[^>]*>(.*?)</svg>', html, re.S).group(1)
    assert "Doetinchem &lt;b class=&#34;x&#34;&gt;&amp;&lt;/b&gt;</text>" in chart
    assert '<b class="x">' not in html
    assert row_cells(html, "municipality-table", "Doetinchem &lt;b class=&#34;x&#34;&gt;&amp;&lt;/b&gt;")[:2] == ["3", "1"]


def test_filters_are_served_as_a_fragment_for_htmx(client, auth, staff, dataset):
    auth.login(staff)
    response = client.get(f"/reports/?region={dataset.region.id}&from_date=2026-08-01", htmx=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    html = text(response).strip()
    assert html.startswith('<div id="report">') and "<html" not in html
    assert 'value="2026-08-01"' in html  # the filter form is part of the fragment, with the chosen values
    assert row_cells(html, "region-table", "Achterhoek")[:3] == ["3", "3", "2 (1 elders)"]


def test_bad_filters_are_explained_at_the_field(client, auth, staff, dataset):
    auth.login(staff)
    response = client.get("/reports/?from_date=2026-13-45")
    assert response.status_code == 422
    html = text(response)
    assert 'id="from_date-error"' in html and "Vul een datum in" in html
    assert 'value="2026-13-45"' in html
    response = client.get("/reports/?from_date=2026-09-01&to_date=2026-08-01", htmx=True)
    assert response.status_code == 422
    assert "vóór het begin" in text(response) and text(response).strip().startswith('<div id="report">')
    assert client.get("/reports/?region=abc").status_code == 422
    assert client.get("/reports/export.csv?to_date=gisteren").status_code == 422


def test_unknown_ids_are_not_found(client, auth, staff, dataset):
    auth.login(staff)
    assert client.get("/reports/?programme=999999").status_code == 404
    assert client.get("/reports/?region=999999").status_code == 404
    assert client.get("/reports/cohorts?municipality=999999").status_code == 404
    assert client.get("/reports/cohorts/999999").status_code == 404
    assert client.get("/reports/cohorts/999999/accreditation.txt").status_code == 404


# Coordinators see their own regions only ---------------------------------------------


def test_coordinator_sees_only_their_region(client, auth, coordinator, dataset):
    auth.login(coordinator)
    html = text(client.get("/reports/"))
    assert row_cells(html, "region-table", "Achterhoek")[:2] == ["8", "3"]
    assert "Rivierenland" not in html
    assert 'id="municipality-table"' in html  # one region: its municipalities straight away
    assert "/reports/coaches" not in html  # the coaches behind the figures are for staff

    cohorts = text(client.get("/reports/cohorts"))
    assert "Groep A" in cohorts and "Groep R" not in cohorts
    assert client.get(f"/reports/cohorts/{dataset.a.id}").status_code == 200


@pytest.mark.parametrize("path", [
    "/reports/?region={other}",
    "/reports/cohorts?region={other}",
    "/reports/export.csv?region={other}",
    "/reports/export.xlsx?region={other}&from_date=2026-01-01",
    "/reports/cohorts/{cohort_r}",
    "/reports/coaches?region={own}",
    "/reports/cohorts/{cohort_a}/accreditation",
    "/reports/cohorts/{cohort_a}/accreditation.txt",
])
def test_coordinator_cannot_reach_other_regions_or_staff_pages(client, auth, coordinator, dataset, path):
    auth.login(coordinator)
    url = path.format(other=dataset.other_region.id, own=dataset.region.id, cohort_r=dataset.r.id,
                      cohort_a=dataset.a.id)
    response = client.get(url)
    assert response.status_code == 403
    assert "Roos Rijn" not in text(response) and "Groep R" not in text(response)


def test_coordinator_exports_hold_only_their_regions(client, auth, coordinator, dataset):
    auth.login(coordinator)
    rows = csv_rows(client.get("/reports/export.csv"))
    assert {row[1] for row in rows[1:]} == {"Achterhoek"}
    workbook = load_workbook(io.BytesIO(client.get("/reports/export.xlsx").get_data()))
    regions = {row[1] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert regions == {"Achterhoek"}


def test_coordinator_without_regions_sees_nothing(client, auth, make_user, dataset):
    auth.login(make_user(Role.COORDINATOR, name="Nog Geen Regio"))
    html = text(client.get("/reports/"))
    assert "Je coördineert nog geen regio" in html and "Achterhoek" not in html
    assert client.get(f"/reports/?region={dataset.region.id}").status_code == 403
    rows = csv_rows(client.get("/reports/export.csv"))
    assert len(rows) == 1  # only the header


# Drill-down --------------------------------------------------------------------------


def test_drill_down_to_the_cohorts_of_a_municipality(client, auth, staff, dataset, app):
    auth.login(staff)
    winterswijk = next(m for m in dataset.region.municipalities if m.name == "Winterswijk")
    html = text(client.get(f"/reports/cohorts?region={dataset.region.id}&municipality={winterswijk.id}"))
    assert "coaches uit Winterswijk" in html
    assert row_cells(html, "cohort-table", "Groep A")[3:6] == ["2", "0", "0"]
    assert "Groep B" not in html
    assert f'href="/reports/cohorts/{dataset.a.id}"' in html
    fragment = client.get(f"/reports/cohorts?region={dataset.region.id}", htmx=True)
    assert text(fragment).strip().startswith('<div id="cohort-table">')
    assert "HX-Request" in fragment.headers["Vary"]


def test_drill_down_to_the_coaches_for_staff(client, auth, staff, dataset):
    auth.login(staff)
    doetinchem = next(m for m in dataset.region.municipalities if m.name == "Doetinchem")
    html = text(client.get(f"/reports/coaches?region={dataset.region.id}&municipality={doetinchem.id}"))
    assert row_cells(html, "coach-table", "Mo Mulder")[:6] == [
        "Doetinchem", "Groep B", "Ingeschreven", "✓ elders ingehaald", "✓ aanwezig", "✓ aanwezig"]
    assert row_cells(html, "coach-table", "Anna Aarts")[-1] == "Ja"
    assert row_cells(html, "coach-table", "Bert Bos")[-1] == "Nee"  # certificate revoked
    assert "Eva Evers" not in html and "Bo Berg" not in html  # withdrew; pending
    fragment = client.get(f"/reports/coaches?region={dataset.region.id}", htmx=True)
    assert text(fragment).strip().startswith('<div id="coach-table">')


def test_cohort_page(client, auth, coordinator, dataset):
    auth.login(coordinator)
    html = text(client.get(f"/reports/cohorts/{dataset.b.id}"))
    assert "Bijeenkomst 1 (nieuw)" in html and "Geannuleerd" in html
    assert row_cells(html, "funnel-table", "Aanwezig bij het online dagdeel") == ["2", "100%"]
    assert row_cells(html, "municipality-table", "Aalten")[:2] == ["1", "1"]
    assert "/accreditation" not in html  # staff only


# Exports -----------------------------------------------------------------------------


def test_csv_export_for_dutch_excel(client, auth, staff, dataset):
    auth.login(staff)
    response = client.get(f"/reports/export.csv?region={dataset.region.id}&to_date=2026-12-31")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and 'filename="rapportage-' in disposition
    assert "achterhoek" in disposition and "2026-12-31" in disposition and disposition.endswith('.csv"')
    rows = csv_rows(response)
    assert rows[0] == ["Niveau", "Regio", "Gemeente", "Ingeschreven", "Wachtlijst", "Aanwezig bij het online dagdeel",
                       "Aanwezig bij bijeenkomst 1", "Aanwezig bij bijeenkomst 2", "Afgerond", "Gecertificeerd",
                       "Afrondingspercentage (%)"]
    assert rows[1] == ["Regio", "Achterhoek", "Alle gemeenten", "7", "1", "7", "6", "5", "3", "2", "42,9"]
    by_municipality = {row[2]: row[3:] for row in rows[2:]}
    assert by_municipality["Doetinchem"] == ["3", "0", "3", "3", "3", "2", "1", "66,7"]
    assert by_municipality["Aalten"] == ["1", "1", "1", "1", "0", "0", "0", "0,0"]
    assert by_municipality["Tiel (buiten de regio)"][0] == "1"
    assert len(rows) == 1 + 1 + 4  # header, the region, its three municipalities and Tiel


def test_csv_export_of_all_regions_ends_with_a_total(client, auth, staff, dataset):
    auth.login(staff)
    rows = csv_rows(client.get("/reports/export.csv"))
    assert rows[-1][:5] == ["Totaal", "Alle regio’s", "Alle gemeenten", "9", "3"]
    assert [row[1] for row in rows if row[0] == "Regio"] == ["Achterhoek", "Rivierenland"]


def test_csv_export_never_hands_excel_a_formula(client, auth, staff, dataset):
    dataset.region.municipalities.append(Municipality(name="=HYPERLINK(\"http://x\")"))
    db.session.commit()
    auth.login(staff)
    rows = csv_rows(client.get(f"/reports/export.csv?region={dataset.region.id}"))
    assert "'=HYPERLINK(\"http://x\")" in [row[2] for row in rows]


def test_xlsx_export(client, auth, staff, dataset):
    auth.login(staff)
    response = client.get(f"/reports/export.xlsx?programme={dataset.programme.id}&from_date=2026-08-01")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    workbook = load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook["Cijfers"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Niveau", "Regio", "Gemeente", "Ingeschreven", "Wachtlijst")
    achterhoek = rows[1]
    assert achterhoek[:10] == ("Regio", "Achterhoek", "Alle gemeenten", 3, 3, 2, 2, 1, 0, 0)
    assert achterhoek[10] == 0 and sheet.cell(row=2, column=11).number_format == "0.0%"
    assert rows[-1][:4] == ("Totaal", "Alle regio’s", "Alle gemeenten", 3)
    about = dict(workbook["Filters"].iter_rows(values_only=True))
    assert about["Opleiding"] == dataset.programme.title
    assert about["Groepen die starten"] == "vanaf 1 augustus 2026"


# Accreditation -----------------------------------------------------------------------


def test_accreditation_page_and_plain_text_list(client, auth, staff, dataset):
    auth.login(staff)
    html = text(client.get(f"/reports/cohorts/{dataset.a.id}/accreditation"))
    numbers = html.split('id="registration-numbers"', 1)[1].split("</textarea>", 1)[0]
    assert numbers.split(">", 1)[1] == "100001\n100002\n100006\n"
    without = html.split('id="without-heading"', 1)[1].split("</section>", 1)[0]
    assert "Cas Claessen" in without and "100004" not in html.split('id="not-met-heading"')[0]
    assert "Dirk Dekker" in html.split('id="not-met-heading"', 1)[1]

    response = client.get(f"/reports/cohorts/{dataset.a.id}/accreditation.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="accreditatie-rp-1-groep-a.txt"'
    assert response.get_data(as_text=True) == "100001\n100002\n100006\n"


def test_accreditation_list_of_a_future_cohort_says_it_is_not_final(client, auth, staff, dataset):
    auth.login(staff)
    html = text(client.get(f"/reports/cohorts/{dataset.f.id}/accreditation"))
    assert "3 verplichte bijeenkomsten hebben nog niet plaatsgevonden" in html
    assert client.get(f"/reports/cohorts/{dataset.f.id}/accreditation.txt").get_data() == b""


# Start page --------------------------------------------------------------------------


def test_start_page_panel(client, auth, coordinator, staff, make_user, dataset):
    auth.login(coordinator)
    html = text(client.get("/"))
    assert 'id="panel-reports"' in html and "Cijfers van je regio" in html
    panel = html.split('id="panel-reports"', 1)[1].split("</article>", 1)[0]
    assert "Achterhoek" in panel and "Rivierenland" not in panel
    assert re.search(r"Achterhoek</a></th>\s*<td class=\"num\">8</td>\s*<td class=\"num\">3</td>", panel)
    auth.logout()
    auth.login(staff)
    panel = text(client.get("/")).split('id="panel-reports"', 1)[1].split("</article>", 1)[0]
    assert "Rivierenland" in panel and "Totaal" in panel
    auth.logout()
    auth.login(make_user(Role.COACH))
    assert 'id="panel-reports"' not in text(client.get("/"))


# A fixed number of statements whatever the data -----------------------------------------


@pytest.fixture
def statements(app):
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    yield seen
    sa.event.remove(db.engine, "before_cursor_execute", count)


def _grow(dataset, make_user, make_cohort, extra: int) -> None:
    """More cohorts, coaches, attendance, make-ups and certificates in both regions."""
    from lms.certificates.services import issue_certificate

    municipalities = list(dataset.region.municipalities) + list(dataset.other_region.municipalities)
    for n in range(extra // 10):
        region = dataset.region if n % 2 == 0 else dataset.other_region
        cohort = make_cohort(dataset.programme, region=region, first=date(2025, 1 + n % 12, 7),
                             status=CohortStatus.COMPLETED, title=f"Extra {n}")
        for i in range(10):
            user = make_user(Role.COACH, name=f"Extra {n}-{i}", region=region,
                             municipality=municipalities[(n + i) % len(municipalities)],
                             registration_number=f"9{n:03d}{i:02d}" if i % 3 else None)
            status = EnrolmentStatus.COMPLETED if i % 2 else EnrolmentStatus.ENROLLED
            enrolment = enrol(cohort, user, status)
            attend(user, *[(s, P) for s in cohort.sessions[: 1 + i % 3]])
            if i == 0:
                attend(user, (dataset.a.sessions[2], P))  # a make-up elsewhere
            if status == EnrolmentStatus.COMPLETED:
                db.session.flush()
                issue_certificate(enrolment, cohort.sessions[-1].ends_at)
    db.session.commit()


PAGES = (
    "/",
    "/reports/",
    "/reports/?region={region}",
    "/reports/export.csv",
    "/reports/export.xlsx?region={region}",
    "/reports/cohorts?region={region}",
    "/reports/cohorts?region={region}&municipality={municipality}",
    "/reports/coaches?region={region}",
    "/reports/cohorts/{cohort}",
    "/reports/cohorts/{cohort}/accreditation",
    "/reports/cohorts/{cohort}/accreditation.txt",
)


def _count(client, statements, dataset) -> dict[str, int]:
    counts = {}
    doetinchem = next(m for m in dataset.region.municipalities if m.name == "Doetinchem")
    # The first read recomputes the cohorts that changed (lms/reports/summary.py): a cost per
    # change, not per page.
    client.get("/")
    for page in PAGES:
        url = page.format(region=dataset.region.id, municipality=doetinchem.id, cohort=dataset.a.id)
        statements.clear()
        response = client.get(url)
        assert response.status_code == 200, url
        counts[page] = len(statements)
    return counts


def test_statements_per_page_do_not_grow_with_the_data(client, auth, staff, dataset, make_user, make_cohort,
                                                       statements, app):
    app.config["PAGE_SIZE"] = 10
    auth.login(staff)
    small = _count(client, statements, dataset)
    _grow(dataset, make_user, make_cohort, extra=60)
    large = _count(client, statements, dataset)
    assert large == small
    assert max(small.values()) <= 10, small
