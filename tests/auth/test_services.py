from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.auth.models import Role, User
from lms.auth.passwords import hash_password, is_common, verify_password
from lms.auth.services import (
    AccountError,
    authenticate,
    change_password,
    make_reset_token,
    register_coach,
    user_for_reset_token,
)
from lms.extensions import db
from tests.factories import PASSWORD


def test_password_hash_is_argon2id():
    hashed = hash_password("een lange zin als wachtwoord")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "een lange zin als wachtwoord")
    assert not verify_password(hashed, "iets anders")
    assert not verify_password(None, "wat dan ook")


@pytest.mark.parametrize("password", ["password", "12345678", "wachtwoord", "Welkom01", "qwertyuiop"])
def test_common_passwords_are_recognised(password):
    assert is_common(password)


def test_uncommon_password_is_fine():
    assert not is_common("Paars-Fietsje-Op-De-Dijk-7")


def test_register_coach_creates_coach(app, region, now):
    user = register_coach(
        name="Sanne Bakker", email="Sanne@Example.org", password="Paars-Fietsje-7", region=region,
        municipality=region.municipalities[0], organisation=None, registration_number=" 123456 ",
        locale="nl", now=now,
    )
    db.session.commit()
    assert user.roles == {Role.COACH}
    assert user.registration_number == "123456"
    assert user.password_hash != "Paars-Fietsje-7"


def test_email_is_unique_case_insensitively(app, region, make_user, now):
    make_user(email="anna@example.org")
    with pytest.raises(AccountError) as err:
        register_coach(
            name="Anna", email="ANNA@example.org", password="Paars-Fietsje-7", region=region,
            municipality=region.municipalities[0], organisation=None, registration_number=None,
            locale="nl", now=now,
        )
    assert err.value.field == "email"


def test_database_refuses_duplicate_email_in_other_case(app, make_user):
    make_user(email="bram@example.org")
    db.session.add(User(email="BRAM@example.org", name="Bram", password_hash="x"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_municipality_must_be_in_region(app, region, other_region, now):
    with pytest.raises(AccountError) as err:
        register_coach(
            name="X", email="x@example.org", password="Paars-Fietsje-7", region=region,
            municipality=other_region.municipalities[0], organisation=None, registration_number=None,
            locale="nl", now=now,
        )
    assert err.value.field == "municipality_id"


def test_authenticate(app, make_user, now):
    user = make_user(email="c@example.org")
    assert authenticate("C@example.org", PASSWORD, now) == user
    assert user.last_login_at == now
    assert authenticate("c@example.org", "wrong", now) is None
    assert authenticate("nobody@example.org", PASSWORD, now) is None


def test_inactive_user_cannot_authenticate(app, make_user, now):
    make_user(email="d@example.org", is_active=False)
    assert authenticate("d@example.org", PASSWORD, now) is None


def test_reset_token_works_once(app, make_user, now):
    user = make_user()
    token = make_reset_token(user)
    assert user_for_reset_token(token) == user
    change_password(user, "Nieuw-Wachtwoord-99", now)
    db.session.commit()
    assert user_for_reset_token(token) is None


def test_reset_token_expires(app, make_user):
    user = make_user()
    token = make_reset_token(user)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    assert user_for_reset_token(token) is None


def test_tampered_reset_token_is_refused(app, make_user):
    user = make_user()
    token = make_reset_token(user)
    assert user_for_reset_token(token[:-2] + "xx") is None
    assert user_for_reset_token("not-a-token") is None


def test_change_password_rotates_session_token(app, make_user, now):
    user = make_user()
    before = user.session_token
    change_password(user, "Nieuw-Wachtwoord-99", now)
    assert user.session_token != before
