"""Every certificate of the demo states only what happened (its snapshot against the attendance records)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from lms.certificates.checks import all_problems
from lms.certificates.models import Certificate
from lms.demo import seed_demo
from lms.extensions import db


@pytest.mark.parametrize("now", [
    datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc),
    datetime(2027, 2, 2, 15, 0, tzinfo=timezone.utc),
])
def test_demo_certificates_agree_with_the_attendance(app, now):
    seed_demo(now)
    certificates = db.session.execute(sa.select(Certificate).order_by(Certificate.id)).scalars().all()
    assert len(certificates) >= 20
    assert all_problems(certificates) == []
    # Revoked and reissued ones too: every state of the demo is checked.
    assert any(c.is_revoked and c.replaced_by_id for c in certificates)
    assert any(c.is_revoked and not c.replaced_by_id for c in certificates)
