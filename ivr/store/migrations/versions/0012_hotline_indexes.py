"""indexes of the console's per-hotline searches: calls of one hotline or one client newest first
by (started_at, id), for keyset pages filtered by hotline or client (ivr/store/calls.py)

The reports' per-hotline figures need none of their own: handle_times rows reach their call by
calls.unique_id (unique), and the funnel's calls by ix_calls_hotline / ix_calls_client (0009).

Revision ID: 0012
Revises: 0011
"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

INDEXES = [
    ('ix_calls_hotline_started', 'calls', ['hotline', 'started_at', 'id']),
    ('ix_calls_client_started', 'calls', ['client', 'started_at', 'id']),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
