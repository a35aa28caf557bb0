from __future__ import annotations

import re

import pytest

from lms.auth.models import Role, User
from lms.extensions import db
from tests.factories import PASSWORD
from tests.mailbox import text_of


def test_login_page_is_dutch_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="nl"' in page
    assert "Inloggen" in page
    assert "Wachtwoord" in page


def test_login_and_logout(client, make_user):
    user = make_user(email="coach@example.org", name="Cora")
    response = client.post("/login", data={"email": "COACH@example.org", "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "Cora" in client.get("/").get_data(as_text=True)
    response = client.post("/logout")
    assert response.status_code == 303
    assert client.get("/profile").status_code == 303  # back to the login page


def test_wrong_password_keeps_email_and_says_so(client, make_user):
    make_user(email="coach@example.org")
    response = client.post("/login", data={"email": "coach@example.org", "password": "fout"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "onjuist" in page
    assert 'value="coach@example.org"' in page


@pytest.mark.parametrize(
    "target", ["//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)", "/%5Cevil.example"]
)
def test_next_only_goes_to_this_site(client, make_user, target):
    make_user(email="coach@example.org")
    response = client.post("/login", data={"email": "coach@example.org", "password": PASSWORD, "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_next_to_a_local_path_is_followed(client, make_user):
    make_user(email="coach@example.org")
    response = client.post("/login", data={"email": "coach@example.org", "password": PASSWORD, "next": "/profile"})
    assert response.headers["Location"] == "/profile"


def test_login_is_rate_limited_per_account(client, app, make_user):
    app.config["LOGIN_LIMIT_ACCOUNT"] = "3 per 15 minutes"
    make_user(email="coach@example.org")
    for _ in range(3):
        assert client.post("/login", data={"email": "coach@example.org", "password": "fout"}).status_code == 422
    response = client.post("/login", data={"email": "coach@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "Te veel" in response.get_data(as_text=True)


def test_login_is_rate_limited_per_address(client, app, make_user):
    app.config["LOGIN_LIMIT_ADDRESS"] = "4 per 15 minutes"
    make_user(email="coach@example.org")
    for i in range(4):
        client.post("/login", data={"email": f"x{i}@example.org", "password": "fout"})
    response = client.post("/login", data={"email": "coach@example.org", "password": PASSWORD})
    assert response.status_code == 429


def test_rate_limit_counters_live_in_the_database(client, app, make_user):
    from lms.ratelimit import RateLimitCounter

    make_user(email="coach@example.org")
    client.post("/login", data={"email": "coach@example.org", "password": "fout"})
    keys = [row.key for row in db.session.query(RateLimitCounter).all()]
    assert len(keys) == 3  # the client address, the account from that address, the account from anywhere
    assert not any("coach@example.org" in key for key in keys)  # hashed, no personal data


def test_logout_ends_every_session(app, make_user):
    make_user(email="coach@example.org")
    from tests.conftest import Client

    app.test_client_class = Client
    laptop, phone = app.test_client(), app.test_client()
    for c in (laptop, phone):
        c.post("/login", data={"email": "coach@example.org", "password": PASSWORD})
        assert c.get("/profile").status_code == 200
    laptop.post("/logout")
    assert phone.get("/profile").status_code == 303


def test_password_change_ends_other_sessions_but_not_this_one(app, make_user):
    make_user(email="coach@example.org")
    from tests.conftest import Client

    app.test_client_class = Client
    laptop, phone = app.test_client(), app.test_client()
    for c in (laptop, phone):
        c.post("/login", data={"email": "coach@example.org", "password": PASSWORD})
    response = laptop.post("/profile/password", data={
        "current_password": PASSWORD, "password": "Nieuw-Fietspad-2027", "password_confirm": "Nieuw-Fietspad-2027"})
    assert response.status_code == 303
    assert laptop.get("/profile").status_code == 200
    assert phone.get("/profile").status_code == 303


def test_register_coach(client, region, mailbox):
    municipality = region.municipalities[0]
    response = client.post("/register", data={
        "name": "Sanne Bakker", "email": "sanne@example.org", "password": "Paars-Fietsje-Op-De-Dijk",
        "password_confirm": "Paars-Fietsje-Op-De-Dijk", "region_id": region.id,
        "municipality_id": municipality.id, "organisation_id": "", "registration_number": "123456"})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    user = db.session.query(User).filter_by(email="sanne@example.org").one()
    assert user.roles == {Role.COACH}
    assert user.municipality == municipality
    assert user.email_verified_at is None  # until the link in the mail is used
    page = client.get("/login").get_data(as_text=True)
    assert "flash-info" in page and "sanne@example.org" in page  # "check your inbox", and where it went
    [mail] = mailbox.wait_for("sanne@example.org")
    assert "/account/confirm/" in text_of(mail)


def test_register_errors_keep_input_and_are_tied_to_fields(client, region):
    response = client.post("/register", data={
        "name": "Sanne Bakker", "email": "geen-email", "password": "password",
        "password_confirm": "anders", "region_id": region.id, "municipality_id": "",
        "registration_number": "12ab"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="Sanne Bakker"' in page
    assert 'id="password-error"' in page and "te vaak gebruikt" in page
    assert 'aria-describedby="password-help password-error"' in page
    assert 'id="registration_number-error"' in page
    assert 'id="municipality_id-error"' in page
    assert db.session.query(User).count() == 0


def test_register_accepts_64_character_password(client, region):
    long_password = "lang-wachtwoord-" * 4
    assert len(long_password) == 64
    response = client.post("/register", data={
        "name": "L", "email": "l@example.org", "password": long_password, "password_confirm": long_password,
        "region_id": region.id, "municipality_id": region.municipalities[0].id})
    assert response.status_code == 303


def test_register_refuses_municipality_of_another_region(client, region, other_region):
    response = client.post("/register", data={
        "name": "X", "email": "x@example.org", "password": "Paars-Fietsje-Op-De-Dijk",
        "password_confirm": "Paars-Fietsje-Op-De-Dijk", "region_id": region.id,
        "municipality_id": other_region.municipalities[0].id})
    assert response.status_code == 422
    assert 'id="municipality_id-error"' in response.get_data(as_text=True)


def test_municipality_options_fragment(client, region, other_region):
    response = client.get(f"/regions/municipality-options?region_id={region.id}", htmx=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.lstrip().startswith('<div class="field" id="municipality_id-field"')
    assert "Doetinchem" in page and "Tiel" not in page
    assert "HX-Request" in response.headers["Vary"]


def test_password_reset_through_the_mail(client, mailbox, make_user):
    make_user(email="coach@example.org", name="Cora")
    response = client.post("/password/forgot", data={"email": "coach@example.org"})
    assert response.status_code == 303
    [mail] = mailbox.wait_for("coach@example.org")
    assert mail["Subject"] == "Stel een nieuw wachtwoord in"
    link = re.search(r"http://localhost(/password/reset/\S+)", text_of(mail)).group(1)
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "Nieuw-Fietspad-2027", "password_confirm": "Nieuw-Fietspad-2027"})
    assert response.status_code == 303
    assert client.post("/login", data={"email": "coach@example.org", "password": "Nieuw-Fietspad-2027"}).status_code == 303
    # The link works once.
    assert client.get(link).status_code == 404


def test_password_reset_for_unknown_address_says_the_same(client, mailbox):
    response = client.post("/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert "Als er een account bestaat" in response.get_data(as_text=True)
    # The same work as for an account: a mail, saying there is no account with this address (and no link).
    [mail] = mailbox.wait_for("nobody@example.org")
    assert "/password/reset/" not in text_of(mail) and "/register" in text_of(mail)


def test_profile_edit(client, auth, make_user, region):
    user = make_user(email="coach@example.org")
    auth.login(user)
    response = client.post("/profile", data={
        "name": "Nieuwe Naam", "email": "coach@example.org", "locale": "en", "region_id": region.id,
        "municipality_id": region.municipalities[1].id, "organisation_id": "", "registration_number": "",
        "wants_reminders": ""})
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.name == "Nieuwe Naam"
    assert user.locale == "en"
    assert user.wants_reminders is False
    assert 'lang="en"' in client.get("/profile").get_data(as_text=True)


def test_profile_does_not_change_the_address(client, auth, make_user, region):
    """The address has its own page (tests/auth/test_addresses.py): a profile form cannot change it."""
    make_user(email="taken@example.org")
    user = make_user(email="coach@example.org")
    auth.login(user)
    response = client.post("/profile", data={
        "name": "X", "email": "TAKEN@example.org", "locale": "nl", "region_id": region.id,
        "municipality_id": region.municipalities[0].id})
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.email == "coach@example.org" and user.name == "X"
