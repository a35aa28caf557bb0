"""What the start page shows, per role. Features add their own sections here."""

from __future__ import annotations

from lms.auth.models import Role


def start_page_context(user) -> dict:
    context: dict = {"sections": []}
    if not user.is_authenticated:
        return context
    if user.has_role(Role.COACH):
        context["sections"].append("coach")
    if user.has_role(Role.TRAINER):
        context["sections"].append("trainer")
    if user.has_role(Role.STAFF, Role.ADMIN):
        context["sections"].append("staff")
    if user.has_role(Role.COORDINATOR):
        context["sections"].append("coordinator")
    if user.has_role(Role.ADMIN):
        context["sections"].append("admin")
    return context
