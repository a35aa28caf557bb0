"""Count the SQL statements a block of code sends, from the engine's own events."""

from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa

from lms.extensions import db


class Counter:
    def __init__(self):
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)


@contextmanager
def count_queries():
    counter = Counter()

    def before(conn, cursor, statement, parameters, context, executemany):
        counter.statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
