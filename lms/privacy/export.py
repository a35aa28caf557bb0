"""A user's data export: everything held about them, and only that, as one JSON document.

Each feature contributes its section (lms/privacy/registry.py); the features below privacy
(the account, mails and the audit log) are asked here, as the floors allow.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from lms.audit.personal_data import export_events
from lms.audit.services import plain
from lms.auth.models import User
from lms.auth.personal_data import export_account
from lms.extensions import db
from lms.notifications.personal_data import export_mails
from lms.privacy.models import ErasureRequest
from lms.privacy.registry import Export, export_section, sections

export_section("account", 10)(lambda export: export_account(export.user))
export_section("mails", 80)(lambda export: export_mails(export.user.id))
# Events about this account in full; of the user's own actions only what and when.
export_section("audit_events", 90)(lambda export: export_events(export.user.id))


@export_section("erasure_requests", 100)
def _erasure_requests(export: Export) -> list[dict]:
    requests = db.session.execute(
        sa.select(ErasureRequest).where(ErasureRequest.user_id == export.user.id)
        .order_by(ErasureRequest.requested_at)
    ).scalars().all()
    return [
        {"requested_at": plain(r.requested_at), "reason": r.reason, "status": plain(r.status),
         "decided_at": plain(r.decided_at), "note": r.note}
        for r in requests
    ]


def export_data(user: User, now: datetime, verify_url: Callable) -> dict:
    """Everything held about ``user``, and only about them, as plain JSON-ready data.

    One query (or a few) per section, whatever the amount of data. ``verify_url(certificate)``
    gives the public verification link (the caller knows the public address).
    """
    export = Export(user=user, now=now, verify_url=verify_url)
    return {"exported_at": plain(now), **{section.name: section.build(export) for section in sections()}}
