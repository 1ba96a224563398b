"""several Asterisks: the calls and the handle-time records carry the Asterisk they came from

calls.asterisk is the Asterisk's `systemname` as the dialplan passes it; handle_times.asterisk
the name of the `ami:` entry whose events made the record (the same name). Rows written
before keep "".

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TABLES = ('calls', 'handle_times')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('asterisk', sa.String(length=64), nullable=False, server_default=''))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('asterisk')
