"""Rate limits shared by every app process: counters in the database, or Redis.

The ``limits`` library does the arithmetic; this module adds a storage backend on
the application's own database, so several app servers share one count without
any extra service. Setting ``RATELIMIT_STORAGE_URI`` (``redis://...``) uses that
store instead.

An attempt is counted before it is judged: ``hit`` adds one in a single atomic step
(an upsert here, a Lua script in Redis) and compares the new count with the limit, so
of N attempts at once, across workers and servers, at most the limit get through.
"""

from __future__ import annotations

import functools
import hashlib
import os

import sqlalchemy as sa
from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from lms import clock
from lms.db_engine import configure_engine_events
from lms.extensions import db


class RateLimitCounter(db.Model):
    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[float] = mapped_column(sa.Float, index=True)  # epoch seconds


_COUNTER_ENGINES: dict[tuple, sa.engine.Engine] = {}


def counter_engine() -> sa.engine.Engine:
    """The engine the counters use: a small pool of its own.

    A request holds its session's connection while it counts; were the counters to take
    their connection from the same pool, a burst of requests could hold every connection and
    wait for one more, all of them, until the pool's timeout. A pool of their own, whose
    connections are held for one statement and never wait for another, cannot deadlock so.
    A SQLite file has a pool like any database (16 logins at once on the threaded test server
    ran into it); only a memory database stays on the app's engine, its one connection.
    """
    url = db.engine.url
    if db.engine.dialect.name == "sqlite" and url.database in (None, "", ":memory:"):
        return db.engine
    key = (os.getpid(), url)  # a pool's connections never cross a fork
    engine = _COUNTER_ENGINES.get(key)
    if engine is None:
        # Autocommit: every use is one statement, atomic by itself, so a BEGIN and a COMMIT
        # would only add two round trips to every count.
        engine = _COUNTER_ENGINES[key] = sa.create_engine(url, pool_size=5, max_overflow=10,
                                                          pool_pre_ping=True, isolation_level="AUTOCOMMIT")
        configure_engine_events(engine)  # SQLite's busy timeout and WAL, as on the app's engine
    return engine


def dispose_counter_engines() -> None:
    """Close the counters' own connections, as stopping the app does (before a SQLite file is
    put back from a backup, say)."""
    for engine in _COUNTER_ENGINES.values():
        engine.dispose()
    _COUNTER_ENGINES.clear()


@functools.cache
def _increment(dialect: str) -> sa.Insert:
    """Add ``amount`` to the counter ``key``, or start it when missing or expired; returns the count.

    Built once per database: building this statement and its cache key cost more than running it.
    """
    table = RateLimitCounter.__table__
    amount = sa.bindparam("amount", type_=sa.Integer)
    now, expires_at = sa.bindparam("now", type_=sa.Float), sa.bindparam("expires_at", type_=sa.Float)
    expired = table.c.expires_at <= now
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return insert.values(key=sa.bindparam("counter"), count=amount, expires_at=expires_at).on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "count": sa.case((expired, amount), else_=table.c.count + amount),
            "expires_at": sa.case((expired, expires_at), else_=table.c.expires_at),
        },
    ).returning(table.c.count)


class DatabaseStorage(Storage):
    """A fixed-window counter store in the application's database.

    Every count is its own short transaction on a connection of its own: an attempt stays
    counted whatever becomes of the request that made it (a refused login answers 422 and
    rolls the request back, but the failed attempt must count). Callers count before they
    write anything else, so on SQLite the counter never waits for the request's own lock.
    """

    STORAGE_SCHEME = ["lms-database"]

    @property
    def base_exceptions(self):
        return sa.exc.SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = clock.timestamp()
        engine = counter_engine()
        parameters = {"counter": key, "amount": amount, "now": now, "expires_at": now + expiry}
        with engine.begin() as conn:
            return int(conn.execute(_increment(engine.dialect.name), parameters).scalar_one())

    def get(self, key: str) -> int:
        with counter_engine().connect() as conn:
            row = conn.execute(
                sa.select(RateLimitCounter.count).where(
                    RateLimitCounter.key == key, RateLimitCounter.expires_at > clock.timestamp()
                )
            ).scalar()
        return int(row or 0)

    def get_expiry(self, key: str) -> float:
        with counter_engine().connect() as conn:
            row = conn.execute(sa.select(RateLimitCounter.expires_at).where(RateLimitCounter.key == key)).scalar()
        now = clock.timestamp()
        return float(row) if row and row > now else now

    def check(self) -> bool:
        with counter_engine().connect() as conn:
            conn.execute(sa.select(1))
        return True

    def reset(self) -> int | None:
        with counter_engine().begin() as conn:
            return conn.execute(sa.delete(RateLimitCounter)).rowcount

    def clear(self, key: str) -> None:
        with counter_engine().begin() as conn:
            conn.execute(sa.delete(RateLimitCounter).where(RateLimitCounter.key == key))

    def decr(self, key: str) -> None:
        """One attempt less in the current window; never below zero."""
        with counter_engine().begin() as conn:
            conn.execute(sa.update(RateLimitCounter).where(
                RateLimitCounter.key == key, RateLimitCounter.count > 0,
                RateLimitCounter.expires_at > clock.timestamp(),
            ).values(count=RateLimitCounter.count - 1))


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


def hit(setting: str, scope: str, value: str) -> bool:
    """Count one attempt, then judge it: False when it went over the limit (count first, always)."""
    return _limiter().hit(limit_item(setting), scope, _identifier(value))


def refund(setting: str, scope: str, value: str) -> None:
    """Give back an attempt that turned out well (a login that succeeded counts as no attempt)."""
    item = limit_item(setting)
    key = item.key_for(scope, _identifier(value))
    storage = _limiter().storage
    if isinstance(storage, DatabaseStorage):
        storage.decr(key)
    elif storage.get(key) > 0:
        storage.incr(key, item.get_expiry(), amount=-1)


def retry_after(setting: str, scope: str, value: str) -> int:
    """Seconds until the current window of this limit ends."""
    stats = _limiter().get_window_stats(limit_item(setting), scope, _identifier(value))
    return max(int(stats.reset_time - clock.timestamp()) + 1, 1)


def clear(setting: str, scope: str, value: str) -> None:
    _limiter().clear(limit_item(setting), scope, _identifier(value))


def purge_expired() -> int:
    """Delete counters whose window has ended; run from the scheduler now and then."""
    with counter_engine().begin() as conn:
        return conn.execute(
            sa.delete(RateLimitCounter).where(RateLimitCounter.expires_at <= clock.timestamp())
        ).rowcount
