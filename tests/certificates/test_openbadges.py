"""Certificates as Open Badges 3.0 credentials, checked as a stranger checks them: over HTTP,
with another JOSE library than the one that signs, against the standard's own schemas."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import stat
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from jwcrypto import jwk, jws

from lms.auth.models import Role
from lms.certificates.models import StatusList
from lms.certificates.openbadges import status
from lms.certificates.openbadges.keys import create_key, ensure_key, load_keys, rotate_keys
from lms.certificates.services import issue_for_completion, reissue_certificate, revoke_certificate
from lms.extensions import db
from lms.notifications.models import OutboxMail
from lms.notifications.services import deliver_due
from lms.privacy.erasure import anonymise_user
from tests.certificates import stranger
from tests.mailbox import html_of, text_of


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_a_stranger_verifies_the_credential_and_its_revocation_over_http(live_server, coach, staff, issue, now):
    certificate = issue(coach)
    base = live_server.url
    # The employer starts from the link the coach shared and follows the page's links.
    page = stranger.fetch(f"{base}/verify/{certificate.verification_id}").text
    [json_url] = [u for u in stranger.links(page, base) if u.endswith("/openbadge.json")]
    [jwt_url] = [u for u in stranger.links(page, base) if u.endswith("/openbadge.jwt")]
    [jwks_url] = [u for u in stranger.links(page, base) if u.endswith("/.well-known/jwks.json")]

    token = stranger.fetch(jwt_url).text
    header = stranger.header_of(token)
    assert header["alg"] == "EdDSA" and header["typ"] == "JWT"
    # The key id is the address of the public key, and the same id in the published key set.
    published_key = stranger.fetch(header["kid"]).json()
    assert published_key["kty"] == "OKP" and published_key["crv"] == "Ed25519" and "d" not in published_key
    jwks = stranger.key_set(stranger.fetch(jwks_url).text)
    assert jwks.get_key(header["kid"]).export_public(as_dict=True)["x"] == published_key["x"]
    assert not any("d" in key for key in json.loads(stranger.fetch(jwks_url).text)["keys"])

    credential = stranger.verify(token, jwks)
    assert stranger.fetch(json_url).json() == credential  # the JSON is exactly what is signed
    assert stranger.schema_errors(credential) == []
    assert {"VerifiableCredential", "OpenBadgeCredential"} <= set(credential["type"])
    assert credential["id"] == json_url and credential["iss"] == credential["issuer"]["id"]
    assert credential["jti"] == credential["id"]
    profile = stranger.fetch(credential["issuer"]["id"]).json()
    assert stranger.schema_errors(profile, stranger.PROFILE_SCHEMA) == []
    assert profile["name"] == credential["issuer"]["name"] == "Landelijk Kennisnetwerk Welzijn op Recept"

    # Not revoked: its bit in the signed status list is clear.
    entry = credential["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "revocation"
    status_list = stranger.verify(stranger.fetch(entry["statusListCredential"]).text, jwks)
    assert "BitstringStatusListCredential" in status_list["type"] and status_list["id"] == entry["statusListCredential"]
    assert status_list["credentialSubject"]["statusPurpose"] == "revocation"
    assert not stranger.status_bit(status_list["credentialSubject"]["encodedList"], int(entry["statusListIndex"]))

    revoke_certificate(staff, certificate, "Deelname bleek onvolledig", now)
    db.session.commit()
    status_list = stranger.verify(stranger.fetch(entry["statusListCredential"]).text, jwks)
    assert stranger.status_bit(status_list["credentialSubject"]["encodedList"], int(entry["statusListIndex"]))
    # The token downloaded earlier still verifies: revocation travels through the list, not the token.
    assert stranger.verify(token, jwks) == credential


def test_a_tampered_credential_fails(live_server, coach, issue, make_user):
    certificate = issue(coach)
    base = live_server.url
    token = stranger.fetch(f"{base}/verify/{certificate.verification_id}/openbadge.jwt").text
    jwks = stranger.key_set(stranger.fetch(f"{base}/.well-known/jwks.json").text)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))

    claims["credentialSubject"]["identifier"][0]["identityHash"] = "Iemand Anders"
    with pytest.raises(jws.InvalidJWSSignature):
        stranger.verify(f"{header}.{_b64(claims)}.{signature}", jwks)
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    with pytest.raises(jws.InvalidJWSSignature):
        stranger.verify(f"{header}.{payload}.{flipped}", jwks)
    # Signed by someone else, with the platform's key id: no published key confirms it.
    forger = jwk.JWK.generate(kty="OKP", crv="Ed25519")
    forged = jws.JWS(json.dumps(claims).encode())
    forged.add_signature(forger, alg="EdDSA", protected=json.dumps(stranger.header_of(token)))
    with pytest.raises(jws.InvalidJWSSignature):
        stranger.verify(forged.serialize(compact=True), jwks)
    # Another certificate's signature does not fit this one.
    other = issue(make_user(name="Otto Ander"))
    other_token = stranger.fetch(f"{base}/verify/{other.verification_id}/openbadge.jwt").text
    with pytest.raises(jws.InvalidJWSSignature):
        stranger.verify(f"{header}.{payload}.{other_token.split('.')[2]}", jwks)


def test_the_baked_badge_carries_the_signed_credential(live_server, coach, issue):
    certificate = issue(coach)
    base = f"{live_server.url}/verify/{certificate.verification_id}"
    response = stranger.fetch(f"{base}/openbadge.png")
    assert response.headers["Content-Type"] == "image/png"
    assert stranger.baked_credential(response.content) == stranger.fetch(f"{base}/openbadge.jwt").text
    jwks = stranger.key_set(stranger.fetch(f"{live_server.url}/.well-known/jwks.json").text)
    assert stranger.verify(stranger.baked_credential(response.content), jwks)["id"].endswith("/openbadge.json")


# What the credential states ------------------------------------------------------------


def credential_of(client, certificate) -> dict:
    response = client.get(f"/verify/{certificate.verification_id}/openbadge.json")
    assert response.status_code == 200, response.status_code
    return json.loads(response.get_data(as_text=True))


def bit_of(client, certificate) -> bool:
    status_list = client.get(f"/openbadges/status/{certificate.status_list_id}.json").get_json()
    return stranger.status_bit(status_list["credentialSubject"]["encodedList"], certificate.status_index)


def test_the_credential_states_what_the_certificate_states_and_no_more(client, coach, issue, make_programme,
                                                                       make_cohort):
    programme = make_programme(validity_years=3)
    certificate = issue(coach, cohort=make_cohort(programme, first=date(2026, 3, 10)))
    credential = credential_of(client, certificate)
    assert stranger.schema_errors(credential) == []
    subject = credential["credentialSubject"]
    name, email = subject["identifier"]
    assert name == {"type": "IdentityObject", "identityHash": "Cora Coach", "identityType": "name", "hashed": False}
    assert email["type"] == "IdentityObject" and email["identityType"] == "emailAddress" and email["hashed"] is True
    digest = hashlib.sha256(("cora@example.org" + email["salt"]).encode()).hexdigest()
    assert email["identityHash"] == f"sha256${digest}" and len(email["salt"]) >= 16
    achievement = subject["achievement"]
    assert achievement["name"] == "Basistraining welzijnscoach" and achievement["criteria"]["narrative"]
    assert achievement["description"] and achievement["inLanguage"] == "nl"
    assert achievement["creditsAvailable"] == 10 and subject["creditsEarned"] == 10
    assert achievement["otherIdentifier"] == [
        {"type": "IdentifierEntry", "identifier": "RP-1", "identifierType": "ext:RegisterpleinCourseId"}]
    [hours] = achievement["resultDescription"]
    assert subject["result"] == [{"type": ["Result"], "resultDescription": hours["id"], "value": "10"}]
    # Issued on 14 April 2026 at 18:00 Dutch time, valid for three years, to the end of 14 April 2029.
    assert credential["awardedDate"] == credential["validFrom"] == "2026-04-14T16:00:00Z"
    assert credential["validUntil"] == "2029-04-14T22:00:00Z" and certificate.valid_until == date(2029, 4, 14)
    assert credential["exp"] == int(datetime(2029, 4, 14, 22, 0, tzinfo=timezone.utc).timestamp())
    assert credential["nbf"] == int(datetime(2026, 4, 14, 16, 0, tzinfo=timezone.utc).timestamp())
    for moment in (credential["validFrom"], credential["validUntil"], subject["activityStartDate"]):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", moment)
    [evidence] = credential["evidence"]
    assert evidence["id"] == f"http://localhost/verify/{certificate.verification_id}"
    assert all(s.title in evidence["narrative"] for s in certificate.cohort.sessions)
    text = json.dumps(credential)
    assert "cora@example.org" not in text and "123456" not in text  # no address, no registration number

    # Built from the snapshot: what changed since does not reach the credential.
    coach.name, coach.email = "Cora Anders", "cora.anders@example.org"
    programme.title, programme.accreditation_points = "Nieuwe titel", 20
    db.session.commit()
    assert credential_of(client, certificate) == credential


def test_a_reissued_credential_refers_to_the_one_it_replaces(client, coach, staff, issue, now):
    old = issue(coach)
    new = reissue_certificate(staff, old, "Naam gecorrigeerd", now)
    db.session.commit()
    old_credential, new_credential = credential_of(client, old), credential_of(client, new)
    assert old_credential["id"] in [item["id"] for item in new_credential["evidence"]]
    assert old.number in new_credential["description"]
    assert (new.status_list_id, new.status_index) != (old.status_list_id, old.status_index)
    assert bit_of(client, old) and not bit_of(client, new)
    old_salt = old_credential["credentialSubject"]["identifier"][1]["salt"]
    assert new_credential["credentialSubject"]["identifier"][1]["salt"] != old_salt  # unlinkable hashes


def test_every_certificate_gets_its_own_entry_and_a_new_list_opens_at_half(coach, issue, make_user, monkeypatch):
    monkeypatch.setattr(status, "LIST_OPEN_UNTIL", 2)
    certificates = [issue(make_user(Role.COACH)) for _ in range(5)]
    lists = [c.status_list_id for c in certificates]
    assert lists[0] == lists[1] != lists[2] == lists[3] != lists[4]
    assert len({(c.status_list_id, c.status_index) for c in certificates}) == 5
    assert all(0 <= c.status_index < status.LIST_SIZE for c in certificates)


def test_the_list_changes_in_the_transaction_of_the_revoke(client, auth, coach, staff, issue, now, clock):
    certificate = issue(coach)
    issued_list = client.get(f"/openbadges/status/{certificate.status_list_id}.json").get_json()
    revoke_certificate(staff, certificate, "Per ongeluk", now)
    db.session.rollback()  # a revoke that is rolled back leaves the bit and the list's date alone
    assert not bit_of(client, certificate)
    assert client.get(f"/openbadges/status/{certificate.status_list_id}.json").get_json() == issued_list
    clock.set(now + timedelta(hours=2))
    auth.login(staff)
    response = client.post(f"/staff/certificates/{certificate.id}/revoke",
                           data={"reason": "Deelname bleek onvolledig", "public_reason": "withdrawn"})
    assert response.status_code == 303
    assert bit_of(client, certificate)
    revised = client.get(f"/openbadges/status/{certificate.status_list_id}.json").get_json()
    assert revised["validFrom"] == "2026-11-23T12:00:00Z" != issued_list["validFrom"]
    assert db.session.get(StatusList, certificate.status_list_id).updated_at == now + timedelta(hours=2)


def test_erasure_removes_the_name_and_the_hashed_address_from_the_credential(client, coach, make_user, issue, now):
    certificate = issue(coach)
    anonymise_user(make_user(Role.ADMIN), coach, now, "Op verzoek")
    db.session.commit()
    credential = credential_of(client, certificate)
    assert credential["credentialSubject"]["identifier"] == []
    assert "Cora Coach" not in json.dumps(credential)
    assert bit_of(client, certificate)  # revoked because the account was removed


# Keys ----------------------------------------------------------------------------------


@pytest.fixture
def keys(app, tmp_path):
    """An empty key folder of the app's own for this test."""
    directory = tmp_path / "instance" / "keys"
    app.config["OPEN_BADGES_KEY_DIR"] = str(directory)
    return directory


