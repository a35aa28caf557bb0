"""A fingerprint of everything in the database, to prove that a request changed nothing.

Every row of every table is hashed (the worlds the tests build are small, so this takes a
few milliseconds), which also catches an UPDATE to a table that has no ``updated_at``.
"""

from __future__ import annotations

import hashlib

from lms.extensions import db

# Rate-limit counters count attempts, refused ones included: that is what a limit is for.
# The report figures' summary is derived data (lms/reports/summary.py): triggers mark a cohort
# stale and whichever page reads the figures next recomputes it, so when it changes says
# nothing about the request that happened to read it.
ALWAYS_EXCLUDED = frozenset({"rate_limit_counter", "report_stale_cohort", "report_cohort_figures",
                             "report_region_figures"})


def fingerprint(exclude: frozenset[str] = ALWAYS_EXCLUDED) -> dict[str, tuple[int, str]]:
    """Per table: (row count, hash of all rows in primary-key order), read through the raw driver."""
    tables = [table for table in db.metadata.sorted_tables if table.name not in exclude]
    if db.engine.dialect.name == "postgresql":
        return _fingerprint_postgresql(tables)
    result = {}
    with db.engine.connect() as conn:
        preparer = conn.dialect.identifier_preparer
        cursor = conn.connection.driver_connection.cursor()
        try:
            for table in tables:
                order = list(table.primary_key.columns) or list(table.columns)
                cursor.execute(
                    f"SELECT * FROM {preparer.format_table(table)} "
                    f"ORDER BY {', '.join(preparer.format_column(c) for c in order)}"
                )
                rows = cursor.fetchall()
                digest = hashlib.blake2b(repr(rows).encode(), digest_size=16).hexdigest()
                result[table.name] = (len(rows), digest)
        finally:
            cursor.close()
    return result


def changed_tables(before: dict, after: dict) -> set[str]:
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


def _fingerprint_postgresql(tables) -> dict[str, tuple[int, str]]:
    """The same in one round trip: PostgreSQL hashes each table's rows (as text, in key order)."""
    with db.engine.connect() as conn:
        preparer = conn.dialect.identifier_preparer
        parts = []
        for table in tables:
            order = ", ".join(f"t.{preparer.format_column(c)}"
                              for c in (list(table.primary_key.columns) or list(table.columns)))
            parts.append(f"SELECT '{table.name}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY {order}), ''))"
                         f" FROM {preparer.format_table(table)} AS t")
        cursor = conn.connection.driver_connection.cursor()
        try:
            cursor.execute(" UNION ALL ".join(parts))
            return {name: (count, digest) for name, count, digest in cursor.fetchall()}
        finally:
            cursor.close()
