"""The move form names each group in one translated sentence, with the seats left in the right number."""

from __future__ import annotations

from lms.auth.models import Role
from lms.extensions import db
from tests.factories import add_enrolment


def test_move_choices_are_one_message_with_parameters(client, auth, make_cohort, make_user, make_programme):
    programme = make_programme()
    source = make_cohort(programme, title="Achterhoek voorjaar 2027")
    one_left = make_cohort(programme, title="Achterhoek zomer 2027", capacity=2)
    make_cohort(programme, title="Achterhoek najaar 2027", capacity=3)
    add_enrolment(one_left, make_user(Role.COACH))
    enrolment = add_enrolment(source, make_user(Role.COACH))
    db.session.commit()
    auth.login(make_user(Role.STAFF))
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/staff/enrolments/{enrolment.id}/move").get_data(as_text=True)
    assert "Achterhoek zomer 2027 (Achterhoek, 1 seat left)" in page
    assert "Achterhoek najaar 2027 (Achterhoek, 3 seats left)" in page
