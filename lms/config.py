"""Configuration from the environment.

Every setting can be given as an environment variable of the same name; the
README lists them. ``LMS_ENV`` picks the defaults: ``production`` (the default,
strict), ``development`` (``make run``) or ``testing``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _names(name: str, default: str) -> tuple[str, ...]:
    """A comma-separated list; an empty value is an empty list."""
    value = os.environ.get(name)
    value = default if value is None else value
    return tuple(part.strip().lower() for part in value.split(",") if part.strip())


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'lms.sqlite3'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    """Settings read once from the environment when the app is created."""

    def __init__(self) -> None:
        env = os.environ.get("LMS_ENV", "production").strip().lower()
        self.LMS_ENV = env
        development = env == "development"
        self.DEBUG = development and _bool("FLASK_DEBUG", False)
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or None
        self.SQLALCHEMY_DATABASE_URI = _database_url()
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        # PostgreSQL's planner, told that reading a page at random costs little more than in order
        # (the data in memory or on SSD, as on any current host): lists of a coach's sessions,
        # attendance and cohorts then read a few rows by their index instead of whole tables.
        # Empty: the server's own setting (4, for spinning disks).
        self.PG_RANDOM_PAGE_COST = os.environ.get("PG_RANDOM_PAGE_COST", "1.1").strip()
        self.SQLALCHEMY_RECORD_QUERIES = False

        self.BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        self.PLATFORM_NAME = os.environ.get("PLATFORM_NAME", "Welzijnscoach Academie")
        self.MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
        self.PROXY_FIX_X_FOR = _int("PROXY_FIX_X_FOR", 0)
        self.PROXY_FIX_X_PROTO = _int("PROXY_FIX_X_PROTO", 0)

        secure = _bool("SESSION_COOKIE_SECURE", not development)
        self.SESSION_COOKIE_SECURE = secure
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = secure
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        # "Stay logged in" lasts this long at most: the cookie's life, and checked on the server too.
        self.REMEMBER_DAYS = _int("REMEMBER_DAYS", 30)
        self.REMEMBER_COOKIE_DURATION = timedelta(days=self.REMEMBER_DAYS)
        self.PERMANENT_SESSION_LIFETIME = _int("SESSION_LIFETIME_HOURS", 12) * 3600
        # A browser that logged into an account carries a signed device cookie this long
        # (its own allowance of login attempts, whatever strangers try elsewhere).
        self.DEVICE_COOKIE_DAYS = _int("DEVICE_COOKIE_DAYS", 180)
        self.FORCE_HTTPS = _bool("FORCE_HTTPS", False)

        self.WTF_CSRF_TIME_LIMIT = None  # bound to the session, which expires on its own
        self.WTF_CSRF_SSL_STRICT = _bool("WTF_CSRF_SSL_STRICT", True)

        self.BABEL_DEFAULT_LOCALE = "nl"
        self.BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
        self.LANGUAGES = ("nl", "en")

        self.MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "file" if development else "smtp")
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
        self.MAIL_PORT = _int("MAIL_PORT", 25)
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
        self.MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
        self.MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 10)
        self.MAIL_DEFAULT_SENDER = os.environ.get(
            "MAIL_DEFAULT_SENDER", "Welzijnscoach Academie <noreply@welzijnscoach.example.org>"
        )
        self.MAIL_FILE_DIR = os.environ.get("MAIL_FILE_DIR", str(INSTANCE_DIR / "mail"))
        self.MAIL_DELIVER_AFTER_REQUEST = _bool("MAIL_DELIVER_AFTER_REQUEST", development)
        self.MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 8)

        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "")
        # Per account and client (IP address, or the browser's device cookie).
        self.LOGIN_LIMIT_ACCOUNT = os.environ.get("LOGIN_LIMIT_ACCOUNT", "10 per 15 minutes")
        # Per client address, over every account.
        self.LOGIN_LIMIT_ADDRESS = os.environ.get("LOGIN_LIMIT_ADDRESS", "50 per 15 minutes")
        # Per account, over every client without the account's device cookie together.
        self.LOGIN_LIMIT_UNTRUSTED = os.environ.get("LOGIN_LIMIT_UNTRUSTED", "100 per 15 minutes")
        # Codes of the second factor, per account.
        self.TWO_FACTOR_LIMIT = os.environ.get("TWO_FACTOR_LIMIT", "5 per 5 minutes")
        self.RESET_LIMIT = os.environ.get("RESET_LIMIT", "5 per hour")
        # Registrations and address links: per email address, and per client address.
        self.REGISTER_LIMIT_ACCOUNT = os.environ.get("REGISTER_LIMIT_ACCOUNT", "3 per hour")
        self.REGISTER_LIMIT_ADDRESS = os.environ.get("REGISTER_LIMIT_ADDRESS", "20 per hour")
        # The password-link request and registration answer after at least this long, whether or
        # not the address has an account, so their timing tells nothing (the work takes far less).
        self.ACCOUNT_ANSWER_MS = _int("ACCOUNT_ANSWER_MS", 250)
        self.VERIFY_LIMIT = os.environ.get("VERIFY_LIMIT", "60 per minute")
        self.CALENDAR_LIMIT = os.environ.get("CALENDAR_LIMIT", "120 per minute")
        # Visitors' interest in a region: per address and per client, so nobody is flooded with mail.
        self.INTEREST_LIMIT_ADDRESS = os.environ.get("INTEREST_LIMIT_ADDRESS", "3 per hour")
        self.INTEREST_LIMIT_CLIENT = os.environ.get("INTEREST_LIMIT_CLIENT", "20 per hour")
        # Days a visitor has to confirm their address before the wish is deleted; days a told wish is kept.
        self.VISITOR_INTEREST_CONFIRM_DAYS = _int("VISITOR_INTEREST_CONFIRM_DAYS", 7)
        self.VISITOR_INTEREST_KEEP_DAYS = _int("VISITOR_INTEREST_KEEP_DAYS", 30)
        self.PASSWORD_RESET_MAX_AGE = _int("PASSWORD_RESET_MAX_AGE", 3600)
        # How long a link to confirm an address works; how long the old address can undo a change.
        self.ADDRESS_LINK_HOURS = _int("ADDRESS_LINK_HOURS", 72)
        self.ADDRESS_UNDO_DAYS = _int("ADDRESS_UNDO_DAYS", 14)
        # Roles that must log in with a second factor (TOTP); empty in development, so the
        # demo accounts log in with their password alone. Anyone may set one up.
        self.TWO_FACTOR_REQUIRED_ROLES = _names(
            "TWO_FACTOR_REQUIRED_ROLES", "" if development else "admin,staff,coordinator")
        # Not an environment setting: production strength everywhere but in the test suite.
        self.PASSWORD_HASH_PROFILE = "production"
        # Where the app reads the time (lms/clock.py); None is the system clock.
        self.CLOCK = None

        self.LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
        # JSON lines for log collectors; plain lines (with the request id) while developing.
        self.LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if development else "json").strip().lower()
        self.PAGE_SIZE = _int("PAGE_SIZE", 25)
        # Years after a cohort ended before its enrolments are anonymised; 0 turns it off.
        self.RETENTION_YEARS = _int("RETENTION_YEARS", 7)
        self.CATALOGUE_PAGE_SIZE = _int("CATALOGUE_PAGE_SIZE", 12)
        # Open Badges: who issues the credentials, and where the signing keys live (README, Open Badges).
        self.OPEN_BADGES_ISSUER_NAME = os.environ.get("OPEN_BADGES_ISSUER_NAME",
                                                      "Landelijk Kennisnetwerk Welzijn op Recept")
        self.OPEN_BADGES_ISSUER_URL = os.environ.get("OPEN_BADGES_ISSUER_URL", "https://www.welzijnoprecept.nl")
        self.OPEN_BADGES_KEY_DIR = os.environ.get("OPEN_BADGES_KEY_DIR", str(INSTANCE_DIR / "keys"))
        # The certificate PDF's issuer logo and signatory. Image paths are absolute or relative to the
        # instance folder or the project (static/...); empty: the platform's own mark and name, no signature.
        self.CERTIFICATE_LOGO = os.environ.get("CERTIFICATE_LOGO", "")
        self.CERTIFICATE_SIGNATORY_NAME = os.environ.get("CERTIFICATE_SIGNATORY_NAME", "")
        self.CERTIFICATE_SIGNATORY_ROLE = os.environ.get("CERTIFICATE_SIGNATORY_ROLE", "")
        self.CERTIFICATE_SIGNATORY_ROLE_EN = os.environ.get("CERTIFICATE_SIGNATORY_ROLE_EN", "")
        self.CERTIFICATE_SIGNATURE_IMAGE = os.environ.get("CERTIFICATE_SIGNATURE_IMAGE", "")


class TestConfig(Config):
    """Defaults for the test suite; the database comes from TEST_DATABASE_URL."""

    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        super().__init__()
        self.LMS_ENV = "testing"
        self.TESTING = True
        self.DEBUG = False
        self.SECRET_KEY = "test-secret-key-not-for-production"
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "TEST_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'test.sqlite3'}"
        )
        self.SESSION_COOKIE_SECURE = False
        self.REMEMBER_COOKIE_SECURE = False
        self.MAIL_BACKEND = "smtp"
        self.MAIL_DELIVER_AFTER_REQUEST = True
        self.BASE_URL = "http://localhost"
        # Thousands of test logins at production strength cost minutes; tests/auth checks the real profile.
        self.PASSWORD_HASH_PROFILE = "cheapest"
        # Staff log in through the form with a password alone, unless a test asks for a factor.
        self.TWO_FACTOR_REQUIRED_ROLES = ()
        # No waiting in every test that registers or asks a password link; tests/auth checks the real value.
        self.ACCOUNT_ANSWER_MS = 0
