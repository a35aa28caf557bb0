"""The holder's identifier in a credential: a salted SHA-256 of their e-mail address (an OB IdentityHash).

Made when the certificate is issued and kept in its snapshot, with a salt of its own, so
the credential never changes afterwards and two credentials of one person cannot be linked
by their hashes. Whoever knows the address can check it: sha256(address + salt).
"""

from __future__ import annotations

import hashlib
import secrets


def identity_of(email: str) -> dict:
    """The snapshot's part for the identifier: the hash and its fresh salt."""
    salt = secrets.token_hex(16)
    return {"identity_hash": hash_identity(email, salt), "identity_salt": salt}


def hash_identity(email: str, salt: str) -> str:
    """``sha256$`` and the hex digest of the address (trimmed, lower case) followed by the salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()
