from __future__ import annotations

from datetime import date

from lms.auth.models import Role
from lms.cohorts.models import Cohort, CohortStatus, SessionStatus
from lms.enrolment.models import EnrolmentStatus
from lms.extensions import db
from tests.factories import add_enrolment
from tests.querycount import count_queries


def _new_cohort_form(programme, region, **extra):
    data = {"programme_id": programme.id, "first_day": "2027-03-16", "title": "Achterhoek voorjaar 2027",
            "region_id": region.id, "municipality_id": "", "capacity": "14", "enrol_opens_on": "",
            "enrol_closes_on": "2027-03-01", "description": "", "address": "Markt 1, Doetinchem",
            "video_url": "https://meet.example.org/abc"}
    data.update(extra)
    return data


def test_staff_open_cohort_and_publish(client, auth, users, make_programme, region):
    programme = make_programme()
    auth.login(users["staff"])
    response = client.post("/staff/cohorts/new", data=_new_cohort_form(programme, region,
                                                                        trainers=[users["trainer"].id]))
    assert response.status_code == 303
    cohort = db.session.query(Cohort).one()
    assert cohort.trainers == [users["trainer"]]
    page = client.get(f"/staff/cohorts/{cohort.id}").get_data(as_text=True)
    assert "dinsdag 16 maart 2027, 09:00–12:30" in page
    assert "dinsdag 30 maart 2027, 13:30–17:00" in page  # summer time, still 13:30 local
    response = client.post(f"/staff/cohorts/{cohort.id}/status", data={"status": "open"})
    assert response.status_code == 303
    db.session.refresh(cohort)
    assert cohort.status == CohortStatus.OPEN


