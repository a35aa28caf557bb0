"""learning: staff grant one coach another attempt at a quiz with a maximum number of attempts

Revision ID: d8f2a61c4e90
Revises: c5d1e8a3b7f2
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd8f2a61c4e90'
down_revision = 'c5d1e8a3b7f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('quiz_attempt_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['granted_by_id'], ['user.id'], name=op.f('fk_quiz_attempt_grant_granted_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['module_id'], ['module.id'], name=op.f('fk_quiz_attempt_grant_module_id_module'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_quiz_attempt_grant_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_attempt_grant'))
    )
    with op.batch_alter_table('quiz_attempt_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_attempt_grant_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quiz_attempt_grant_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('quiz_attempt_grant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_attempt_grant_user_id'))
        batch_op.drop_index(batch_op.f('ix_quiz_attempt_grant_module_id'))
    op.drop_table('quiz_attempt_grant')
