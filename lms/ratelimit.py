"""Rate limits shared by every app process: counters in the database, or Redis.

The ``limits`` library does the arithmetic; this module adds a storage backend on
the application's own database, so several app servers share one count without
any extra service. Setting ``RATELIMIT_STORAGE_URI`` (``redis://...``) uses that
store instead.

An attempt is counted in its own short transaction, committed at once: a refused attempt
answers with a 4xx, whose unit of work (lms/web.py) rolls the request back, and the count
must outlive that. The one write that does.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from lms import clock
from lms.extensions import db


class RateLimitCounter(db.Model):
    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[float] = mapped_column(sa.Float, index=True)  # epoch seconds


class DatabaseStorage(Storage):
    """A fixed-window counter store in the application's database; counts commit on their own."""

    STORAGE_SCHEME = ["lms-database"]

    @property
    def base_exceptions(self):
        return sa.exc.SQLAlchemyError

    def _insert(self):
        dialect = db.engine.dialect.name
        return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(RateLimitCounter)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = clock.timestamp()
        table = RateLimitCounter.__table__
        stmt = self._insert().values(key=key, count=amount, expires_at=now + expiry)
        expired = table.c.expires_at <= now
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": sa.case((expired, amount), else_=table.c.count + amount),
                "expires_at": sa.case((expired, now + expiry), else_=table.c.expires_at),
            },
        ).returning(table.c.count)
        with db.engine.begin() as connection:  # its own transaction, committed now
            return int(connection.execute(stmt).scalar_one())

    def get(self, key: str) -> int:
        row = db.session.execute(
            sa.select(RateLimitCounter.count).where(
                RateLimitCounter.key == key, RateLimitCounter.expires_at > clock.timestamp()
            )
        ).scalar()
        return int(row or 0)

    def get_expiry(self, key: str) -> float:
        row = db.session.execute(
            sa.select(RateLimitCounter.expires_at).where(RateLimitCounter.key == key)
        ).scalar()
        now = clock.timestamp()
        return float(row) if row and row > now else now

    def check(self) -> bool:
        db.session.execute(sa.select(1))
        return True

    def reset(self) -> int | None:
        return db.session.execute(sa.delete(RateLimitCounter)).rowcount

    def clear(self, key: str) -> None:
        db.session.execute(sa.delete(RateLimitCounter).where(RateLimitCounter.key == key))


def _limiter() -> FixedWindowRateLimiter:
    ext = current_app.extensions.get("lms_ratelimit")
    if ext is None:
        uri = current_app.config.get("RATELIMIT_STORAGE_URI") or ""
        storage = storage_from_string(uri) if uri else DatabaseStorage()
        ext = current_app.extensions["lms_ratelimit"] = FixedWindowRateLimiter(storage)
    return ext


def _identifier(value: str) -> str:
    # Emails and addresses are hashed so the counter table holds no personal data.
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def limit_item(setting: str) -> RateLimitItem:
    return parse(current_app.config[setting])


def is_allowed(setting: str, scope: str, value: str) -> bool:
    """Whether another attempt under this limit would still be allowed."""
    return _limiter().test(limit_item(setting), scope, _identifier(value))


def hit(setting: str, scope: str, value: str) -> bool:
    """Count one attempt; False when it went over the limit."""
    return _limiter().hit(limit_item(setting), scope, _identifier(value))


def retry_after(setting: str, scope: str, value: str) -> int:
    """Seconds until the current window of this limit ends."""
    stats = _limiter().get_window_stats(limit_item(setting), scope, _identifier(value))
    return max(int(stats.reset_time - clock.timestamp()) + 1, 1)


def clear(setting: str, scope: str, value: str) -> None:
    _limiter().clear(limit_item(setting), scope, _identifier(value))


def purge_expired() -> int:
    """Delete counters whose window has ended; run from the scheduler now and then."""
    return db.session.execute(
        sa.delete(RateLimitCounter).where(RateLimitCounter.expires_at <= clock.timestamp())
    ).rowcount
