"""The register of commissioning issues: issues, tags, +1s, history and per-workspace numbering.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 20:00:27.655205
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('issue_counters',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_issue_counters_team_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_issue_counters'))
    )
    op.create_table('issues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('credit', sa.String(length=16), nullable=False),
    sa.Column('author_id', sa.String(length=32), nullable=True),
    sa.Column('logged_by', sa.String(length=32), nullable=True),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('closed_by', sa.String(length=32), nullable=True),
    sa.Column('closed_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('source_channel_id', sa.String(length=32), nullable=True),
    sa.Column('source_ts', sa.String(length=32), nullable=True),
    sa.Column('source_permalink', sa.String(length=1000), nullable=True),
    sa.Column('origin', sa.String(length=200), nullable=True),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.Column('plus_ones', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('card_revision', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("credit IN ('named', 'organisation', 'anonymous', 'pending')", name=op.f('ck_issues_credit_known')),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_issues_status_known')),
    sa.CheckConstraint('number > 0', name=op.f('ck_issues_number_positive')),
    sa.CheckConstraint('plus_ones >= 0', name=op.f('ck_issues_plus_ones_not_negative')),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_issues_team_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issues')),
    sa.UniqueConstraint('team_id', 'number', name=op.f('uq_issues_team_id_number')),
    sa.UniqueConstraint('team_id', 'origin', name=op.f('uq_issues_team_id_origin'))
    )
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.create_index('ix_issues_team_author', ['team_id', 'author_id'], unique=False)
        batch_op.create_index('ix_issues_team_status_created', ['team_id', 'status', 'created_at'], unique=False)

    op.create_table('issue_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.String(length=32), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_issue_events_issue_id_issues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issue_events'))
    )
    with op.batch_alter_table('issue_events', schema=None) as batch_op:
        batch_op.create_index('ix_issue_events_issue_at', ['issue_id', 'at'], unique=False)
        batch_op.create_index('ix_issue_events_team_actor', ['team_id', 'actor_id'], unique=False)

    op.create_table('issue_tags',
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=50), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_issue_tags_issue_id_issues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('issue_id', 'tag', name=op.f('pk_issue_tags'))
    )
    with op.batch_alter_table('issue_tags', schema=None) as batch_op:
        batch_op.create_index('ix_issue_tags_team_tag', ['team_id', 'tag'], unique=False)

    op.create_table('issue_votes',
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_issue_votes_issue_id_issues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('issue_id', 'user_id', name=op.f('pk_issue_votes'))
    )
    with op.batch_alter_table('issue_votes', schema=None) as batch_op:
        batch_op.create_index('ix_issue_votes_team_user', ['team_id', 'user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('issue_votes', schema=None) as batch_op:
        batch_op.drop_index('ix_issue_votes_team_user')

    op.drop_table('issue_votes')
    with op.batch_alter_table('issue_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_issue_tags_team_tag')

    op.drop_table('issue_tags')
    with op.batch_alter_table('issue_events', schema=None) as batch_op:
        batch_op.drop_index('ix_issue_events_team_actor')
        batch_op.drop_index('ix_issue_events_issue_at')

    op.drop_table('issue_events')
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_index('ix_issues_team_status_created')
        batch_op.drop_index('ix_issues_team_author')

    op.drop_table('issues')
    op.drop_table('issue_counters')
