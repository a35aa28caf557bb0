"""certificates: Open Badges, an entry in a revocation status list per certificate, and the holder's hashed e-mail

Revision ID: e6a4b2c9d1f7
Revises: e6a9c3f1b2d4
Create Date: 2026-12-02 09:00:00.000000

Every certificate gets an entry (list, index) in a W3C Bitstring Status List, at a random
free index of the first list; a list takes entries until it is half full, then the next
one opens (lms/certificates/openbadges/status.py does the same for new certificates).
The snapshot of every certificate that still names its holder gets the salted SHA-256 of
the holder's e-mail address, which the Open Badge credential states as its identifier.
"""
import hashlib
import secrets
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6a4b2c9d1f7'
down_revision = 'e6a9c3f1b2d4'
branch_labels = None
depends_on = None

LIST_SIZE = 131072
LIST_OPEN_UNTIL = LIST_SIZE // 2


def _identity(email: str) -> dict:
    salt = secrets.token_hex(16)
    digest = hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()
    return {'identity_hash': f'sha256${digest}', 'identity_salt': salt}


def _triggers(conn) -> list[str]:
    """SQLite's triggers on certificate (the report figures' staleness marks): a batch rebuild
    drops them with the old table, so they are made again after it. PostgreSQL alters in place."""
    if conn.dialect.name != 'sqlite':
        return []
    return list(conn.execute(sa.text(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'certificate' ORDER BY name")).scalars())


def _restore(conn, triggers: list[str]) -> None:
    existing = set(_triggers(conn))
    for sql in triggers:
        if sql not in existing:
            conn.exec_driver_sql(sql)


def upgrade():
    op.create_table('status_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_list'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_list_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('status_index', sa.Integer(), nullable=True))

    conn = op.get_bind()
    status_list = sa.table('status_list', sa.column('id', sa.Integer), sa.column('created_at', sa.DateTime),
                           sa.column('updated_at', sa.DateTime))
    certificate = sa.table('certificate', sa.column('id', sa.Integer), sa.column('user_id', sa.Integer),
                           sa.column('replaced_by_id', sa.Integer), sa.column('snapshot', sa.JSON),
                           sa.column('status_list_id', sa.Integer), sa.column('status_index', sa.Integer))
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('email', sa.String))
    now = datetime.now(timezone.utc)
    if conn.dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)  # stored as naive UTC, as lms/db.py's UTCDateTime does
    rows = conn.execute(sa.select(certificate.c.id, certificate.c.snapshot, user.c.email)
                        .select_from(certificate.outerjoin(user, user.c.id == certificate.c.user_id))
                        .order_by(certificate.c.id)).all()
    list_id, used = None, set()
    for row in rows:
        if list_id is None or len(used) >= LIST_OPEN_UNTIL:
            list_id = conn.execute(status_list.insert().values(created_at=now, updated_at=now)
                                   .returning(status_list.c.id)).scalar_one()
            used = set()
        index = secrets.randbelow(LIST_SIZE)
        while index in used:
            index = secrets.randbelow(LIST_SIZE)
        used.add(index)
        values = {'status_list_id': list_id, 'status_index': index}
        snapshot = dict(row.snapshot or {})
        if row.email and snapshot.get('holder_name') and not snapshot.get('identity_hash'):
            values['snapshot'] = snapshot | _identity(row.email)
        conn.execute(certificate.update().where(certificate.c.id == row.id).values(**values))

    # SQLite rebuilds the table below; with foreign keys on, dropping the old table sets the
    # self-reference to NULL, so the links to replacements are put back after.
    replaced = conn.execute(sa.select(certificate.c.id, certificate.c.replaced_by_id)
                            .where(certificate.c.replaced_by_id.is_not(None))).all()
    triggers = _triggers(conn)
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.alter_column('status_list_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('status_index', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_certificate_status_list_id_status_list'), 'status_list',
                                    ['status_list_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_certificate_status_list_id_status_index'),
                                          ['status_list_id', 'status_index'])
    _restore(conn, triggers)
    for row in replaced:
        conn.execute(certificate.update().where(certificate.c.id == row.id).values(replaced_by_id=row.replaced_by_id))


def downgrade():
    certificate = sa.table('certificate', sa.column('id', sa.Integer), sa.column('replaced_by_id', sa.Integer),
                           sa.column('snapshot', sa.JSON))
    conn = op.get_bind()
    replaced = conn.execute(sa.select(certificate.c.id, certificate.c.replaced_by_id)
                            .where(certificate.c.replaced_by_id.is_not(None))).all()
    triggers = _triggers(conn)
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_certificate_status_list_id_status_index'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_certificate_status_list_id_status_list'), type_='foreignkey')
        batch_op.drop_column('status_index')
        batch_op.drop_column('status_list_id')
    _restore(conn, triggers)
    for row in replaced:
        conn.execute(certificate.update().where(certificate.c.id == row.id).values(replaced_by_id=row.replaced_by_id))
    op.drop_table('status_list')
    # The hashed e-mail stays in the snapshots: older code ignores keys it does not know.
