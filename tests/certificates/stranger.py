"""A stranger's verifier: what an employer's or a wallet's software does with our Open Badges.

It uses none of the platform's code and another JOSE library than the one that signs
(jwcrypto, not joserfc), reads the standard's own JSON Schemas from
``tests/certificates/standards`` (no network), and talks to the platform over HTTP only.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import struct
import zlib
from functools import cache
from pathlib import Path

import requests
from jsonschema import Draft201909Validator
from jsonschema_specifications import REGISTRY as META_SCHEMAS
from jwcrypto import jwk, jws
from referencing import Resource
from referencing.jsonschema import DRAFT201909

STANDARDS = Path(__file__).parent / "standards"
CREDENTIAL_SCHEMA = "achievementcredential.schema.json"
PROFILE_SCHEMA = "profile.schema.json"


def load(name: str) -> dict:
    return json.loads((STANDARDS / name).read_text())


@cache
def _registry():
    """The standard's schemas by their ``$id``, and JSON Schema's own meta-schemas: nothing is fetched."""
    resources = [(schema["$id"], Resource.from_contents(schema, default_specification=DRAFT201909))
                 for schema in (load(CREDENTIAL_SCHEMA), load(PROFILE_SCHEMA))]
    return META_SCHEMAS.with_resources(resources)


def schema_errors(document: dict, schema_file: str = CREDENTIAL_SCHEMA) -> list[str]:
    schema = load(schema_file)
    Draft201909Validator.check_schema(schema)
    validator = Draft201909Validator(schema, registry=_registry(), format_checker=Draft201909Validator.FORMAT_CHECKER)
    return sorted(f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document))


def fetch(url: str, **kwargs) -> requests.Response:
    response = requests.get(url, timeout=10, **kwargs)
    response.raise_for_status()
    return response


def links(page: str, base: str) -> list[str]:
    return [href if href.startswith("http") else base + href for href in re.findall(r'href="([^"]+)"', page)]


def header_of(token: str) -> dict:
    signed = jws.JWS()
    signed.deserialize(token)
    return signed.jose_header


def verify(token: str, key_set: jwk.JWKSet) -> dict:
    """The payload of a compact JWS whose signature a published key confirms; raises otherwise."""
    signed = jws.JWS()
    signed.deserialize(token)
    header = signed.jose_header
    key = key_set.get_key(header["kid"])
    if key is None:
        raise jws.InvalidJWSSignature(f"no published key {header['kid']}")
    signed.verify(key, alg=header["alg"])
    return json.loads(signed.payload)


def key_set(jwks_json: str) -> jwk.JWKSet:
    return jwk.JWKSet.from_json(jwks_json)


def status_bit(encoded_list: str, index: int) -> bool:
    """W3C Bitstring Status List: multibase ``u`` + base64url of GZIP; index 0 is the first byte's highest bit."""
    assert encoded_list.startswith("u")
    body = encoded_list[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert len(bits) * 8 >= 131072  # at least 16 KiB, as the W3C asks
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def png_text_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """(chunk type, data) of every text chunk of a PNG, read byte by byte."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, found = 8, []
    while position < len(png):
        (length,) = struct.unpack(">I", png[position:position + 4])
        kind = png[position + 4:position + 8]
        data = png[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", png[position + 8 + length:position + 12 + length])
        assert zlib.crc32(kind + data) == crc
        if kind in (b"tEXt", b"zTXt", b"iTXt"):
            found.append((kind, data))
        position += 12 + length
    return found


def baked_credential(png: bytes) -> str:
    """The credential of an OB 3.0 baked PNG: the one ``iTXt`` chunk with keyword ``openbadgecredential``."""
    chunks = [(kind, data) for kind, data in png_text_chunks(png) if data.split(b"\0", 1)[0] == b"openbadgecredential"]
    assert len(chunks) == 1 and chunks[0][0] == b"iTXt", chunks
    keyword, rest = chunks[0][1].split(b"\0", 1)
    compressed, _method, rest = rest[0], rest[1], rest[2:]
    _language, _translated, text = rest.split(b"\0", 2)
    assert compressed == 0  # stored as text, not deflated
    return text.decode("utf-8")
