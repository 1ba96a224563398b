"""indexes of the console's searches: calls and recordings newest first by (started_at, id), and
calls by caller, called number or outcome within that order (keyset pagination, no OFFSET)

Revision ID: 0008
Revises: 0007
"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

INDEXES = [
    ('ix_calls_started_id', 'calls', ['started_at', 'id']),
    ('ix_calls_caller_started', 'calls', ['caller_id', 'started_at', 'id']),
    ('ix_calls_called_started', 'calls', ['called', 'started_at', 'id']),
    ('ix_calls_outcome_started', 'calls', ['outcome', 'started_at', 'id']),
    ('ix_recordings_started_id', 'recordings', ['started_at', 'id']),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
