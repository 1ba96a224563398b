"""calls.hotline, calls.client, calls.recording_policy: which client's hotline a call was

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Calls from before hotlines were all the single menu's: the default hotline, no client.
    with op.batch_alter_table('calls') as batch:
        batch.add_column(sa.Column('hotline', sa.String(64), nullable=False, server_default='default'))
        batch.add_column(sa.Column('client', sa.String(64), nullable=False, server_default=''))
        batch.add_column(sa.Column('recording_policy', sa.String(16), nullable=False, server_default=''))
        batch.create_index('ix_calls_hotline', ['hotline'])
        batch.create_index('ix_calls_client', ['client'])


def downgrade() -> None:
    with op.batch_alter_table('calls') as batch:
        batch.drop_index('ix_calls_client')
        batch.drop_index('ix_calls_hotline')
        batch.drop_column('recording_policy')
        batch.drop_column('client')
        batch.drop_column('hotline')
