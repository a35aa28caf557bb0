"""enrolment invariants kept by the database: one place per waitlist position, gap-free
lines, an offer has a deadline, a completed enrolment may give its seat back

Revision ID: d41e7c5b9f20
Revises: d8f2a61c4e90
Create Date: 2026-12-01 09:00:00.000000

The waitlist counter becomes the length of the line (places 1..n without gaps); existing
lines are renumbered in their order. Rows that break the new checks are brought in line
first: a place in the line only while waiting, a deadline only while offered (an offer
without one gets the moment it was made, so the next scheduler round passes it on).
Run ``flask --app wsgi lms check`` afterwards: it recounts nothing by itself, but says
whether the seat counters match (``--repair`` sets them right).

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd41e7c5b9f20'
down_revision = 'd8f2a61c4e90'
branch_labels = None
depends_on = None

WAITLIST_CHECK = (
    "(status = 'waitlisted' AND waitlist_position IS NOT NULL AND waitlist_position >= 1)"
    " OR (status != 'waitlisted' AND waitlist_position IS NULL)"
)
OFFER_CHECK = (
    "(status = 'offered' AND offered_at IS NOT NULL AND offer_expires_at IS NOT NULL)"
    " OR (status != 'offered' AND offer_expires_at IS NULL)"
)
OLD_WAITLIST_CHECK = "status != 'waitlisted' OR waitlist_position IS NOT NULL"


def _bring_rows_in_line():
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE enrolment SET waitlist_position = NULL WHERE status != 'waitlisted'"))
    conn.execute(sa.text(
        "UPDATE enrolment SET offered_at = COALESCE(offered_at, updated_at), "
        "offer_expires_at = COALESCE(offer_expires_at, offered_at, updated_at) WHERE status = 'offered'"
    ))
    conn.execute(sa.text("UPDATE enrolment SET offer_expires_at = NULL WHERE status != 'offered'"))
    rows = conn.execute(sa.text(
        "SELECT id, cohort_id FROM enrolment WHERE status = 'waitlisted' ORDER BY cohort_id, waitlist_position, id"
    )).all()
    place: dict[int, int] = {}
    for enrolment_id, cohort_id in rows:
        place[cohort_id] = place.get(cohort_id, 0) + 1
        conn.execute(sa.text("UPDATE enrolment SET waitlist_position = :p WHERE id = :id"),
                     {"p": place[cohort_id], "id": enrolment_id})
    conn.execute(sa.text(
        "UPDATE cohort SET waitlist_counter = (SELECT count(*) FROM enrolment "
        "WHERE enrolment.cohort_id = cohort.id AND enrolment.status = 'waitlisted')"
    ))


# On SQLite a new CHECK means rebuilding the table, and with foreign keys on (lms/db_engine.py)
# dropping the old table cascades to sessions, enrolments and certificates. There the same
# conditions are kept by triggers that refuse the row, as a CHECK would.
CHECKS = (
    ('enrolment', 'ck_enrolment_waitlist_position', WAITLIST_CHECK),
    ('enrolment', 'ck_enrolment_offer_deadline', OFFER_CHECK),
    ('enrolment', 'ck_enrolment_seat_released', "seat_released_at IS NULL OR status = 'completed'"),
    ('cohort', 'ck_cohort_waitlist_counter', "waitlist_counter >= 0"),
)
COLUMNS = ('status', 'waitlist_position', 'offered_at', 'offer_expires_at', 'seat_released_at', 'waitlist_counter')


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def _on_new_row(condition: str) -> str:
    return re.sub(r"\b(%s)\b" % "|".join(COLUMNS), r"NEW.\1", condition)


def _create_sqlite_check(table: str, name: str, condition: str) -> None:
    for event in ('INSERT', 'UPDATE'):
        op.execute(
            f"CREATE TRIGGER {name}_{event.lower()} BEFORE {event} ON {table} "
            f"WHEN NOT ({_on_new_row(condition)}) "
            f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END"
        )


def upgrade():
    op.add_column('enrolment', sa.Column('seat_released_at', sa.DateTime(timezone=True), nullable=True))
    _bring_rows_in_line()
    op.create_index(
        'uq_enrolment_waitlist_place',
        'enrolment',
        ['cohort_id', 'waitlist_position'],
        unique=True,
        sqlite_where=sa.text("status = 'waitlisted'"),
        postgresql_where=sa.text("status = 'waitlisted'"),
    )
    if _is_sqlite():
        for table, name, condition in CHECKS:
            _create_sqlite_check(table, name, condition)
        return
    op.drop_constraint(op.f('ck_enrolment_waitlist_position'), 'enrolment', type_='check')
    for table, name, condition in CHECKS:
        op.create_check_constraint(op.f(name), table, condition)


def downgrade():
    op.drop_index('uq_enrolment_waitlist_place', table_name='enrolment')
    if _is_sqlite():
        for _table, name, _condition in CHECKS:
            for event in ('insert', 'update'):
                op.execute(f"DROP TRIGGER IF EXISTS {name}_{event}")
    else:
        for table, name, _condition in reversed(CHECKS):
            op.drop_constraint(op.f(name), table, type_='check')
        op.create_check_constraint(op.f('ck_enrolment_waitlist_position'), 'enrolment', OLD_WAITLIST_CHECK)
    op.drop_column('enrolment', 'seat_released_at')
