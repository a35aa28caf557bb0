"""Double bookings are warned about, never refused: a trainer in two sessions at once, an address booked twice."""

from __future__ import annotations

from datetime import date

from lms.auth.models import Role
from lms.cohorts.clashes import clashes
from lms.cohorts.models import CohortStatus
from lms.extensions import db


def _edit(client, cohort, region, trainers):
    data = {"title": cohort.title, "region_id": region.id, "municipality_id": "", "capacity": str(cohort.capacity),
            "enrol_opens_on": "", "enrol_closes_on": "", "description": "", "trainers": [t.id for t in trainers]}
    return client.post(f"/staff/cohorts/{cohort.id}/edit", data=data, follow_redirects=True)


def test_choosing_a_trainer_booked_elsewhere_at_that_time_warns_and_saves(client, auth, users, make_cohort,
                                                                          make_user, region):
    trainer = make_user(Role.TRAINER, name="Tineke Trainer")
    make_cohort(title="Achterhoek voorjaar", first=date(2027, 3, 16), trainers=[trainer])
    other = make_cohort(title="Rivierenland voorjaar", first=date(2027, 3, 16))
    for s in other.sessions:
        s.address = "Stationsplein 3, Tiel"
    db.session.commit()
    auth.login(users["staff"])
    response = _edit(client, other, region, [trainer])
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "flash-warning" in page
    assert "Tineke Trainer" in page and "Achterhoek voorjaar" in page
    db.session.refresh(other)
    assert [t.id for t in other.trainers] == [trainer.id]  # saved all the same


def test_no_warning_without_overlap(client, auth, users, make_cohort, make_user, region):
    trainer = make_user(Role.TRAINER, name="Tineke Trainer")
    make_cohort(title="Achterhoek voorjaar", first=date(2027, 3, 16), trainers=[trainer])
    later = make_cohort(title="Achterhoek najaar", first=date(2027, 9, 14))
    auth.login(users["staff"])
    page = _edit(client, later, region, [trainer]).get_data(as_text=True)
    assert "flash-warning" not in page


def test_moving_a_session_onto_another_at_the_same_address_warns(client, auth, users, make_cohort):
    first = make_cohort(title="Achterhoek voorjaar", first=date(2027, 5, 11))
    second = make_cohort(title="Achterhoek zomer", first=date(2027, 5, 4))
    booked = first.sessions[1]  # 25 May 13:30-17:00 at Dorpsstraat 1, Doetinchem
    moved = second.sessions[1]
    auth.login(users["staff"])
    response = client.post(f"/staff/sessions/{moved.id}", data={
        "kind": "in_person", "title": moved.title, "day": "2027-05-25", "start": "15:00", "end": "18:00",
        "address": "dorpsstraat 1,  Doetinchem", "room": "", "video_url": "", "net_hours": "3", "is_required": "y"},
        follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "flash-warning" in page and "Dorpsstraat 1, Doetinchem" in page and "Achterhoek voorjaar" in page
    db.session.refresh(moved)
    assert moved.starts_at.date() == date(2027, 5, 25)  # moved all the same
    assert [c.other.id for c in clashes([moved], [])] == [booked.id]


def test_a_new_session_at_a_booked_address_warns(client, auth, users, make_cohort):
    make_cohort(title="Achterhoek voorjaar", first=date(2027, 5, 11))
    second = make_cohort(title="Achterhoek zomer", first=date(2027, 5, 4))
    auth.login(users["staff"])
    page = client.post(f"/staff/cohorts/{second.id}/sessions/new", data={
        "kind": "in_person", "title": "Extra", "day": "2027-05-25", "start": "13:30", "end": "17:00",
        "address": "Dorpsstraat 1, Doetinchem", "room": "", "video_url": "", "net_hours": "1", "is_required": "y"},
        follow_redirects=True).get_data(as_text=True)
    assert "flash-warning" in page and "Achterhoek voorjaar" in page


def test_other_rooms_cancelled_sessions_and_cohorts_do_not_clash(make_cohort, make_user):
    trainer = make_user(Role.TRAINER)
    first = make_cohort(first=date(2027, 3, 16), trainers=[trainer])
    second = make_cohort(first=date(2027, 3, 16))
    first.sessions[1].room = "Zaal 1"
    second.sessions[1].room = "Zaal 2"
    first.sessions[2].status = second.sessions[2].status  # scheduled
    db.session.commit()
    found = clashes(second.sessions, [])
    # Zaal 1 and Zaal 2 differ; the other in-person session (no room) does clash.
    assert [(c.session.id, c.other.id) for c in found] == [(second.sessions[2].id, first.sessions[2].id)]
    first.status = CohortStatus.CANCELLED
    db.session.commit()
    assert clashes(second.sessions, [trainer]) == []
