"""The calendar's part in privacy: the feed link in the export, and removed on erasure.

Registered with lms/privacy/registry.py; loaded at app creation (RECEIVERS in lms/__init__.py).
"""

from __future__ import annotations

import sqlalchemy as sa

from lms.audit.services import plain
from lms.calendar.models import CalendarToken
from lms.extensions import db
from lms.privacy.registry import Erasure, Export, erasure_step, export_section


@export_section("calendar_feed", 70)
def _export(export: Export) -> dict | None:
    token = db.session.execute(
        sa.select(CalendarToken).where(CalendarToken.user_id == export.user.id)
    ).scalar_one_or_none()
    if token is None:
        return None
    return {"created_at": plain(token.created_at), "last_used_at": plain(token.last_used_at)}


@erasure_step("calendar", 40)
def _erase(erasure: Erasure) -> None:
    db.session.execute(sa.delete(CalendarToken).where(CalendarToken.user_id == erasure.user.id))
