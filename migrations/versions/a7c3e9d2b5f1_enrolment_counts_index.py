"""enrolment: an index on (cohort, status), so a group's counts per status come from the index

Revision ID: a7c3e9d2b5f1
Revises: e6a4b2c9d1f7
Create Date: 2026-12-01 03:00:00.000000

The staff lists and the roster show, per group, how many coaches are enrolled and waiting.
With only the index on the cohort, each count visits every enrolment row of the group,
scattered over the table (some 80 pages per group in the national dataset); with the status
in the index, PostgreSQL counts from the index alone.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7c3e9d2b5f1'
down_revision = 'e6a4b2c9d1f7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_enrolment_cohort_status', 'enrolment', ['cohort_id', 'status'])


def downgrade():
    op.drop_index('ix_enrolment_cohort_status', table_name='enrolment')
