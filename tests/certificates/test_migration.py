"""The migration that gives certificates issued before Open Badges their status-list entry and hashed address.

Run on a copy of the test database: down to the revision before, the snapshots made as
older code made them (no hashed address), and up again, with SQLite's foreign keys on as
the app has them; SQLite's table rebuild keeps the triggers on certificate.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from lms.auth.models import Role
from lms.certificates.services import reissue_certificate
from lms.extensions import db
from lms.privacy.erasure import anonymise_user

VERSIONS = Path(__file__).parents[2] / "migrations" / "versions"
MIGRATION = VERSIONS / "e6a4b2c9d1f7_certificate_status_list_entry.py"
# A later migration that indexes the status-list columns: undone first, redone after.
LATER = VERSIONS / "c8e2f4a6b1d3_indexes_that_keep_pages_flat.py"


def _migration(path: Path = MIGRATION):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def copy_engine(app, tmp_path):
    """An engine on a copy of the test database as it is now (SQLite only)."""

    def make() -> sa.Engine:
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the copy is made with SQLite's backup API")
        target = tmp_path / "copy.sqlite3"
        with sqlite3.connect(db.engine.url.database) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        engine = sa.create_engine(f"sqlite:///{target}")
        sa.event.listen(engine, "connect", lambda connection, _record: connection.execute("PRAGMA foreign_keys=ON"))
        return engine

    return make


def test_existing_certificates_get_an_entry_and_a_hashed_address(coach, staff, make_user, issue, now, copy_engine):
    replaced = issue(coach)
    reissued = reissue_certificate(staff, replaced, "Naam gecorrigeerd", now)
    erased_holder = make_user(Role.COACH, name="Eddy Weg", email="eddy@example.org")
    erased = issue(erased_holder)
    anonymise_user(make_user(Role.ADMIN), erased_holder, now, "Op verzoek")
    db.session.commit()
    engine = copy_engine()
    migration, later = _migration(), _migration(LATER)
    triggers = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'certificate'"
    with engine.connect() as conn:
        triggers_before = set(conn.execute(sa.text(triggers)).all())
    with engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        later.downgrade()
        migration.downgrade()
        assert set(conn.execute(sa.text(triggers)).all()) == triggers_before
        # As older code issued them: no hashed address in the snapshot.
        for row in conn.execute(sa.text("SELECT id, snapshot FROM certificate")).all():
            conn.execute(sa.text("UPDATE certificate SET snapshot = json_remove(snapshot, '$.identity_hash', "
                                 "'$.identity_salt') WHERE id = :id"), {"id": row.id})
        migration.upgrade()
        later.upgrade()

    with engine.connect() as conn:
        rows = {row.id: row for row in conn.execute(sa.text(
            "SELECT id, status_list_id, status_index, replaced_by_id, json_extract(snapshot, '$.identity_hash') AS hash, "
            "json_extract(snapshot, '$.identity_salt') AS salt FROM certificate")).all()}
        lists = conn.execute(sa.text("SELECT count(*) FROM status_list")).scalar()
        triggers_after = set(conn.execute(sa.text(triggers)).all())
    engine.dispose()
    assert set(rows) == {replaced.id, reissued.id, erased.id} and lists == 1
    assert all(row.status_list_id is not None and 0 <= row.status_index < 131072 for row in rows.values())
    assert len({(row.status_list_id, row.status_index) for row in rows.values()}) == 3
    assert rows[replaced.id].replaced_by_id == reissued.id  # the link survives SQLite's table rebuild
    assert triggers_after == triggers_before != set()  # and so do the report figures' triggers on certificate
    for certificate in (replaced, reissued):
        row = rows[certificate.id]
        assert row.hash == "sha256$" + hashlib.sha256(("cora@example.org" + row.salt).encode()).hexdigest()
    assert rows[replaced.id].salt != rows[reissued.id].salt
    assert rows[erased.id].hash is None  # an erased holder's certificate names nobody, and hashes nobody
