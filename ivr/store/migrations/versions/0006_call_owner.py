"""calls owned by their FastAGI session and controller: calls.session, calls.owner

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows from before keep "": they are nobody's to complete, and no sweep's to close.
    with op.batch_alter_table('calls') as batch:
        batch.add_column(sa.Column('session', sa.String(32), nullable=False, server_default=''))
        batch.add_column(sa.Column('owner', sa.String(128), nullable=False, server_default=''))
        batch.create_index('ix_calls_owner', ['owner'])


def downgrade() -> None:
    with op.batch_alter_table('calls') as batch:
        batch.drop_index('ix_calls_owner')
        batch.drop_column('owner')
        batch.drop_column('session')
