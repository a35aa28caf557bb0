"""One owner per state, checked while the whole suite runs (see ARCHITECTURE.md).

Every ORM assignment to an owned attribute, and every INSERT, UPDATE or DELETE statement
on an owned table, is traced back to the innermost ``lms`` module on the stack; a module
outside the owning package raises ``NotTheOwner`` there and then. Tests themselves (and
the benchmark's dataset builder) may write anything: they build the world.
"""

from __future__ import annotations

import sys

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

from lms.attendance.models import Attendance
from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort
from lms.enrolment.models import Enrolment

# table or (table, column) -> the package that may change it
OWNERS: dict[str, str] = {
    "enrolment": "lms.enrolment",
    "certificate": "lms.certificates",
    "attendance": "lms.attendance",
}
OWNED_COLUMNS: dict[tuple[str, str], str] = {
    ("cohort", "seats_taken"): "lms.enrolment",
    ("cohort", "waitlist_counter"): "lms.enrolment",
}
# Infrastructure that writes on behalf of its caller: look further out.
PASS_THROUGH = ("lms.db", "lms.web", "lms.domain")


class NotTheOwner(AssertionError):
    pass


def writer_module() -> str | None:
    """The innermost module of the application on the stack, or None when only tests write."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name.startswith("lms.") or name == "lms":
            if not name.startswith(PASS_THROUGH):
                return name
        frame = frame.f_back
    return None


def _check(owner: str, what: str) -> None:
    module = writer_module()
    if module is None or module == owner or module.startswith(owner + "."):
        return
    raise NotTheOwner(f"{module} changes {what}; only {owner} may (ARCHITECTURE.md, one owner per state)")


def _watch_attribute(attribute, owner: str, what: str) -> None:
    def on_set(_target, value, oldvalue, _initiator):
        if value is not oldvalue:
            _check(owner, what)
        return value

    event.listen(attribute, "set", on_set, retval=True)


def _statement_owner(statement) -> tuple[str, str] | None:
    table = getattr(statement, "table", None)
    if table is None or not isinstance(table, sa.Table):
        return None
    if table.name in OWNERS:
        return OWNERS[table.name], f"table {table.name}"
    if isinstance(statement, sa.Update):
        columns = {getattr(c, "key", str(c)) for c in statement._values or {}}
        for (name, column), owner in OWNED_COLUMNS.items():
            if table.name == name and column in columns:
                return owner, f"{name}.{column}"
    return None


def install() -> None:
    """Start watching; idempotent."""
    if getattr(install, "done", False):
        return
    install.done = True
    for model in (Enrolment, Certificate, Attendance):
        owner = OWNERS[model.__tablename__]
        for column in model.__table__.columns:
            _watch_attribute(getattr(model, column.key), owner, f"{model.__tablename__}.{column.key}")
    for (table, column), owner in OWNED_COLUMNS.items():
        _watch_attribute(getattr(Cohort, column), owner, f"{table}.{column}")

    @event.listens_for(OrmSession, "do_orm_execute")
    def _statements(state):
        if state.is_insert or state.is_update or state.is_delete:
            found = _statement_owner(state.statement)
            if found:
                _check(*found)

    @event.listens_for(OrmSession, "before_flush")
    def _deletes(session, _context, _instances):
        for obj in session.deleted:
            owner = OWNERS.get(getattr(obj, "__tablename__", ""))
            if owner:
                _check(owner, f"a {obj.__tablename__} row (delete)")
