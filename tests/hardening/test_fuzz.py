"""Hostile input against every route, as every role: never a 5xx, and a refused request changes nothing.

Each batch is one role on a fresh world with a fixed seed, so a CI failure replays exactly.
The batches together send at least MINIMUM_REQUESTS requests (the issue asks for 10,000);
the terminal summary lists what was sent, per role.
"""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from tests.access import ROLES
from tests.hardening import fuzz
from tests.test_access import GET_MAINTENANCE
from tests.world import world  # noqa: F401 - the shared world fixture

MINIMUM_REQUESTS = 10_000
CHUNKS = 3
FULL_PER_BATCH = 570
# `make test` loads the "full" Hypothesis profile: the whole 10,000+ requests. The fast loop
# sends a sample of every batch; FUZZ_PER_BATCH overrides either.
_DEFAULT = FULL_PER_BATCH if settings.get_current_profile_name() == "full" else 20
PER_BATCH = int(os.environ.get("FUZZ_PER_BATCH", _DEFAULT))
BATCHES = [(role, chunk) for role in ROLES for chunk in range(CHUNKS)]
BODY_LIMIT = 256 * 1024

# Filled by the batches, printed by tests/hardening/conftest.py at the end of the run.
TOTALS: dict[str, dict] = {}


def test_batches_add_up_to_the_minimum():
    assert len(BATCHES) * FULL_PER_BATCH >= MINIMUM_REQUESTS


@pytest.fixture
def fuzz_app(app):
    app.config.update(
        MAIL_DELIVER_AFTER_REQUEST=False,  # the outbox is enough; no SMTP round trip per request
        MAX_CONTENT_LENGTH=BODY_LIMIT,
        # Limits high enough that the fuzz reaches the code behind them (the limits have their own tests).
        LOGIN_LIMIT_ACCOUNT="100000 per minute",
        LOGIN_LIMIT_ADDRESS="100000 per minute",
        LOGIN_LIMIT_UNTRUSTED="100000 per minute",
        TWO_FACTOR_LIMIT="100000 per minute",
        REGISTER_LIMIT_ACCOUNT="100000 per minute",
        REGISTER_LIMIT_ADDRESS="100000 per minute",
        RESET_LIMIT="100000 per minute",
        VERIFY_LIMIT="100000 per minute",
        CALENDAR_LIMIT="100000 per minute",
    )
    return app


@pytest.mark.sweep
@pytest.mark.parametrize("role,chunk", BATCHES, ids=[f"{r}-{c}" for r, c in BATCHES])
def test_hostile_input(fuzz_app, world, role, chunk):  # noqa: F811
    targets = fuzz.targets_for(fuzz_app, world)
    mine = [t for i, t in enumerate(targets) if i % CHUNKS == chunk]
    maintenance = {endpoint: tables for endpoint, (tables, _reason) in GET_MAINTENANCE.items()}
    driver = fuzz.Driver(fuzz_app, world, role, maintenance)
    strategy = fuzz.requests(fuzz_app, mine, fuzz.world_ids(world), BODY_LIMIT, role)

    @seed(1000 + ROLES.index(role) * CHUNKS + chunk)
    @settings(
        max_examples=PER_BATCH,
        database=None,
        deadline=None,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(st.data())
    def run(data):
        driver.send(data.draw(strategy, label="request"))

    started = time.perf_counter()
    run()
    elapsed = time.perf_counter() - started
    totals = TOTALS.setdefault(role, {"requests": 0, "statuses": {}, "kinds": {}, "seconds": 0.0})
    totals["seconds"] += elapsed
    totals["requests"] += driver.sent
    for status, count in driver.statuses.items():
        totals["statuses"][status] = totals["statuses"].get(status, 0) + count
    for kind, count in driver.kinds.items():
        totals["kinds"][kind] = totals["kinds"].get(kind, 0) + count
    assert driver.sent >= PER_BATCH
