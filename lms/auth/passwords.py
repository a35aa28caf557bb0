"""Password hashing (Argon2id) and the password policy."""

from __future__ import annotations

from functools import lru_cache

from argon2 import Parameters, PasswordHasher, Type, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

MIN_LENGTH = 8
MAX_LENGTH = 128

# Argon2id as OWASP's Password Storage Cheat Sheet recommends first: 19 MiB, 2 passes, one
# lane. RFC 9106's 64 MiB (the library's default, used before) raised every web worker's peak
# memory by 64 MiB at its first login, past the 150 MiB a worker may use (issue 20); hashes
# made with it still verify and are replaced at the next login (``needs_rehash``).
# The test suite sets PASSWORD_HASH_PROFILE=cheapest so its thousands of logins cost
# microseconds; the production profile is the only one a deployed app can pick.
OWASP = Parameters(type=Type.ID, version=19, salt_len=16, hash_len=32, time_cost=2, memory_cost=19 * 1024,
                   parallelism=1)
PROFILES = {
    "production": PasswordHasher.from_parameters(OWASP),
    "cheapest": PasswordHasher.from_parameters(profiles.CHEAPEST),
}


def _hasher() -> PasswordHasher:
    name = current_app.config.get("PASSWORD_HASH_PROFILE", "production") if has_app_context() else "production"
    return PROFILES[name]

# A few Dutch favourites that the English-language list does not hold.
_LOCAL_COMMON = {
    "welkom01", "welkom123", "wachtwoord1", "wachtwoord123", "welzijn123", "welzijn2026",
    "zomer2026", "winter2026", "voorjaar2026", "najaar2026", "amsterdam1", "nederland1",
}


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships the 30,000 most common passwords from public breaches.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | _LOCAL_COMMON


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same time as a real check, so timing does not reveal unknown accounts.
        _hasher().hash(password or "x")
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def is_common(password: str) -> bool:
    return password.lower() in _common_passwords()
