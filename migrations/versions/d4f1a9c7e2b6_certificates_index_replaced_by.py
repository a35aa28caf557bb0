"""certificates: an index on replaced_by_id, so a certificate finds the one it replaced

Revision ID: d4f1a9c7e2b6
Revises: c8e2f4a6b1d3
Create Date: 2026-12-01 06:00:00.000000

The verification page shows which certificate a reissued one replaces: the certificate whose
replaced_by_id is this one. Without an index PostgreSQL read every certificate for it: 18 ms
with 50,000 certificates (make bench SCALE=10), growing with the data.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd4f1a9c7e2b6'
down_revision = 'c8e2f4a6b1d3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_certificate_replaced_by_id', 'certificate', ['replaced_by_id'])


def downgrade():
    op.drop_index('ix_certificate_replaced_by_id', table_name='certificate')
