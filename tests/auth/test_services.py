from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, profiles

from lms.auth.models import PasswordResetToken, Role, User
from lms.auth.passwords import hash_password, is_common, needs_rehash, verify_password
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


def test_password_hash_is_argon2id_at_production_strength(app):
    app.config["PASSWORD_HASH_PROFILE"] = "production"  # the suite's cheap profile is for its logins only
    hashed = hash_password("een lange zin als wachtwoord")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")  # OWASP's first recommendation
    assert verify_password(hashed, "een lange zin als wachtwoord")
    assert not verify_password(hashed, "iets anders")
    assert not verify_password(None, "wat dan ook")
    assert not needs_rehash(hashed)


def test_a_hash_of_the_earlier_64_mib_profile_still_verifies_and_is_replaced_at_login(app, client, make_user):
    app.config["PASSWORD_HASH_PROFILE"] = "production"
    coach = make_user(Role.COACH)
    coach.password_hash = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY).hash(PASSWORD)
    db.session.commit()
    assert needs_rehash(coach.password_hash)
    response = client.post("/login", data={"email": coach.email, "password": PASSWORD})
    assert response.status_code == 303
    db.session.refresh(coach)
    assert coach.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


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
    token = make_reset_token(user, now)
    assert user_for_reset_token(token, now) == user
    change_password(user, "Nieuw-Wachtwoord-99", now)
    db.session.commit()
    assert user_for_reset_token(token, now) is None


def test_reset_token_expires(app, make_user, now):
    user = make_user()
    token = make_reset_token(user, now)
    max_age = timedelta(seconds=app.config["PASSWORD_RESET_MAX_AGE"])
    assert user_for_reset_token(token, now + max_age - timedelta(seconds=1)) == user
    assert user_for_reset_token(token, now + max_age) is None


def test_tampered_reset_token_is_refused(app, make_user, now):
    user = make_user()
    token = make_reset_token(user, now)
    assert user_for_reset_token(token[:-2] + "xx", now) is None
    assert user_for_reset_token("not-a-token", now) is None


def test_reset_tokens_are_random_and_stored_only_as_a_hash(app, make_user, now):
    user = make_user()
    tokens = {make_reset_token(user, now) for _ in range(3)}
    assert len(tokens) == 3 and all(len(t) >= 43 for t in tokens)  # 256 bits from secrets
    stored = db.session.execute(sa.select(PasswordResetToken.token_hash)).scalars().all()
    assert len(stored) == 3
    assert not tokens & set(stored)
    assert {hashlib.sha256(t.encode()).hexdigest() for t in tokens} == set(stored)


def test_a_new_password_ends_every_reset_link_of_the_user(app, make_user, now):
    user, other = make_user(), make_user(email="ander@example.org")
    first, second, others = make_reset_token(user, now), make_reset_token(user, now), make_reset_token(other, now)
    change_password(user, "Nieuw-Wachtwoord-99", now)
    db.session.commit()
    assert user_for_reset_token(first, now) is None and user_for_reset_token(second, now) is None
    assert user_for_reset_token(others, now) == other


def test_a_reset_link_of_a_deactivated_account_does_not_work(app, make_user, now):
    user = make_user()
    token = make_reset_token(user, now)
    user.is_active = False
    db.session.commit()
    assert user_for_reset_token(token, now) is None


def test_change_password_rotates_session_token(app, make_user, now):
    user = make_user()
    before = user.session_token
    change_password(user, "Nieuw-Wachtwoord-99", now)
    assert user.session_token != before
