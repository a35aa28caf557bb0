import pytest
import sqlalchemy as sa

from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.learning.conftest import attend, course, enrol, finish_modules  # noqa: F401 - shared fixtures


@pytest.fixture
def events(app):
    """The recorded events with a given action, oldest first."""

    def find(action: str) -> list[AuditEvent]:
        return list(db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).scalars())

    return find
