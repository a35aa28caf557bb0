"""The issuer's signing keys: Ed25519 key pairs in ``OPEN_BADGES_KEY_DIR`` (``instance/keys``).

One JSON file per key, named by its RFC 7638 thumbprint (the key id). The newest key that
still has its private half signs. Rotating makes a new key and removes the private half
from the older ones: they stay published, so every credential signed earlier still
verifies, but can sign nothing more. Files are written readable by their owner only
(0600, in a 0700 folder), and a private key that others may read is refused, as ssh does.
Several app servers share one folder's content, as they share SECRET_KEY.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path

from flask import current_app
from joserfc.jwk import OKPKey

PUBLIC_MEMBERS = ("kty", "crv", "x")


class KeyStoreError(RuntimeError):
    """The key folder cannot give a signing key; the message tells the operator what to do."""


@dataclass(frozen=True)
class StoredKey:
    kid: str
    created_at: datetime
    retired_at: datetime | None
    jwk: dict
    path: Path

    @property
    def can_sign(self) -> bool:
        return "d" in self.jwk

    @cached_property
    def private_key(self) -> OKPKey:
        """The key to sign with (imported once: the parsed keys are kept while their files are unchanged)."""
        return OKPKey.import_key(self.jwk)

    @property
    def public_jwk(self) -> dict:
        return {name: self.jwk[name] for name in PUBLIC_MEMBERS}


def key_directory() -> Path:
    return Path(current_app.config["OPEN_BADGES_KEY_DIR"])


def load_keys(directory: Path) -> list[StoredKey]:
    """Every key in the folder, oldest first; an absent folder holds none.

    The files are parsed again only when one of them changed (a rotation, a new key, a file
    copied in from another server): a verification page reads the keys three times.
    """
    if not directory.is_dir():
        return []
    listing = []
    for path in sorted(directory.glob("*.json")):
        info = path.stat()
        listing.append((path, info.st_mtime_ns, info.st_size, info.st_mode))
    return list(_parsed_keys(tuple(listing)))


@lru_cache(maxsize=8)
def _parsed_keys(listing: tuple) -> tuple[StoredKey, ...]:
    keys = []
    for path, _mtime, _size, _mode in listing:
        data = json.loads(path.read_text())
        keys.append(StoredKey(
            kid=data["kid"],
            created_at=datetime.fromisoformat(data["created_at"]),
            retired_at=datetime.fromisoformat(data["retired_at"]) if data.get("retired_at") else None,
            jwk=data["jwk"],
            path=path,
        ))
    return tuple(sorted(keys, key=lambda key: (key.created_at, key.retired_at is None, key.kid)))


def signing_key(directory: Path) -> tuple[StoredKey, OKPKey]:
    """The key that signs now, with its private half."""
    signing = [key for key in load_keys(directory) if key.can_sign]
    if not signing:
        raise KeyStoreError(f"No Open Badges signing key in {directory}: run `flask --app wsgi lms keys create`.")
    key = signing[-1]
    if stat.S_IMODE(key.path.stat().st_mode) & 0o077:
        raise KeyStoreError(f"{key.path} may be read by others than the app's user: `chmod 600` it.")
    return key, key.private_key


def has_signing_key(directory: Path) -> bool:
    return any(key.can_sign for key in load_keys(directory))


def create_key(directory: Path, now: datetime) -> StoredKey:
    """A new Ed25519 key pair, which signs from now on."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    pair = OKPKey.generate_key("Ed25519", private=True)
    kid = pair.thumbprint()
    data = {"kid": kid, "created_at": now.isoformat(), "retired_at": None, "jwk": pair.as_dict(private=True)}
    path = directory / f"{kid}.json"
    _write(path, data, new=True)
    return StoredKey(kid, now, None, data["jwk"], path)


def ensure_key(directory: Path, now: datetime) -> tuple[StoredKey, bool]:
    """The signing key, made first when there is none; and whether it was made now."""
    signing = [key for key in load_keys(directory) if key.can_sign]
    if signing:
        return signing[-1], False
    return create_key(directory, now), True


def rotate_keys(directory: Path, now: datetime) -> tuple[StoredKey, list[StoredKey]]:
    """A new signing key; the older ones keep only their public half (still published)."""
    older = [key for key in load_keys(directory) if key.can_sign]
    new = create_key(directory, now)
    for key in older:
        _write(key.path, {"kid": key.kid, "created_at": key.created_at.isoformat(), "retired_at": now.isoformat(),
                          "jwk": key.public_jwk})
    return new, older


def _write(path: Path, data: dict, *, new: bool = False) -> None:
    """Write the file readable by its owner only, whole or not at all."""
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(data, file, indent=2)
        file.write("\n")
    if new and path.exists():
        temporary.unlink()
        raise KeyStoreError(f"{path} exists already.")
    os.replace(temporary, path)
