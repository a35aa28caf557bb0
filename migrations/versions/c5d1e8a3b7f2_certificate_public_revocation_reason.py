"""certificates: a public revocation reason from a list; the free-text reason becomes the internal note

Revision ID: c5d1e8a3b7f2
Revises: a7c4e2f19d30
Create Date: 2026-12-01 09:00:00.000000

Existing revoked certificates keep their free text as the internal note (``revoke_reason``)
and get the public reason that fits: "replaced" where a replacement exists, "account
removed" where the holder's account was anonymised, else "withdrawn by the issuer".
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5d1e8a3b7f2'
down_revision = 'a7c4e2f19d30'
branch_labels = None
depends_on = None

REASONS = ('issued_in_error', 'requirements_not_met', 'holder_request', 'replaced', 'account_deleted', 'withdrawn')


def upgrade():
    certificate = sa.table('certificate', sa.column('id', sa.Integer), sa.column('revoked_at'),
                           sa.column('replaced_by_id', sa.Integer), sa.column('snapshot', sa.JSON),
                           sa.column('public_reason', sa.String))
    conn = op.get_bind()
    # SQLite rebuilds the table for a new CHECK constraint; with foreign keys on, dropping the
    # old table sets the self-reference to NULL, so the links to replacements are put back after.
    replaced = conn.execute(sa.select(certificate.c.id, certificate.c.replaced_by_id)
                            .where(certificate.c.replaced_by_id.is_not(None))).all()
    replaced_ids = {row.id for row in replaced}
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_reason', sa.Enum(*REASONS, name='revocation_reason', native_enum=False,
                                                               create_constraint=True, length=24), nullable=True))
    for row in conn.execute(sa.select(certificate.c.id, certificate.c.snapshot)
                            .where(certificate.c.revoked_at.is_not(None))).all():
        if row.id in replaced_ids:
            reason = 'replaced'
        elif (row.snapshot or {}).get('account_removed'):
            reason = 'account_deleted'
        else:
            reason = 'withdrawn'
        conn.execute(certificate.update().where(certificate.c.id == row.id).values(public_reason=reason))
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_check_constraint('revoked_with_reason', 'revoked_at IS NULL OR public_reason IS NOT NULL')
    for row in replaced:
        conn.execute(certificate.update().where(certificate.c.id == row.id).values(replaced_by_id=row.replaced_by_id))


def downgrade():
    certificate = sa.table('certificate', sa.column('id', sa.Integer), sa.column('replaced_by_id', sa.Integer))
    conn = op.get_bind()
    replaced = conn.execute(sa.select(certificate.c.id, certificate.c.replaced_by_id)
                            .where(certificate.c.replaced_by_id.is_not(None))).all()
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        if conn.dialect.name == 'sqlite':  # the rebuilt table must not keep checks on the dropped column
            batch_op.drop_constraint('revoked_with_reason', type_='check')
            batch_op.drop_constraint('revocation_reason', type_='check')
        batch_op.drop_column('public_reason')  # PostgreSQL drops the column's constraints with it
    for row in replaced:
        conn.execute(certificate.update().where(certificate.c.id == row.id).values(replaced_by_id=row.replaced_by_id))
