"""Privacy pages through the HTTP client: own data, export, erasure request, admin decisions."""

from __future__ import annotations

import json

import sqlalchemy as sa

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.privacy.models import ErasureRequest, ErasureStatus
from lms.privacy.services import request_erasure


def test_my_data_page_is_linked_from_the_profile_and_menu(client, auth, story):
    auth.login(story.coach)
    page = client.get("/profile").get_data(as_text=True)
    assert 'href="/privacy"' in page
    response = client.get("/privacy")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Mijn gegevens" in body and "Download mijn gegevens" in body
    assert 'action="/privacy/export"' in body


def test_export_downloads_only_the_users_own_data(client, auth, story):
    auth.login(story.coach)
    response = client.post("/privacy/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="welzijnscoach-gegevens-20')
    assert disposition.endswith('.json"')
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "cora@example.org"
    assert [c["number"] for c in data["certificates"]] == [story.certificate.number]
    assert data["certificates"][0]["verification_url"] == (
        f"http://localhost/verify/{story.certificate.verification_id}"
    )
    assert {e["cohort"] for e in data["enrolments"]} == {"Groep voorjaar", "Groep 2027"}
    text = response.get_data(as_text=True)
    assert "Otto" not in text and "otto@example.org" not in text and story.other_certificate.number not in text


def test_export_of_another_user_is_impossible(client, auth, story):
    """There is no id in the URL: whoever asks gets their own file."""
    auth.login(story.other)
    data = json.loads(client.post("/privacy/export", data={"user_id": story.coach.id}).get_data(as_text=True))
    assert data["account"]["email"] == "otto@example.org"
    assert "Cora" not in json.dumps(data)


def test_export_needs_csrf_and_a_login(client, auth, story):
    assert client.get("/privacy/export").status_code == 405
    response = client.post("/privacy/export")
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    auth.login(story.coach)
    assert client.post("/privacy/export", csrf=False).status_code == 400


def test_erasure_request_needs_confirmation_then_can_be_withdrawn(client, auth, story, mailbox):
    auth.login(story.coach)
    page = client.get("/privacy/erasure")
    assert page.status_code == 200 and "Account verwijderd" in page.get_data(as_text=True)
    refused = client.post("/privacy/erasure", data={"reason": "Ik stop ermee"})
    assert refused.status_code == 422
    assert "Ik stop ermee" in refused.get_data(as_text=True)
    assert db.session.execute(sa.select(ErasureRequest)).first() is None

    response = client.post("/privacy/erasure", data={"reason": "Ik stop ermee", "confirm": "y"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/privacy")
    request = db.session.execute(sa.select(ErasureRequest)).scalar_one()
    assert request.status == ErasureStatus.PENDING and request.user_id == story.coach.id
    page = client.get("/privacy").get_data(as_text=True)
    assert "Verzoek in behandeling" in page and "Mijn verzoek intrekken" in page
    assert any("verwijderen ontvangen" in m["Subject"] for m in mailbox.messages)

    # A second request goes back to the page, nothing added.
    assert client.post("/privacy/erasure", data={"confirm": "y"}).status_code == 303
    assert db.session.execute(sa.select(sa.func.count(ErasureRequest.id))).scalar() == 1

    assert client.post("/privacy/erasure/withdraw").status_code == 303
    db.session.refresh(request)
    assert request.status == ErasureStatus.WITHDRAWN
    assert "Vragen om mijn account te verwijderen" in client.get("/privacy").get_data(as_text=True)


def test_admin_sees_pending_requests_on_start_page_and_list(client, auth, story, now):
    request_erasure(story.coach, "Ik verhuis", now)
    db.session.commit()
    auth.login(story.admin)
    start = client.get("/").get_data(as_text=True)
    assert "panel-erasure-requests" in start and 'href="/admin/privacy"' in start
    page = client.get("/admin/privacy")
    body = page.get_data(as_text=True)
    assert "Cora Coach" in body and "Ik verhuis" in body
    assert f"/admin/privacy/users/{story.coach.id}/anonymise" in body
    fragment = client.get("/admin/privacy?status=pending", htmx=True)
    text = fragment.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="erasure-request-table">') and "<html" not in text
    assert "HX-Request" in fragment.headers["Vary"]


def test_admin_declines_a_request_with_a_reason(client, auth, story, now):
    request = request_erasure(story.coach, None, now)
    db.session.commit()
    auth.login(story.admin)
    url = f"/admin/privacy/{request.id}/reject"
    assert client.post(url, data={"note": ""}).status_code == 422
    assert client.post(url, data={"note": "Nog een lopende accreditatie."}).status_code == 303
    db.session.refresh(request)
    assert request.status == ErasureStatus.REJECTED and request.note == "Nog een lopende accreditatie."


def test_only_admins_anonymise(client, auth, story, make_user):
    from lms.auth.models import Role

    url = f"/admin/privacy/users/{story.coach.id}/anonymise"
    for role in (Role.STAFF, Role.COORDINATOR, Role.TRAINER):
        user = make_user(role)
        auth.login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, data={"confirm": "y"}).status_code == 403
        auth.logout()
    auth.login(story.other)
    assert client.post(url, data={"confirm": "y"}).status_code == 403
    db.session.refresh(story.coach)
    assert story.coach.erased_at is None


def test_anonymise_needs_confirmation_and_states_the_certificate_rule(client, auth, story):
    auth.login(story.admin)
    admin_page = client.get(f"/admin/users/{story.coach.id}").get_data(as_text=True)
    url = f"/admin/privacy/users/{story.coach.id}/anonymise"
    assert url in admin_page
    page = client.get(url).get_data(as_text=True)
    assert "Account verwijderd" in page and "ingetrokken: account verwijderd" in page
    assert "Groep 2027" in page  # the enrolment that will be cancelled
    assert client.post(url, data={}).status_code == 422
    db.session.refresh(story.coach)
    assert story.coach.erased_at is None


def test_anonymised_certificate_verifies_as_revoked_without_the_name(client, auth, story):
    auth.login(story.admin)
    url = f"/admin/privacy/users/{story.coach.id}/anonymise"
    response = client.post(url, data={"confirm": "y", "note": "Op verzoek"})
    assert response.status_code == 303
    assert client.get(f"/admin/users/{story.coach.id}").status_code == 404
    assert client.get(url).status_code == 404
    auth.logout()
    certificate = db.session.get(Certificate, story.certificate.id)
    page = client.get(f"/verify/{certificate.verification_id}").get_data(as_text=True)
    assert "Ingetrokken" in page and "Account verwijderd" in page
    assert "Cora" not in page and "123456" not in page
    # The coach can no longer log in.
    login = client.post("/login", data={"email": "cora@example.org", "password": "Correct-Horse-Battery-42"})
    assert login.status_code == 422 or "/login" in login.headers.get("Location", "/login")


def test_admin_cannot_anonymise_themselves(client, auth, story):
    auth.login(story.admin)
    url = f"/admin/privacy/users/{story.admin.id}/anonymise"
    page = client.get(url)
    assert page.status_code == 200 and "eigen account" in page.get_data(as_text=True)
    assert client.post(url, data={"confirm": "y"}).status_code == 403
    db.session.refresh(story.admin)
    assert story.admin.erased_at is None
