from __future__ import annotations

from datetime import timedelta

import pytest

from lms.auth.models import Role


@pytest.fixture
def open_cohort(make_cohort, now):
    """An open cohort whose enrolment window is open at ``now`` (first session in March 2027)."""
    return make_cohort(capacity=2, enrol_opens_at=now - timedelta(days=10))


@pytest.fixture
def coaches(make_user):
    return [make_user(Role.COACH, name=f"Coach {i}", email=f"coach{i}@example.org") for i in range(6)]