def test_new_cohort_errors_stay_at_the_fields(client, auth, users, make_programme, region):
    programme = make_programme()
    auth.login(users["staff"])
    response = client.post("/staff/cohorts/new", data=_new_cohort_form(
        programme, region, enrol_closes_on="2027-04-01", video_url="http://niet-veilig.example.org"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="video_url-error"' in page and "https://" in page
    response = client.post("/staff/cohorts/new", data=_new_cohort_form(programme, region, enrol_closes_on="2027-04-01"))
    assert response.status_code == 422
    assert 'id="enrol_closes_on-error"' in response.get_data(as_text=True)
    assert db.session.query(Cohort).count() == 0


def test_edit_session_in_local_time(client, auth, users, make_cohort):
    cohort = make_cohort()
    session = cohort.sessions[1]
    auth.login(users["staff"])
    form = client.get(f"/staff/sessions/{session.id}").get_data(as_text=True)
    assert 'value="2027-03-30"' in form and 'value="13:30"' in form
    response = client.post(f"/staff/sessions/{session.id}", data={
        "kind": "in_person", "title": session.title, "day": "2027-03-31", "start": "14:00", "end": "17:30",
        "address": "Nieuwe Markt 2", "room": "", "video_url": "", "net_hours": "3", "is_required": "y"})
    assert response.status_code == 303
    db.session.refresh(session)
    assert session.starts_at.isoformat() == "2027-03-31T12:00:00+00:00"
    assert session.sequence == 1


def test_session_form_validation_messages(client, auth, users, make_cohort):
    cohort = make_cohort()
    session = cohort.sessions[0]
    auth.login(users["staff"])
    response = client.post(f"/staff/sessions/{session.id}", data={
        "kind": "online", "title": "X", "day": "2027-03-16", "start": "12:00", "end": "11:00", "video_url": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="end-error"' in page and 'id="video_url-error"' in page


def test_cancel_session_asks_and_stays_visible(client, auth, users, make_cohort, make_user):
    cohort = make_cohort()
    session = cohort.sessions[2]
    auth.login(users["staff"])
    assert "Bijeenkomst 2 annuleren?" in client.get(f"/staff/sessions/{session.id}/cancel").get_data(as_text=True)
    response = client.post(f"/staff/sessions/{session.id}/cancel", data={"reason": ""})
    assert response.status_code == 422
    client.post(f"/staff/sessions/{session.id}/cancel", data={"reason": "Zaal niet beschikbaar"})
    db.session.refresh(session)
    assert session.status == SessionStatus.CANCELLED
    public = client.get(f"/trainings/{cohort.id}").get_data(as_text=True)
    assert "Bijeenkomst 2" in public and "Geannuleerd" in public


def test_cancel_cohort_lists_affected_people(client, auth, users, make_cohort):
    from lms.enrolment.models import Enrolment, EnrolmentStatus

    cohort = make_cohort()
    db.session.add(Enrolment(cohort=cohort, user=users["coach"], programme_id=cohort.programme_id,
                             status=EnrolmentStatus.ENROLLED))
    cohort.seats_taken = 1
    db.session.commit()
    auth.login(users["staff"])
    page = client.get(f"/staff/cohorts/{cohort.id}/cancel").get_data(as_text=True)
    assert users["coach"].name in page
    response = client.post(f"/staff/cohorts/{cohort.id}/cancel", data={"reason": "Te weinig deelnemers"})
    assert response.status_code == 422  # not confirmed
    response = client.post(f"/staff/cohorts/{cohort.id}/cancel", data={"reason": "Te weinig deelnemers", "confirm": "y"})
    assert response.status_code == 303
    db.session.refresh(cohort)
    assert cohort.status == CohortStatus.CANCELLED


def test_capacity_below_enrolled_asks_for_confirmation(client, auth, users, make_cohort, region):
    from lms.enrolment.models import Enrolment, EnrolmentStatus

    cohort = make_cohort(capacity=2)
    db.session.add(Enrolment(cohort=cohort, user=users["coach"], programme_id=cohort.programme_id,
                             status=EnrolmentStatus.ENROLLED))
    cohort.seats_taken = 2
    db.session.commit()
    auth.login(users["staff"])
    data = {"title": cohort.title, "region_id": region.id, "municipality_id": "", "capacity": "1",
            "enrol_opens_on": "", "enrol_closes_on": "", "description": ""}
    response = client.post(f"/staff/cohorts/{cohort.id}/edit", data=data)
    assert response.status_code == 422
    assert "Graag bevestigen" in response.get_data(as_text=True)
    response = client.post(f"/staff/cohorts/{cohort.id}/edit", data={**data, "confirm": "y"})
    assert response.status_code == 303
    db.session.refresh(cohort)
    assert cohort.capacity == 1


def test_trainer_reads_own_cohort_without_actions(client, auth, users, make_cohort):
    cohort = make_cohort(trainers=[users["trainer"]])
    auth.login(users["trainer"])
    page = client.get(f"/staff/cohorts/{cohort.id}").get_data(as_text=True)
    assert cohort.title in page
    assert f"/staff/cohorts/{cohort.id}/edit" not in page
    start = client.get("/").get_data(as_text=True)
    assert "Je groepen" in start and cohort.title in start


def test_staff_cohort_list_filters_and_fragment(client, auth, users, make_cohort, other_region):
    make_cohort(title="Groep A")
    make_cohort(title="Groep B", region=other_region, status=CohortStatus.DRAFT)
    auth.login(users["staff"])
    page = client.get(f"/staff/cohorts?region={other_region.id}").get_data(as_text=True)
    assert "Groep B" in page and "Groep A" not in page
    response = client.get("/staff/cohorts?status=open", htmx=True)
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="cohort-table">')
    assert "Groep A" in body and "Groep B" not in body
    assert client.get("/staff/cohorts?starts_from=geen-datum&region=abc").status_code == 200


def test_staff_cohort_list_has_constant_queries(client, auth, users, make_cohort, make_programme, app):
    app.config["PAGE_SIZE"] = 200
    programme = make_programme()
    auth.login(users["staff"])

    def queries() -> int:
        client.get("/staff/cohorts")  # warm up the session
        with count_queries() as counter:
            assert client.get("/staff/cohorts").status_code == 200
        return len(counter)

    for i in range(3):
        make_cohort(programme, title=f"Groep {i}")
    few = queries()
    for i in range(3, 30):
        make_cohort(programme, title=f"Groep {i}")
    assert queries() == few


def test_catalogue_filters_and_own_region_first(client, auth, users, make_cohort, region, other_region, make_user):
    make_cohort(title="Rivierenland voorjaar", region=other_region, first=date(2027, 2, 2))
    make_cohort(title="Achterhoek voorjaar", region=region, first=date(2027, 4, 6))
    make_cohort(title="Geheim concept", region=region, status=CohortStatus.DRAFT)
    page = client.get("/trainings").get_data(as_text=True)
    assert page.index("Rivierenland voorjaar") < page.index("Achterhoek voorjaar")
    assert "Geheim concept" not in page
    auth.login(users["coach"])  # lives in the Achterhoek
    page = client.get("/trainings").get_data(as_text=True)
    assert page.index("Achterhoek voorjaar") < page.index("Rivierenland voorjaar")
    response = client.get(f"/trainings?region={other_region.id}", htmx=True)
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="catalogue">')
    assert "Rivierenland voorjaar" in body and "Achterhoek voorjaar" not in body
    assert "HX-Request" in response.headers["Vary"]
    body = client.get("/trainings?month=2027-04").get_data(as_text=True)
    assert "Achterhoek voorjaar" in body and "Rivierenland voorjaar" not in body
    assert client.get("/trainings?month=x&region=y").status_code == 200


def test_catalogue_shows_seats_or_waitlist(client, make_cohort):
    open_cohort = make_cohort(title="Ruim", capacity=10)
    full = make_cohort(title="Vol", capacity=2)
    full.seats_taken = 2
    db.session.commit()
    page = client.get("/trainings").get_data(as_text=True)
    assert "10 plaatsen vrij" in page
    assert "Vol: wachtlijst" in page
    assert open_cohort.title in page


def test_public_cohort_page_hides_video_links(client, make_cohort):
    cohort = make_cohort()
    page = client.get(f"/trainings/{cohort.id}").get_data(as_text=True)
    assert "meet.example.org" not in page
    assert "Log in om je in te schrijven" in page
    assert "dinsdag 16 maart 2027, 09:00–12:30" in page


def test_unknown_cohort_and_draft_are_404(client, make_cohort):
    draft = make_cohort(status=CohortStatus.DRAFT)
    assert client.get(f"/trainings/{draft.id}").status_code == 404
    assert client.get("/trainings/999999").status_code == 404


def test_catalogue_is_paginated(client, app, make_cohort, make_programme):
    app.config["CATALOGUE_PAGE_SIZE"] = 2
    programme = make_programme()
    for i in range(5):
        make_cohort(programme, title=f"Groep {i}", first=date(2027, 3, 1 + i))
    page = client.get("/trainings").get_data(as_text=True)
    assert "5 groepen gevonden" in page and "Pagina 1 van 3" in page
    assert "Groep 0" in page and "Groep 2" not in page
    response = client.get("/trainings?page=2", htmx=True)
    assert "Groep 2" in response.get_data(as_text=True)


def test_catalogue_past_the_last_page_still_counts_the_groups(client, app, make_cohort, make_programme):
    # The page's rows carry the total; a page past the last has none, and counts apart.
    app.config["CATALOGUE_PAGE_SIZE"] = 2
    programme = make_programme()
    for i in range(3):
        make_cohort(programme, title=f"Groep {i}", first=date(2027, 3, 1 + i))
    page = client.get("/trainings?page=7").get_data(as_text=True)
    assert "3 groepen gevonden" in page and "Pagina 7 van 2" in page
    assert "Er zijn geen groepen open voor inschrijving met deze filters." in page
    page = client.get("/trainings?region=999999").get_data(as_text=True)
    assert "0 groepen gevonden" in page and "Pagina " not in page


def test_catalogue_card_shows_sessions_in_order_and_a_cancelled_one_without_calendar_link(client, make_cohort):
    cohort = make_cohort(title="Met afgelaste bijeenkomst")
    first, second = cohort.sessions[0], cohort.sessions[1]
    first.status = SessionStatus.CANCELLED
    db.session.commit()
    card = client.get("/trainings").get_data(as_text=True).split("Met afgelaste bijeenkomst", 1)[1]
    card = card.split("</article>", 1)[0]
    assert card.index(first.title) < card.index(second.title)
    assert "session session-cancelled" in card and "Geannuleerd" in card
    assert f"/sessions/{first.id}.ics" not in card and f"/sessions/{second.id}.ics" in card


def test_staff_cohort_list_counts_each_row_newest_first_on_every_page(client, app, auth, users, make_cohort,
                                                                      make_user, other_region):
    app.config["PAGE_SIZE"] = 2
    oldest = make_cohort(title="Groep maart", first=date(2027, 3, 2), capacity=12)
    middle = make_cohort(title="Groep april", first=date(2027, 4, 6), region=other_region)
    make_cohort(title="Groep mei", first=date(2027, 5, 4))
    S = EnrolmentStatus
    for status in (S.ENROLLED, S.ENROLLED, S.COMPLETED, S.PENDING, S.CANCELLED, S.WAITLISTED, S.WAITLISTED):
        add_enrolment(oldest, make_user(Role.COACH), status)
    add_enrolment(middle, make_user(Role.COACH), S.WAITLISTED)
    db.session.commit()
    auth.login(users["staff"])

    page = client.get("/staff/cohorts").get_data(as_text=True)
    assert "3 groepen" in page and "Pagina 1 van 2" in page
    assert page.index("Groep mei") < page.index("Groep april") and "Groep maart" not in page
    april = page.split("Groep april", 1)[1].split("</tr>", 1)[0]
    assert "<td>0 / 16</td>" in april and "<td>1</td>" in april
    maart = client.get("/staff/cohorts?page=2").get_data(as_text=True).split("Groep maart", 1)[1].split("</tr>")[0]
    assert "<td>3 / 12</td>" in maart and "<td>2</td>" in maart  # enrolled and completed; waiting

    past = client.get("/staff/cohorts?page=5").get_data(as_text=True)
    assert "Er zijn geen groepen die bij deze filters passen." in past
    # The filters bind their values: a local day range, a region, a status.
    body = client.get("/staff/cohorts?starts_from=2027-04-06&starts_until=2027-04-06").get_data(as_text=True)
    assert "Groep april" in body and "Groep mei" not in body and "Groep maart" not in body
    body = client.get(f"/staff/cohorts?region={other_region.id}&status=open").get_data(as_text=True)
    assert "1 groep" in body and "Groep april" in body
    # WTForms' own messages (a catalogue kept per process and language) are still Dutch.
    body = client.get("/staff/cohorts?status=nope").get_data(as_text=True)
    assert '<small id="status-error" class="field-error">Ongeldige keuze.</small>' in body and "3 groepen" in body
