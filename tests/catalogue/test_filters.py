"""The catalogue's filters: region-wide cohorts under every municipality, and a region change that resets the municipality."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from lms.cohorts.models import CohortStatus
from lms.extensions import db
from tests.conftest import NOW


@pytest.fixture
def utrecht(make_region):
    return make_region("Utrecht", ("Amersfoort", "Utrecht", "Zeist"))


@pytest.fixture
def haaglanden(make_region):
    return make_region("Haaglanden", ("Delft", "Den Haag"))


def _municipality(region, name):
    return next(m for m in region.municipalities if m.name == name)


def _titles(body: str, *titles: str) -> set[str]:
    return {title for title in titles if title in body}


def test_region_wide_cohort_is_listed_under_every_municipality_of_its_region(client, make_cohort, utrecht,
                                                                             haaglanden):
    make_cohort(title="Utrecht hele regio", region=utrecht)
    make_cohort(title="Utrecht stad", region=utrecht, municipality=_municipality(utrecht, "Utrecht"))
    make_cohort(title="Eemland groep", region=utrecht, municipality=_municipality(utrecht, "Amersfoort"))
    make_cohort(title="Haaglanden hele regio", region=haaglanden)
    all_titles = ("Utrecht hele regio", "Utrecht stad", "Eemland groep", "Haaglanden hele regio")

    city = _municipality(utrecht, "Utrecht")
    body = client.get(f"/trainings?region={utrecht.id}&municipality={city.id}").get_data(as_text=True)
    assert _titles(body, *all_titles) == {"Utrecht hele regio", "Utrecht stad"}
    assert "2 groepen gevonden" in body

    zeist = _municipality(utrecht, "Zeist")
    body = client.get(f"/trainings?region={utrecht.id}&municipality={zeist.id}").get_data(as_text=True)
    assert _titles(body, *all_titles) == {"Utrecht hele regio"}

    body = client.get(f"/trainings?region={utrecht.id}").get_data(as_text=True)
    assert _titles(body, *all_titles) == {"Utrecht hele regio", "Utrecht stad", "Eemland groep"}


def test_a_municipality_of_another_region_is_ignored(client, make_cohort, utrecht, haaglanden):
    make_cohort(title="Utrecht stad", region=utrecht, municipality=_municipality(utrecht, "Utrecht"))
    make_cohort(title="Delfland groep", region=haaglanden, municipality=_municipality(haaglanden, "Delft"))
    make_cohort(title="Haaglanden hele regio", region=haaglanden)
    stale = _municipality(utrecht, "Utrecht")

    # Without JavaScript the form sends the old municipality along: the answer is the region's groups,
    # at an address without it.
    response = client.get(f"/trainings?region={haaglanden.id}&municipality={stale.id}&month=&page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/trainings?region={haaglanden.id}&month="
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert _titles(body, "Utrecht stad", "Delfland groep", "Haaglanden hele regio") == {
        "Delfland groep", "Haaglanden hele regio"}
    assert "2 groepen gevonden" in body
    assert f'<option value="{stale.id}"' not in body  # the municipality list is the new region's

    # With htmx the fragment shows the region's groups and the browser is told the address to show.
    response = client.get(f"/trainings?region={haaglanden.id}&municipality={stale.id}", htmx=True)
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == f"/trainings?region={haaglanden.id}"
    body = response.get_data(as_text=True)
    assert _titles(body, "Utrecht stad", "Delfland groep", "Haaglanden hele regio") == {
        "Delfland groep", "Haaglanden hele regio"}
    assert 'selected>Delft' not in body and f'<option value="{stale.id}"' not in body

    # A municipality without a region is one of no chosen region either.
    response = client.get(f"/trainings?municipality={stale.id}")
    assert response.status_code == 302 and response.headers["Location"] == "/trainings"


def test_every_filter_state_is_a_shareable_address(client, make_cohort, utrecht):
    city = _municipality(utrecht, "Utrecht")
    make_cohort(title="Utrecht stad", region=utrecht, municipality=city)
    address = f"/trainings?region={utrecht.id}&municipality={city.id}&month=2027-03"
    body = client.get(address).get_data(as_text=True)
    assert "Utrecht stad" in body
    assert f'<option value="{utrecht.id}" selected>' in body
    assert f'<option value="{city.id}" selected>' in body
    assert '<option value="2027-03" selected>' in body
    # The form is a plain GET form, and htmx pushes each filter state into the address bar.
    assert 'method="get"' in body and 'data-hx-push-url="true"' in body
    fragment = client.get(address, htmx=True)
    assert "HX-Push-Url" not in fragment.headers  # the request's own address is the one to push
    assert "Utrecht stad" in fragment.get_data(as_text=True)


def test_the_month_filter_offers_the_local_months_in_which_open_cohorts_start(client, make_cohort):
    """A start just before midnight UTC on the last of a month is in the next month in the
    Netherlands, in winter (UTC+1) and in summer (UTC+2) alike; drafts offer no month."""
    starts = {
        "Nieuwjaar": datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc),  # 1 January, 00:30 local
        "April": datetime(2027, 3, 31, 22, 30, tzinfo=timezone.utc),  # 1 April, 00:30 local
        "Ook april": datetime(2027, 4, 20, 8, 0, tzinfo=timezone.utc),
    }
    for title, moment in starts.items():
        make_cohort(title=title).starts_at = moment
    make_cohort(title="Concept", status=CohortStatus.DRAFT).starts_at = datetime(2027, 6, 1, 8, tzinfo=timezone.utc)
    db.session.commit()
    page = client.get("/trainings").get_data(as_text=True)
    offered = set(re.findall(r'<option value="(\d{4}-\d{2})"', page))
    assert offered == {"2027-01", "2027-04"}


def test_without_open_cohorts_the_month_filter_offers_no_month(client, make_cohort):
    make_cohort(title="Concept", status=CohortStatus.DRAFT)
    page = client.get("/trainings").get_data(as_text=True)
    assert not re.findall(r'<option value="(\d{4}-\d{2})"', page)


def test_each_card_says_whether_enrolment_is_open_by_the_same_rule_as_enrolling(client, make_cohort):
    """An open group whose enrolment period has passed (or not begun) says so, in the reader's
    language, instead of a date to enrol by that lies in the past."""
    make_cohort(title="Nog open", enrol_closes_at=NOW + timedelta(days=3))
    make_cohort(title="Te laat", enrol_closes_at=NOW - timedelta(minutes=1))
    make_cohort(title="Nog niet", enrol_opens_at=NOW + timedelta(days=2), enrol_closes_at=NOW + timedelta(days=9))
    begun = make_cohort(title="Al begonnen", first=(NOW - timedelta(days=1)).date())
    assert begun.sessions[0].starts_at < NOW  # its first session has been held: too late to join

    def footer(body: str, title: str) -> str:
        card = body.split(f">{title}</a>", 1)[1]
        return " ".join(card.split("<footer>", 1)[1].split("</footer>", 1)[0].split())

    page = client.get("/trainings").get_data(as_text=True)
    assert "Inschrijven tot 26 november 2026" in footer(page, "Nog open")
    assert "Inschrijving gesloten" in footer(page, "Te laat") and "Inschrijven tot" not in footer(page, "Te laat")
    assert "De inschrijving opent op 25 november 2026." in footer(page, "Nog niet")
    assert "Inschrijving gesloten" in footer(page, "Al begonnen")
    client.post("/language", data={"locale": "en"})
    page = client.get("/trainings").get_data(as_text=True)
    assert "Enrolment closed" in footer(page, "Te laat")
    assert "Enrol until 26 November 2026" in footer(page, "Nog open")