def test_a_key_is_made_once_and_readable_by_the_app_only(keys, now):
    key, created = ensure_key(keys, now)
    assert created and key.can_sign and key.path.parent == keys
    assert stat.S_IMODE(keys.stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE(key.path.stat().st_mode) == 0o600
    again, created = ensure_key(keys, now)
    assert not created and again.kid == key.kid and len(load_keys(keys)) == 1


def test_after_a_rotation_earlier_credentials_keep_verifying(client, keys, coach, issue, now):
    first = create_key(keys, now)
    certificate = issue(coach)
    url = f"/verify/{certificate.verification_id}/openbadge.jwt"
    before = client.get(url).get_data(as_text=True)
    assert client.get(url).get_data(as_text=True) == before  # the same token until the key changes
    new, retired = rotate_keys(keys, now + timedelta(days=1))
    assert [key.kid for key in retired] == [first.kid]
    assert "d" not in json.loads(first.path.read_text())["jwk"]  # the old private half is gone
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    after = client.get(url).get_data(as_text=True)
    assert stranger.header_of(after)["kid"].endswith(new.kid) and stranger.header_of(before)["kid"].endswith(first.kid)
    jwks = stranger.key_set(client.get("/.well-known/jwks.json").get_data(as_text=True))
    assert stranger.verify(before, jwks) == stranger.verify(after, jwks)
    assert client.get(f"/openbadges/keys/{first.kid}").status_code == 200
    assert client.get("/openbadges/keys/unknown").status_code == 404
    page = client.get(f"/verify/{certificate.verification_id}").get_data(as_text=True)
    assert page.split('id="credential"')[1].count("badge badge-success") == 4  # all four checks pass


def test_a_signing_key_others_may_read_is_refused(client, keys, coach, issue, now):
    key = create_key(keys, now)
    key.path.chmod(0o644)
    certificate = issue(coach)
    assert client.get(f"/verify/{certificate.verification_id}/openbadge.jwt").status_code == 503
    page = client.get(f"/verify/{certificate.verification_id}")
    assert page.status_code == 200 and 'id="credential"' not in page.get_data(as_text=True)
    assert client.get("/.well-known/jwks.json").status_code == 200


def test_without_a_key_the_certificate_still_shows_without_the_badge(client, auth, keys, coach, issue):
    certificate = issue(coach)
    assert client.get(f"/verify/{certificate.verification_id}/openbadge.json").status_code == 503
    assert client.get("/.well-known/jwks.json").get_json() == {"keys": []}
    auth.login(coach)
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert certificate.number in page and "openbadge" not in page


def test_the_key_commands(app, keys):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["lms", "keys", "create"])
    assert created.exit_code == 0 and "created signing key" in created.output
    again = runner.invoke(args=["lms", "keys", "create"])
    assert again.exit_code == 0 and "already there" in again.output
    rotated = runner.invoke(args=["lms", "keys", "rotate"])
    assert rotated.exit_code == 0 and "retired" in rotated.output
    listed = runner.invoke(args=["lms", "keys", "list"]).output.strip().splitlines()
    assert len(listed) == 2 and "retired" in listed[0] and listed[1].endswith("signs")


