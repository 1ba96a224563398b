"""callback dialer: a request's state and attempts; every attempt and its result

callback_requests gains the dialer's columns (state waiting -> dialing -> waiting | done |
failed, attempts made, when the next may start, which controller holds it); requests done
by hand before this keep `done`. callback_attempts holds one row per call placed.

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('callback_requests') as batch:
        batch.add_column(sa.Column('state', sa.String(length=16), nullable=False, server_default='waiting'))
        batch.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('next_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=False, server_default=''))
        batch.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE callback_requests SET state = 'done' WHERE done_at IS NOT NULL")
    op.create_index('ix_callback_requests_state_queue', 'callback_requests', ['state', 'queue'])
    op.create_table(
        'callback_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),          # 1, 2, ... of its request
        sa.Column('queue', sa.String(length=64), nullable=False),
        sa.Column('mode', sa.String(length=16), nullable=False),     # agent-first | caller-first
        sa.Column('controller', sa.String(length=64), nullable=False),
        # The channel the dialer originated, and the one that joins the queue: the handle-time
        # record's unique_id (handle_times.unique_id), so reports can join the callback to it.
        sa.Column('channel_id', sa.String(length=64), nullable=False),
        sa.Column('queue_unique_id', sa.String(length=64), nullable=False),
        # The request's time (the caller's virtual place): a report counts the answered
        # callback from here, and callback wait = connected_at - requested_at.
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('connected_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('result', sa.String(length=16), nullable=False),   # dialing while it runs
        sa.Column('detail', sa.String(length=128), nullable=False, server_default=''),
        sa.PrimaryKeyConstraint('id'),
        sa.ForeignKeyConstraint(['request_id'], ['callback_requests.id']),
        sa.UniqueConstraint('request_id', 'attempt', name='uq_callback_attempts_request_attempt'))
    op.create_index('ix_callback_attempts_request_id', 'callback_attempts', ['request_id'])
    # One queue leg per attempt (the dialer makes a fresh id each time): reports join on it.
    op.create_index('ix_callback_attempts_queue_unique_id', 'callback_attempts', ['queue_unique_id'], unique=True)


def downgrade() -> None:
    op.drop_table('callback_attempts')
    op.drop_index('ix_callback_requests_state_queue', 'callback_requests')
    with op.batch_alter_table('callback_requests') as batch:
        for col in ('claimed_at', 'claimed_by', 'next_at', 'attempts', 'state'):
            batch.drop_column(col)
