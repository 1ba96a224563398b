"""indexes of the reports' wait percentiles: a queue's, an agent's or every answered wait in
order, with entered_at for the window (SQLite's LIMIT/OFFSET ranks, ivr/reports/store.py)

Revision ID: 0011
Revises: 0010
"""
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

INDEXES = [
    ('ix_handle_times_pct_queue', 'handle_times', ['outcome', 'queue', 'wait_s', 'entered_at']),
    ('ix_handle_times_pct_agent', 'handle_times', ['outcome', 'agent', 'wait_s', 'entered_at']),
    ('ix_handle_times_pct_all', 'handle_times', ['outcome', 'wait_s', 'entered_at']),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