# Pages and mail ------------------------------------------------------------------------


def test_the_coach_downloads_the_open_badge_from_the_certificate_page(client, auth, coach, staff, issue, now):
    certificate = issue(coach)
    auth.login(coach)
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    for form in ("png", "jwt", "json"):
        assert re.search(rf'href="/verify/{certificate.verification_id}/openbadge.{form}" download', page)
    assert f'<img src="/verify/{certificate.verification_id}/openbadge.png"' in page
    revoke_certificate(staff, certificate, "Per ongeluk uitgegeven", now)
    db.session.commit()
    assert "openbadge" not in client.get(f"/certificates/{certificate.id}").get_data(as_text=True)


def test_the_verify_page_shows_the_credential_check_and_links_the_json(client, coach, staff, issue, now, clock):
    certificate = issue(coach)
    url = f"/verify/{certificate.verification_id}"
    page = client.get(url).get_data(as_text=True)
    section = page[page.index('id="credential"'):]
    assert section.count("badge badge-success") == 4 and "badge-danger" not in section
    assert f'href="{url}/openbadge.json"' in section and 'href="/.well-known/jwks.json"' in section
    assert "Landelijk Kennisnetwerk Welzijn op Recept" in section
    revoke_certificate(staff, certificate, "Deelname bleek onvolledig", now)
    db.session.commit()
    section = client.get(url).get_data(as_text=True).split('id="credential"')[1]
    assert section.count("badge badge-success") == 3 and section.count("badge badge-danger") == 1


