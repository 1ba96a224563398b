"""consent on calls; recordings, audit log, console users

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('calls') as batch:
        batch.add_column(sa.Column('consent', sa.Boolean(), nullable=True))
        batch.add_column(sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'recordings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unique_id', sa.String(length=64), nullable=False),
        sa.Column('caller_id', sa.String(length=64), nullable=False),
        sa.Column('queue', sa.String(length=64), nullable=False),
        sa.Column('agent', sa.String(length=128), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('duration_s', sa.Float(), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=512), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_recordings_unique_id', 'recordings', ['unique_id'], unique=True)
    for col in ('caller_id', 'queue', 'agent', 'started_at'):
        op.create_index(f'ix_recordings_{col}', 'recordings', [col])
    op.create_table(
        'audit_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('unique_id', sa.String(length=64), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    for col in ('at', 'action', 'unique_id'):
        op.create_index(f'ix_audit_log_{col}', 'audit_log', [col])
    op.create_table(
        'users',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('password_hash', sa.String(length=256), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'))


def downgrade() -> None:
    op.drop_table('users')
    op.drop_table('audit_log')
    op.drop_table('recordings')
    with op.batch_alter_table('calls') as batch:
        batch.drop_column('consent_at')
        batch.drop_column('consent')
