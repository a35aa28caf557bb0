"""Pages load their data in a constant number of SQL statements, whatever the number of rows.

The benchmark's own dataset builder makes the data twice, ten times larger the second
time; every page the benchmark measures must send exactly as many statements both times.
"""

from __future__ import annotations

from flask import globals as flask_globals

from bench.__main__ import count_statements, plan
from bench.dataset import Scale, build
from tests.conftest import NOW, empty_tables

SMALL = Scale(coaches=50, cohorts=10, enrolments=100, attendance=150, certificates=10)
LARGE = Scale(coaches=500, cohorts=100, enrolments=1000, attendance=1500, certificates=100)


# The most statements each page may send (issue 20: at most 8 per page), pinned at what each
# sends now so that none can grow unnoticed.
MOST = {
    "/healthz (baseline)": 0,  # the pool's ping is its round trip
    "catalogue": 5,
    "coach start page": 5,  # its two panels of enrolments share one load
    "learning page": 5,
    "staff cohort list": 5,
    "cohort roster": 4,  # the cohort alone (no sessions or trainers), the expiry check, one roster select
    "region dashboard": 5,  # regions and programmes each in one joined load; no look-up of municipalities staff see
    "CSV export": 5,
    "calendar feed (≈200 events)": 4,  # the rate-limit counter, the token with its owner, their cohorts, the sessions
    "certificate verification": 3,  # + the revocation list its Open Badge check reads (issue 21)
    "certificate PDF": 2,
    "enrol (POST)": 8,
}


def _counts(app, scale: Scale) -> dict[str, int]:
    empty_tables()
    data = build(NOW, seed=7, scale=scale)
    pages = plan(app, data)
    # Each request in its own application context, as in production: with the fixture's
    # context pushed, every request would share ``g`` (the logged-in user of the first).
    context = flask_globals._cv_app.get()
    context.pop()
    try:
        reads = count_statements(app, [p for p in pages if p["lines"][0][0] == "GET"])
        writes = count_statements(app, [p for p in pages if p["lines"][0][0] == "POST"])
    finally:
        context.push()
    return reads | writes


def test_statements_per_page_do_not_grow_with_the_data(app):
    app.config["MAIL_DELIVER_AFTER_REQUEST"] = False  # sending mail is the worker's job, not the page's
    small = _counts(app, SMALL)
    large = _counts(app, LARGE)
    assert set(small) >= {"catalogue", "coach start page", "learning page", "staff cohort list", "cohort roster",
                          "region dashboard", "CSV export", "calendar feed (≈200 events)",
                          "certificate verification", "certificate PDF", "enrol (POST)"}
    assert small == large
    assert {page: n for page, n in small.items() if n > MOST.get(page, 8)} == {}
