"""`flask lms backup`: consistent SQLite copies while the app runs, and restoring one."""

from __future__ import annotations

import re
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.auth.models import Role
from lms.extensions import db
from lms.ratelimit import dispose_counter_engines
from lms.regions.models import Region


@pytest.fixture
def kind(app) -> str:
    return db.engine.dialect.name


@pytest.fixture
def sqlite_only(kind):
    if kind != "sqlite":
        pytest.skip("the suite runs on PostgreSQL, which is backed up with pg_dump")


@pytest.fixture
def run_backup(app):
    def run(*args: str):
        return app.test_cli_runner().invoke(args=["lms", "backup", *args])

    return run


def _open(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _names(path: Path) -> set[str]:
    with _open(path) as conn:
        return {name for (name,) in conn.execute("SELECT name FROM region")}


def test_backup_while_a_transaction_is_open_has_the_committed_data(sqlite_only, run_backup, make_region, tmp_path):
    make_region("Achterhoek")
    writer = sqlite3.connect(db.engine.url.database, timeout=30)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO region (name, slug) VALUES ('Halverwege', 'halverwege')")
        target = tmp_path / "copy.sqlite3"
        result = run_backup("--output", str(target))
        assert result.exit_code == 0, result.output
        assert result.output.strip() == str(target.resolve())
        writer.commit()
    finally:
        writer.close()
    with _open(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file, nothing beside it
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    assert _names(target) == {"Achterhoek"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Region)) == 2  # the live database went on


def test_backups_taken_during_steady_writes_are_consistent(sqlite_only, run_backup, tmp_path):
    """Each write adds a region and an organisation together; every backup has them in pairs."""
    stop = threading.Event()
    written: list[int] = []
    failures: list[BaseException] = []
    database = db.engine.url.database

    def write():
        conn = sqlite3.connect(database, timeout=30)
        try:
            n = 0
            while not stop.is_set():
                n += 1
                with conn:
                    conn.execute("INSERT INTO region (name, slug) VALUES (?, ?)", (f"R{n}", f"r{n}"))
                    conn.execute("INSERT INTO organisation (name) VALUES (?)", (f"O{n}",))
                written.append(n)
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)
        finally:
            conn.close()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        paths = []
        for i in range(3):
            while len(written) < 20 * (i + 1) and not failures:
                stop.wait(0.01)
            assert not failures, failures
            target = tmp_path / f"copy-{i}.sqlite3"
            result = run_backup("--output", str(target))
            assert result.exit_code == 0, result.output
            paths.append(target)
    finally:
        stop.set()
        thread.join(timeout=30)
    for path in paths:
        with _open(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            regions = conn.execute("SELECT count(*) FROM region").fetchone()[0]
            organisations = conn.execute("SELECT count(*) FROM organisation").fetchone()[0]
        assert regions == organisations > 0


def test_default_name_is_a_utc_timestamp_under_instance_backups(sqlite_only, app, run_backup, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    first = run_backup()
    second = run_backup()
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    path = Path(first.output.strip())
    assert path.parent == tmp_path / "backups"
    assert re.fullmatch(r"lms-\d{8}-\d{6}\.sqlite3", path.name)
    assert Path(second.output.strip()) != path and Path(second.output.strip()).exists()  # never overwritten
    assert not list((tmp_path / "backups").glob(".*partial"))


def test_an_existing_file_is_not_overwritten(sqlite_only, run_backup, tmp_path):
    target = tmp_path / "taken.sqlite3"
    target.write_text("keep me")
    result = run_backup("--output", str(target))
    assert result.exit_code != 0 and "already exists" in result.output
    assert target.read_text() == "keep me"


def test_restore_by_copying_the_backup_back(sqlite_only, app, client, auth, run_backup, make_user, make_region,
                                            tmp_path):
    make_user(Role.ADMIN, email="beheer@example.org")
    region = make_region("Regio Terug")
    target = tmp_path / "before-mistake.sqlite3"
    assert run_backup("--output", str(target)).exit_code == 0

    db.session.delete(region)  # the mistake
    db.session.commit()

    # As the README says: stop the app, put the backup in place of the database file
    # (without the old -wal and -shm beside it), start the app.
    db.session.remove()
    db.engine.dispose()
    dispose_counter_engines()  # the rate-limit counters' connections, too
    live = Path(db.engine.url.database)
    for suffix in ("-wal", "-shm"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(target, live)

    auth.login("beheer@example.org")
    page = client.get("/admin/regions").get_data(as_text=True)
    assert "Regio Terug" in page
    assert db.session.scalar(sa.select(Region).where(Region.name == "Regio Terug")) is not None


def test_on_postgresql_the_command_refuses_and_points_to_pg_dump(kind, run_backup, tmp_path):
    if kind != "postgresql":
        pytest.skip("the suite runs on SQLite, where the backup command works")
    target = tmp_path / "copy.sqlite3"
    result = run_backup("--output", str(target))
    assert result.exit_code == 1
    assert "pg_dump" in result.output and "README" in result.output
    assert not target.exists()
