from __future__ import annotations

from lms.audit.models import AuditEvent
from lms.auth.models import Role, User
from lms.extensions import db
from lms.regions.models import Municipality, Region


def test_user_list_search_and_fragment(client, auth, users):
    auth.login(users["admin"])
    page = client.get("/admin/users?q=cora").get_data(as_text=True)
    assert "Cora Coach" in page and "Tim Trainer" not in page
    response = client.get("/admin/users?role=trainer", htmx=True)
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="user-table">')
    assert "Tim Trainer" in body and "Cora Coach" not in body
    assert "HX-Request" in response.headers["Vary"]


def test_user_list_is_paginated(client, auth, users, make_user, app):
    app.config["PAGE_SIZE"] = 3
    for i in range(5):
        make_user(name=f"Zz Extra {i}")
    auth.login(users["admin"])
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Pagina 1 van 4" in page
    assert "Pagina 4 van 4" in client.get("/admin/users?page=4").get_data(as_text=True)


def test_admin_creates_user_with_invitation(client, auth, users, mailbox, region):
    auth.login(users["admin"])
    response = client.post("/admin/users/new", data={
        "name": "Nieuwe Trainer", "email": "nieuw@example.org", "password": "", "locale": "nl",
        "region_id": "", "municipality_id": "", "organisation_id": "", "registration_number": "",
        "roles": ["trainer"], "is_active": "y"})
    assert response.status_code == 303
    user = db.session.query(User).filter_by(email="nieuw@example.org").one()
    assert user.roles == {Role.TRAINER}
    assert user.password_hash is None
    [mail] = mailbox.wait_for("nieuw@example.org")
    assert "/password/reset/" in mail.get_body(("plain",)).get_content()


def test_admin_grants_and_withdraws_roles_and_it_is_audited(client, auth, users, region):
    auth.login(users["admin"])
    coach = users["coach"]
    response = client.post(f"/admin/users/{coach.id}", data={
        "name": coach.name, "email": coach.email, "locale": "nl", "region_id": region.id,
        "municipality_id": coach.municipality_id, "organisation_id": "", "registration_number": "",
        "roles": ["coach", "coordinator"], "coordinator_regions": [region.id], "is_active": "y"})
    assert response.status_code == 303
    db.session.refresh(coach)
    assert coach.roles == {Role.COACH, Role.COORDINATOR}
    assert coach.coordinated_region_ids == {region.id}
    event = db.session.query(AuditEvent).filter_by(action="user.update").one()
    assert event.before["roles"] == ["coach"]
    assert event.after["roles"] == ["coach", "coordinator"]
    assert event.actor_id == users["admin"].id


def test_coordinator_needs_a_region(client, auth, users):
    auth.login(users["admin"])
    coach = users["coach"]
    response = client.post(f"/admin/users/{coach.id}", data={
        "name": coach.name, "email": coach.email, "locale": "nl", "roles": ["coordinator"], "is_active": "y"})
    assert response.status_code == 422
    assert 'id="coordinator_regions-error"' in response.get_data(as_text=True)


def test_admin_cannot_remove_own_admin_role(client, auth, users):
    admin = users["admin"]
    auth.login(admin)
    response = client.post(f"/admin/users/{admin.id}", data={
        "name": admin.name, "email": admin.email, "locale": "nl", "roles": ["staff"], "is_active": "y"})
    assert response.status_code == 422
    db.session.refresh(admin)
    assert Role.ADMIN in admin.roles


def test_deactivating_a_user_ends_their_sessions(app, users):
    from tests.conftest import Client
    from tests.factories import PASSWORD

    app.test_client_class = Client
    admin_client, coach_client = app.test_client(), app.test_client()
    admin_client.post("/login", data={"email": users["admin"].email, "password": PASSWORD})
    coach_client.post("/login", data={"email": users["coach"].email, "password": PASSWORD})
    coach = users["coach"]
    admin_client.post(f"/admin/users/{coach.id}", data={
        "name": coach.name, "email": coach.email, "locale": "nl", "roles": ["coach"], "is_active": ""})
    assert coach_client.get("/profile").status_code == 303
    assert coach_client.post("/login", data={"email": coach.email, "password": PASSWORD}).status_code == 422


def test_unknown_user_is_404(client, auth, users):
    auth.login(users["admin"])
    assert client.get("/admin/users/999999").status_code == 404


def test_regions_crud(client, auth, users):
    auth.login(users["admin"])
    assert client.post("/admin/regions", data={"name": "Twente"}).status_code == 303
    region = db.session.query(Region).filter_by(name="Twente").one()
    region_id = region.id
    assert region.slug == "twente"
    response = client.post("/admin/regions", data={"name": "twente"})
    assert response.status_code == 422 and "bestaat al" in response.get_data(as_text=True)
    confirm = client.get(f"/admin/regions/{region.id}/delete").get_data(as_text=True)
    assert "Twente verwijderen?" in confirm
    assert client.post(f"/admin/regions/{region_id}/delete").status_code == 303
    assert db.session.query(Region).filter_by(id=region_id).first() is None


def test_region_with_municipalities_cannot_be_deleted(client, auth, users, region):
    auth.login(users["admin"])
    response = client.post(f"/admin/regions/{region.id}/delete", follow_redirects=True)
    assert "nog gemeenten" in response.get_data(as_text=True)
    assert db.session.get(Region, region.id) is not None


def test_moving_a_municipality_moves_its_coaches(client, auth, users, region, other_region):
    auth.login(users["admin"])
    coach = users["coach"]
    municipality = coach.municipality
    response = client.post(f"/admin/municipalities/{municipality.id}",
                           data={"name": municipality.name, "region_id": other_region.id})
    assert response.status_code == 303
    db.session.refresh(coach)
    assert coach.region_id == other_region.id
    assert db.session.get(Municipality, municipality.id).region_id == other_region.id


def test_organisations_crud(client, auth, users, region):
    auth.login(users["admin"])
    response = client.post("/admin/organisations",
                           data={"name": "Welzijn Aalten", "municipality_id": region.municipalities[0].id})
    assert response.status_code == 303
    assert "Welzijn Aalten" in client.get("/admin/organisations").get_data(as_text=True)
