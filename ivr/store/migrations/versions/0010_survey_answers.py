"""survey_answers: post-call survey answers per call, agent, queue and hotline

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'survey_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unique_id', sa.String(length=64), nullable=False),
        sa.Column('question', sa.String(length=64), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('scale', sa.Integer(), nullable=False),
        sa.Column('queue', sa.String(length=64), nullable=False),
        sa.Column('agent', sa.String(length=128), nullable=False),
        sa.Column('hotline', sa.String(length=64), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('unique_id', 'question', name='uq_survey_answers_call_question'))
    for col in ('unique_id', 'question', 'queue', 'agent', 'hotline', 'client', 'answered_at'):
        op.create_index(f'ix_survey_answers_{col}', 'survey_answers', [col])


def downgrade() -> None:
    op.drop_table('survey_answers')
