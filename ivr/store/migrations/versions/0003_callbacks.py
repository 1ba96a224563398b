"""callback requests

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'callback_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unique_id', sa.String(length=64), nullable=False),
        sa.Column('caller_id', sa.String(length=64), nullable=False),
        sa.Column('account', sa.String(length=32), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('queue', sa.String(length=64), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('done_by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    for col in ('unique_id', 'queue', 'requested_at'):
        op.create_index(f'ix_callback_requests_{col}', 'callback_requests', [col])


def downgrade() -> None:
    op.drop_table('callback_requests')
