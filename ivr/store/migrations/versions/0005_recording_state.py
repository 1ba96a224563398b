"""recordings.state: ok, empty (no audio) or repaired (WAV header rewritten)

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('recordings') as batch:
        batch.add_column(sa.Column('state', sa.String(length=16), nullable=False, server_default='ok'))
    op.create_index('ix_recordings_state', 'recordings', ['state'])


def downgrade() -> None:
    op.drop_index('ix_recordings_state', table_name='recordings')
    with op.batch_alter_table('recordings') as batch:
        batch.drop_column('state')
