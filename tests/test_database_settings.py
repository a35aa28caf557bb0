"""The database sessions' own settings."""

import pytest
import sqlalchemy as sa

from lms import create_app
from lms.extensions import db


def test_postgresql_plans_for_data_in_memory(app):
    """PostgreSQL reads a coach's few rows by index, not whole tables (PG_RANDOM_PAGE_COST, README)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no planner costs to set")
    assert db.session.execute(sa.text("SHOW random_page_cost")).scalar() == "1.1"


def test_the_planner_setting_can_be_left_to_the_server(app, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no planner costs to set")
    monkeypatch.setenv("PG_RANDOM_PAGE_COST", "")
    other = create_app({**{k: app.config[k] for k in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "LMS_ENV")}})
    with other.app_context():
        assert "connect_args" not in other.config["SQLALCHEMY_ENGINE_OPTIONS"]
        assert db.session.execute(sa.text("SHOW random_page_cost")).scalar() == "4"
        db.session.remove()
        db.engine.dispose()
