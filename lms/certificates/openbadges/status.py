"""Revocation that travels: each certificate's entry in a W3C Bitstring Status List.

A certificate gets its entry when it is issued: a random free index of the newest list
(random, so neighbouring indexes say nothing about who was certified together). A list
holds 131,072 entries (16 KiB, the smallest size the W3C recommends for herd privacy)
and takes new ones until it is half full, so a free index is found in a try or two.

The bits are read from the certificates: an entry is set exactly when its certificate is
revoked, in the same transaction, and a revoke that is rolled back leaves it clear. The
list's ``updated_at`` moves with every revoke and dates the published list.
"""

from __future__ import annotations

import base64
import gzip
import secrets
from datetime import datetime

import sqlalchemy as sa

from lms.certificates.models import Certificate, StatusList
from lms.extensions import db

LIST_SIZE = 131072
LIST_OPEN_UNTIL = LIST_SIZE // 2
PURPOSE = "revocation"


def assign_entry(now: datetime) -> tuple[int, int]:
    """(list id, index) for a new certificate: a random free index of the newest open list."""
    status_list = db.session.execute(sa.select(StatusList).order_by(StatusList.id.desc()).limit(1)).scalar()
    if status_list is None or _taken(status_list.id) >= LIST_OPEN_UNTIL:
        status_list = StatusList(created_at=now, updated_at=now)
        db.session.add(status_list)
        db.session.flush()
    while True:
        index = secrets.randbelow(LIST_SIZE)
        if not _in_use(status_list.id, index):
            return status_list.id, index


def _taken(list_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)
                             .where(Certificate.status_list_id == list_id))


def _in_use(list_id: int, index: int) -> bool:
    # Certificates added in this session but not flushed yet count too.
    pending = any(isinstance(obj, Certificate) and (obj.status_list_id, obj.status_index) == (list_id, index)
                  for obj in db.session.new)
    return pending or db.session.execute(sa.select(sa.select(Certificate.id).where(
        Certificate.status_list_id == list_id, Certificate.status_index == index).exists())).scalar()


def mark_revoked(certificate: Certificate, now: datetime) -> None:
    """The certificate's list changes with its revoke (the bit itself is its ``revoked_at``)."""
    db.session.execute(sa.update(StatusList).where(StatusList.id == certificate.status_list_id)
                       .values(updated_at=now))


def revoked_indexes(list_id: int) -> list[int]:
    return list(db.session.execute(sa.select(Certificate.status_index).where(
        Certificate.status_list_id == list_id, Certificate.revoked_at.is_not(None))).scalars())


def encode_list(indexes, size: int = LIST_SIZE) -> str:
    """The list as the W3C encodes it: index 0 is the first byte's highest bit; GZIP, then
    base64url without padding, with the multibase prefix ``u``."""
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode().rstrip("=")


def decode_list(encoded: str) -> bytes:
    body = encoded[1:] if encoded.startswith("u") else encoded
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