def test_an_expired_credential_fails_its_validity_check(client, coach, issue, make_programme, make_cohort, clock):
    certificate = issue(coach, cohort=make_cohort(make_programme(validity_years=1), first=date(2026, 3, 10)))
    clock.set(datetime(2027, 4, 15, 10, 0, tzinfo=timezone.utc))
    section = client.get(f"/verify/{certificate.verification_id}").get_data(as_text=True).split('id="credential"')[1]
    assert section.count("badge badge-success") == 3 and section.count("badge badge-danger") == 1


def test_the_issued_mail_links_the_badge(app, coach, complete, now, mailbox):
    certificate = issue_for_completion(None, complete(coach), now)
    db.session.commit()
    deliver_due(now)
    [message] = mailbox.wait_for("cora@example.org")
    badge = f"http://localhost/verify/{certificate.verification_id}/openbadge.png"
    assert badge in text_of(message) and f'href="{badge}"' in html_of(message)


def test_the_reissued_mail_links_the_new_badge(app, coach, staff, issue, now, mailbox):
    new = reissue_certificate(staff, issue(coach), "Naam gecorrigeerd", now)
    db.session.commit()
    deliver_due(now)
    [message] = [m for m in mailbox.wait_for("cora@example.org") if new.number in text_of(m)]
    assert f"http://localhost/verify/{new.verification_id}/openbadge.png" in text_of(message)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) >= 1
