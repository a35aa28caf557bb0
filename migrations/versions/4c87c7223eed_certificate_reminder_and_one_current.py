"""certificates: one in force per enrolment, expiry reminder sent once

Revision ID: 4c87c7223eed
Revises: f3832dcd8f5c
Create Date: 2026-11-23 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c87c7223eed'
down_revision = 'f3832dcd8f5c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expiry_reminded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            'uq_certificate_current_per_enrolment',
            ['enrolment_id'],
            unique=True,
            sqlite_where=sa.text('revoked_at IS NULL'),
            postgresql_where=sa.text('revoked_at IS NULL'),
        )


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index('uq_certificate_current_per_enrolment')
        batch_op.drop_column('expiry_reminded_at')
