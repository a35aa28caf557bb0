"""audit events keep their summary as parameters, rendered in the reader's language

Revision ID: a7c4e2f19d30
Revises: 9b1e5d2c7a41
Create Date: 2026-11-30 16:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c4e2f19d30'
down_revision = '9b1e5d2c7a41'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_event') as batch:
        batch.add_column(sa.Column('params', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_event') as batch:
        batch.drop_column('params')
