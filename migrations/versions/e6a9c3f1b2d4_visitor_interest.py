"""visitor interest: a visitor without an account asks by e-mail to hear when a group opens
in a region (double opt-in; unconfirmed wishes are deleted after a few days)

Revision ID: e6a9c3f1b2d4
Revises: b5d8e3a1c6f2
Create Date: 2026-11-30 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6a9c3f1b2d4'
down_revision = 'b5d8e3a1c6f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visitor_interest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_visitor_interest_programme_id_programme'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_visitor_interest_region_id_region'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visitor_interest'))
    )
    with op.batch_alter_table('visitor_interest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visitor_interest_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_visitor_interest_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visitor_interest_region_id'), ['region_id'], unique=False)


def downgrade():
    with op.batch_alter_table('visitor_interest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visitor_interest_region_id'))
        batch_op.drop_index(batch_op.f('ix_visitor_interest_programme_id'))
        batch_op.drop_index(batch_op.f('ix_visitor_interest_email'))
    op.drop_table('visitor_interest')
