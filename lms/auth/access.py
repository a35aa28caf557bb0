"""Route guards by role; object-level checks live with each feature's services."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from lms.auth.models import Role


def roles_required(*roles: Role):
    """Logged in and holding any of ``roles``; 403 otherwise (admins pass staff checks)."""
    allowed = set(roles)
    if Role.STAFF in allowed:
        allowed.add(Role.ADMIN)

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*allowed):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = roles_required(Role.STAFF)
admin_required = roles_required(Role.ADMIN)
