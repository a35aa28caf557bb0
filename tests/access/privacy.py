"""Routes of privacy: every user's own data page, export and erasure request; admins decide.

The own-data routes act on the logged-in user only, so there is no one else's object to
reach. ``privacy_user_id`` is a coach with a pending erasure request (``erasure_request_id``).
"""

from __future__ import annotations

from tests.access import ADMIN, LOGGED_IN, Route, p


def extend_world(w: dict) -> None:
    from lms.auth.models import Role, User, UserRole
    from lms.extensions import db
    from lms.privacy.models import ErasureRequest, ErasureStatus

    person = User(email="privacy@example.org", name="Pim Privacy", region_id=w["region_id"],
                  password_hash=None)
    person.role_grants = [UserRole(role=Role.COACH)]
    db.session.add(person)
    db.session.flush()
    request = ErasureRequest(user_id=person.id, reason="Ik stop als coach.", status=ErasureStatus.PENDING)
    db.session.add(request)
    db.session.flush()
    w["privacy_user_id"] = person.id
    w["erasure_request_id"] = request.id


ROUTES: list[Route] = [
    Route("privacy.index", "GET", p("/privacy"), LOGGED_IN),
    Route("privacy.export", "POST", p("/privacy/export"), LOGGED_IN),
    Route("privacy.erasure", "GET", p("/privacy/erasure"), LOGGED_IN),
    Route("privacy.erasure", "POST", p("/privacy/erasure"), LOGGED_IN),
    Route("privacy.withdraw", "POST", p("/privacy/erasure/withdraw"), LOGGED_IN),
    Route("privacy.requests", "GET", p("/admin/privacy"), ADMIN),
    Route("privacy.reject", "GET", p("/admin/privacy/{erasure_request_id}/reject"), ADMIN),
    Route("privacy.reject", "POST", p("/admin/privacy/{erasure_request_id}/reject"), ADMIN),
    Route("privacy.anonymise", "GET", p("/admin/privacy/users/{privacy_user_id}/anonymise"), ADMIN),
    Route("privacy.anonymise", "POST", p("/admin/privacy/users/{privacy_user_id}/anonymise"), ADMIN),
]
