"""the handle-time report's summary: additive sums per UTC hour, queue and agent

report_hours holds the sums (ivr/reports/summary/__init__.py says what each is and when
the reports read it); report_dirty_hours the hours whose sums a change made stale (marked
by the writers in the same transaction); report_summary one row with the service-level
threshold it was built for. Built empty and marked unbuilt: until `ivr report rebuild`
builds it, the reports read the detail rows as before.

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    ints = ('calls', 'answered', 'abandoned', 'timeout', 'full', 'empty', 'in_sl')
    op.create_table(
        'report_hours',
        sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
        sa.Column('queue', sa.String(length=64), nullable=False),
        sa.Column('agent', sa.String(length=128), nullable=False),
        sa.Column('part', sa.Integer(), autoincrement=False, nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in ints),
        sa.Column('handle_s', sa.Float(), nullable=False),
        sa.Column('wait_s', sa.Float(), nullable=False),
        sa.Column('longest_wait_s', sa.Float(), nullable=True),
        sa.Column('talk_s', sa.Float(), nullable=False),
        sa.Column('hold_s', sa.Float(), nullable=False),
        sa.Column('callbacks', sa.Integer(), nullable=False),
        sa.Column('callback_waits', sa.Integer(), nullable=False),
        sa.Column('callback_wait_s', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('hour', 'queue', 'agent', 'part'))
    op.create_table(
        'report_dirty_hours',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    state = op.create_table(
        'report_summary',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('service_level_s', sa.Float(), nullable=True),
        sa.Column('built_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'))
    op.bulk_insert(state, [{'id': 1}])


def downgrade() -> None:
    for table in ('report_summary', 'report_dirty_hours', 'report_hours'):
        op.drop_table(table)
