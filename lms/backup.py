"""Consistent copies of a SQLite database while the app runs (SQLite's online backup API)."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa


class BackupError(Exception):
    pass


POSTGRES_MESSAGE = (
    "The database is PostgreSQL; back it up with pg_dump, for example\n"
    "  pg_dump --format=custom --file=lms-$(date -u +%Y%m%d-%H%M%S).dump \"$DATABASE_URL\"\n"
    "and restore with pg_restore --clean --if-exists (see README, Backups and restore)."
)


def default_path(instance_path: str | os.PathLike, now: datetime) -> Path:
    """instance/backups/lms-YYYYmmdd-HHMMSS.sqlite3, in UTC; a suffix when that name is taken."""
    folder = Path(instance_path) / "backups"
    stem = f"lms-{now:%Y%m%d-%H%M%S}"
    path, n = folder / f"{stem}.sqlite3", 2
    while path.exists():
        path, n = folder / f"{stem}-{n}.sqlite3", n + 1
    return path


def backup_sqlite(engine: sa.Engine, target: str | os.PathLike) -> Path:
    """Copy the engine's SQLite database to ``target``: a consistent snapshot, writers keep going.

    The copy is written next to the target and renamed when complete, so a half-written
    file never carries the backup's name; it is a single file (no -wal) that opens as it is.
    """
    if engine.dialect.name == "postgresql":
        raise BackupError(POSTGRES_MESSAGE)
    if engine.dialect.name != "sqlite":
        raise BackupError(f"Backups of {engine.dialect.name} databases are not supported; use its own tools.")
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError("The database is in memory; there is no file to back up.")
    target = Path(target).resolve()
    if target.exists():
        raise BackupError(f"{target} already exists; choose another file.")
    if target == Path(database).resolve():
        raise BackupError("The backup cannot replace the database itself.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    raw = engine.raw_connection()
    try:
        source: sqlite3.Connection = raw.driver_connection
        copy = sqlite3.connect(partial)
        try:
            # All pages in one step: one read transaction, so one consistent moment.
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
            result = copy.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copy.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"The backup failed: {exc}") from exc
    finally:
        raw.close()
    if result != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"The backup did not pass SQLite's integrity check: {result}")
    os.replace(partial, target)
    return target
