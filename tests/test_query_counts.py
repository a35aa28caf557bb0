"""Pages load their data in a constant number of SQL statements, whatever the number of rows.

The benchmark's own dataset builder makes the data twice, ten times larger the second
time; every page the benchmark measures must send exactly as many statements both times.
"""

from __future__ import annotations

from bench.__main__ import count_statements, plan
from bench.dataset import Scale, build
from tests.conftest import NOW, _empty_tables

SMALL = Scale(coaches=50, cohorts=10, enrolments=100, attendance=150, certificates=10)
LARGE = Scale(coaches=500, cohorts=100, enrolments=1000, attendance=1500, certificates=100)


def _counts(app, scale: Scale) -> dict[str, int]:
    _empty_tables()
    data = build(NOW, seed=7, scale=scale)
    pages = plan(app, data)
    reads = count_statements(app, [p for p in pages if p["lines"][0][0] == "GET"])
    writes = count_statements(app, [p for p in pages if p["lines"][0][0] == "POST"])
    return reads | writes


def test_statements_per_page_do_not_grow_with_the_data(app):
    app.config["MAIL_DELIVER_AFTER_REQUEST"] = False  # sending mail is the worker's job, not the page's
    small = _counts(app, SMALL)
    large = _counts(app, LARGE)
    assert set(small) >= {"catalogue", "coach start page", "learning page", "staff cohort list", "cohort roster",
                          "region dashboard", "CSV export", "calendar feed (≈200 events)",
                          "certificate verification", "certificate PDF", "enrol (POST)"}
    assert small == large
