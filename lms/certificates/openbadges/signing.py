"""Credentials signed as VC-JWT (Open Badges 3.0, section 8.2) with the issuer's Ed25519 key, and checked.

The JWT's payload is the credential itself, with the registered claims OB 3.0 asks for
(``iss`` the issuer's id, ``jti`` the credential's id, ``nbf`` its validFrom, ``exp`` its
validUntil); the header names the key (``kid``: the address of the public key, which is
also its id in the published key set). Nothing in the token depends on the moment it is
made, and Ed25519 signatures are deterministic, so a certificate's token stays the same
until the key is rotated.

Checking does what a stranger does, on this side: the signature against the published
public keys, the issuer, the entry in the signed status list, the validity period.
"""

from __future__ import annotations

import base64
import json
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from lms.certificates.models import Certificate, StatusList
from lms.certificates.openbadges.credential import build_credential, build_status_list, issuer_id, status_list_url
from lms.certificates.openbadges.keys import key_directory, load_keys, signing_key
from lms.certificates.openbadges.status import decode_list, is_set, revoked_indexes
from lms.extensions import db
from lms.urls import external_url

# "EdDSA" is what Open Badges 3.0, Verifiable Credentials and their verifiers name Ed25519
# signatures; RFC 9864 (2025) prefers the newer name "Ed25519", and joserfc warns about it.
ALGORITHM = "EdDSA"
MEDIA_TYPE = "application/vc+jwt"


@contextmanager
def _eddsa():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="EdDSA is deprecated")
        yield


def key_url(kid: str) -> str:
    return external_url("certificates.openbadges_key", kid=kid)


def published_keys() -> dict:
    """The JWKS: every public key ever used, the retired ones too, with its address as its id."""
    return {"keys": [published_key(key.kid, key.public_jwk) for key in load_keys(key_directory())]}


def published_key(kid: str, public_jwk: dict) -> dict:
    return public_jwk | {"kid": key_url(kid), "alg": ALGORITHM, "use": "sig"}


def _claims(credential: dict) -> dict:
    claims = {"iss": credential["issuer"]["id"] if isinstance(credential["issuer"], dict) else credential["issuer"],
              "jti": credential["id"], "nbf": _epoch(credential["validFrom"])}
    if "validUntil" in credential:
        claims["exp"] = _epoch(credential["validUntil"])
    return credential | claims


def _epoch(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def sign(payload: dict) -> str:
    """A compact JWS of the credential with the current signing key."""
    stored, key = signing_key(key_directory())
    header = {"alg": ALGORITHM, "typ": "JWT", "kid": key_url(stored.kid)}
    with _eddsa():
        return jwt.encode(header, _claims(payload), key, algorithms=[ALGORITHM])


def signed_credential(certificate: Certificate) -> str:
    return sign(build_credential(certificate))


def status_list_credential(status_list: StatusList) -> dict:
    return build_status_list(status_list, revoked_indexes(status_list.id))


def payload_of(token: str) -> dict:
    """The JSON a token carries, exactly as signed (its signature is not checked here)."""
    try:
        body = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (IndexError, ValueError) as exc:
        raise ValueError("not a compact JWS") from exc


# Checking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """What a verifier finds, each part on its own."""

    signature_valid: bool
    key_id: str | None
    issuer_valid: bool
    issuer_name: str | None
    issuer_url: str | None
    status_checked: bool
    revoked: bool
    status_list: str | None
    status_index: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    in_validity_period: bool

    @property
    def is_valid(self) -> bool:
        return (self.signature_valid and self.issuer_valid and self.status_checked and not self.revoked
                and self.in_validity_period)


def verify_token(token: str, now: datetime, *, read_status=None) -> Verification:
    """Check a credential token as a stranger would, against the published keys and status list.

    ``read_status(url)`` returns the status list's token for its address (by default the
    list of this platform).
    """
    keys = KeySet.import_key_set(published_keys())
    header_kid, claims, signature_valid = None, {}, False
    try:
        with _eddsa():
            decoded = jwt.decode(token, keys, algorithms=[ALGORITHM])
        header_kid, claims, signature_valid = decoded.header.get("kid"), decoded.claims, True
    except (JoseError, ValueError):
        try:
            claims = payload_of(token)
        except ValueError:
            claims = {}
    if not isinstance(claims, dict):
        claims = {}
    issuer = claims.get("issuer") if isinstance(claims.get("issuer"), dict) else {}
    issuer_valid = issuer.get("id") == issuer_id() and claims.get("iss") == issuer_id()
    valid_from, valid_until = _moment(claims.get("validFrom")), _moment(claims.get("validUntil"))
    in_period = valid_from is not None and valid_from <= now and (valid_until is None or now < valid_until)
    checked, revoked, entry = _status(claims.get("credentialStatus") or {}, read_status or _local_status_token, keys)
    return Verification(
        signature_valid=signature_valid, key_id=header_kid, issuer_valid=issuer_valid,
        issuer_name=issuer.get("name"), issuer_url=issuer.get("url"),
        status_checked=checked, revoked=revoked, status_list=entry.get("statusListCredential"),
        status_index=int(entry["statusListIndex"]) if str(entry.get("statusListIndex", "")).isdigit() else None,
        valid_from=valid_from, valid_until=valid_until, in_validity_period=in_period,
    )


def verify_certificate(certificate: Certificate, now: datetime) -> Verification:
    """The check of a certificate's own credential, reading the status list it points to."""
    own = status_list_url(certificate.status_list_id)

    def read_status(url: str) -> str | None:
        return sign(status_list_credential(certificate.status_list)) if url == own else _local_status_token(url)

    return verify_token(signed_credential(certificate), now, read_status=read_status)


def _moment(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    except (AttributeError, ValueError):
        return None


def _status(entry: dict, read_status, keys: KeySet) -> tuple[bool, bool, dict]:
    """(checked, revoked, entry): the entry's bit, read from the signed list it points to."""
    url, index = entry.get("statusListCredential"), str(entry.get("statusListIndex", ""))
    if entry.get("type") != "BitstringStatusListEntry" or not url or not index.isdigit():
        return False, False, entry
    token = read_status(url)
    if token is None:
        return False, False, entry
    try:
        with _eddsa():
            status = jwt.decode(token, keys, algorithms=[ALGORITHM]).claims
        bits = decode_list(status["credentialSubject"]["encodedList"])
    except (JoseError, ValueError, KeyError, OSError):
        return False, False, entry
    if status.get("id") != url or int(index) >= len(bits) * 8:
        return False, False, entry
    return True, is_set(bits, int(index)), entry


def _local_status_token(url: str) -> str | None:
    for status_list in db.session.execute(db.select(StatusList)).scalars():
        if status_list_url(status_list.id) == url:
            return sign(status_list_credential(status_list))
    return None
