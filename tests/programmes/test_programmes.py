from __future__ import annotations

from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.programmes.models import Module, Programme, SessionTemplate

SETTINGS = {
    "title": "Verdiepingstraining", "description": "Voor gevorderden", "net_hours": "3", "accreditation_body": "",
    "accreditation_course_id": "", "accreditation_points": "3", "validity_years": "", "certificate_issuer": "LKWOR",
    "cancellation_deadline_days": "0", "requires_approval": "y", "offer_hours": "24", "contact_email": "",
}


def test_staff_create_programme(client, auth, users):
    auth.login(users["staff"])
    response = client.post("/staff/programmes/new", data=SETTINGS)
    assert response.status_code == 303
    programme = db.session.query(Programme).filter_by(title="Verdiepingstraining").one()
    assert programme.requires_approval and programme.offer_hours == 24 and programme.cancellation_deadline_days == 0
    assert programme.validity_years is None
    assert response.headers["Location"] == f"/staff/programmes/{programme.id}"
    assert db.session.query(AuditEvent).filter_by(action="programme.create").count() == 1


def test_programme_form_errors_keep_input(client, auth, users):
    auth.login(users["staff"])
    response = client.post("/staff/programmes/new", data={**SETTINGS, "title": "", "offer_hours": "0",
                                                            "net_hours": "veel"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="title-error"' in page and 'id="offer_hours-error"' in page and 'id="net_hours-error"' in page
    assert 'value="LKWOR"' in page
    assert db.session.query(Programme).count() == 0


def test_reorder_modules_without_reload(client, auth, users, make_programme):
    programme = make_programme()
    first, second = programme.modules
    auth.login(users["staff"])
    response = client.post(f"/staff/programmes/modules/{second.id}/move", data={"direction": "up"}, htmx=True)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="modules"')
    assert body.index("Module 2") < body.index("Module 1")
    assert "HX-Request" in response.headers["Vary"]
    db.session.expire_all()
    assert [m.title for m in db.session.get(Programme, programme.id).modules] == ["Module 2", "Module 1"]


def test_reorder_without_javascript_redirects_back(client, auth, users, make_programme):
    programme = make_programme()
    auth.login(users["staff"])
    response = client.post(f"/staff/programmes/modules/{programme.modules[0].id}/move", data={"direction": "down"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#modules")


def test_add_module_fragment_and_error(client, auth, users, make_programme):
    programme = make_programme()
    auth.login(users["staff"])
    response = client.post(f"/staff/programmes/{programme.id}/modules",
                           data={"module-title": "Module 3", "module-is_required": "y"}, htmx=True)
    assert response.status_code == 200 and "Module 3" in response.get_data(as_text=True)
    response = client.post(f"/staff/programmes/{programme.id}/modules", data={"module-title": ""}, htmx=True)
    assert response.status_code == 422
    assert 'id="module-title-error"' in response.get_data(as_text=True)


def test_session_pattern(client, auth, users, make_programme):
    programme = make_programme()
    auth.login(users["staff"])
    response = client.post(f"/staff/programmes/{programme.id}/pattern", data={
        "pattern-kind": "in_person", "pattern-title": "Terugkomdag", "pattern-day_offset": "70",
        "pattern-start_time": "13:30", "pattern-duration_minutes": "150", "pattern-net_hours": "2",
        "pattern-is_required": ""}, htmx=True)
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip().startswith('<section id="pattern"')
    template = db.session.query(SessionTemplate).filter_by(title="Terugkomdag").one()
    assert template.day_offset == 70 and template.is_required is False and template.duration_minutes == 150


def test_delete_module_asks_first(client, auth, users, make_programme):
    programme = make_programme()
    module = programme.modules[0]
    auth.login(users["staff"])
    page = client.get(f"/staff/programmes/modules/{module.id}/delete").get_data(as_text=True)
    assert "Module 1 verwijderen?" in page
    assert client.post(f"/staff/programmes/modules/{module.id}/delete").status_code == 303
    assert db.session.query(Module).filter_by(programme_id=programme.id).count() == 1


def test_archive_programme(client, auth, users, make_programme):
    programme = make_programme()
    auth.login(users["staff"])
    client.post(f"/staff/programmes/{programme.id}/archive", data={"archived": "1"})
    db.session.refresh(programme)
    assert programme.is_archived
    assert programme.title not in client.get("/staff/programmes/").get_data(as_text=True)
    assert programme.title in client.get("/staff/programmes/?archived=1").get_data(as_text=True)
