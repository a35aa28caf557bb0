"""privacy: erasure requests, at most one pending per user

Revision ID: 043c322af36a
Revises: 4c87c7223eed
Create Date: 2026-11-23 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '043c322af36a'
down_revision = '4c87c7223eed'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'erasure_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.String(length=1000), nullable=True),
        sa.Column(
            'status',
            sa.Enum('pending', 'done', 'rejected', 'withdrawn', name='erasure_status', native_enum=False,
                    create_constraint=True, length=13),
            nullable=False,
        ),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('note', sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_erasure_request_decided_by_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_erasure_request_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_request')),
    )
    with op.batch_alter_table('erasure_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erasure_request_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_erasure_request_user_id'), ['user_id'], unique=False)
        batch_op.create_index(
            'uq_erasure_request_pending_per_user',
            ['user_id'],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )


def downgrade():
    with op.batch_alter_table('erasure_request', schema=None) as batch_op:
        batch_op.drop_index('uq_erasure_request_pending_per_user')
        batch_op.drop_index(batch_op.f('ix_erasure_request_user_id'))
        batch_op.drop_index(batch_op.f('ix_erasure_request_status'))
    op.drop_table('erasure_request')
