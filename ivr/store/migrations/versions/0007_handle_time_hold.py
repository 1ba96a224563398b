"""handle_times.hold_s: agent hold inside the bridged call (music on hold), part of AHT

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows from before were never measured for hold: 0, and their talk_s is the whole
    # bridged time, so talk + hold is still what the agent spent on the call.
    with op.batch_alter_table('handle_times') as batch:
        batch.add_column(sa.Column('hold_s', sa.Float(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('handle_times') as batch:
        batch.drop_column('hold_s')
