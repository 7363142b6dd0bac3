"""Date-finding polls (/meet): polls, their options, votes and invitees.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 19:40:19.482553
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.Column('creator_id', sa.String(length=32), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('allow_if_need_be', sa.Boolean(), nullable=False),
    sa.Column('hide_votes', sa.Boolean(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('deadline', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('remind_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('closed_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=32), nullable=True),
    sa.Column('decided_option_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decision_sequence', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('rendered_revision', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('open', 'closed', 'decided')", name=op.f('ck_polls_known_status')),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_polls_team_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_polls'))
    )
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.create_index('ix_polls_team_channel_status', ['team_id', 'channel_id', 'status'], unique=False)
        batch_op.create_index('ix_polls_team_status', ['team_id', 'status'], unique=False)

    op.create_table('poll_invitees',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_poll_invitees_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('poll_id', 'user_id', name=op.f('pk_poll_invitees'))
    )
    with op.batch_alter_table('poll_invitees', schema=None) as batch_op:
        batch_op.create_index('ix_poll_invitees_team_user', ['team_id', 'user_id'], unique=False)

    op.create_table('poll_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('starts_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('all_day', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_poll_options_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_options')),
    sa.UniqueConstraint('poll_id', 'position', name=op.f('uq_poll_options_poll_id_position'))
    )
    op.create_table('poll_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('choice', sa.String(length=8), nullable=False),
    sa.Column('voted_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("choice IN ('yes', 'maybe', 'no')", name=op.f('ck_poll_votes_known_choice')),
    sa.ForeignKeyConstraint(['option_id'], ['poll_options.id'], name=op.f('fk_poll_votes_option_id_poll_options'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_poll_votes_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_votes')),
    sa.UniqueConstraint('option_id', 'user_id', name=op.f('uq_poll_votes_option_id_user_id'))
    )
    with op.batch_alter_table('poll_votes', schema=None) as batch_op:
        batch_op.create_index('ix_poll_votes_poll_user', ['poll_id', 'user_id'], unique=False)
        batch_op.create_index('ix_poll_votes_team_user', ['team_id', 'user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('poll_votes', schema=None) as batch_op:
        batch_op.drop_index('ix_poll_votes_team_user')
        batch_op.drop_index('ix_poll_votes_poll_user')

    op.drop_table('poll_votes')
    op.drop_table('poll_options')
    with op.batch_alter_table('poll_invitees', schema=None) as batch_op:
        batch_op.drop_index('ix_poll_invitees_team_user')

    op.drop_table('poll_invitees')
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_index('ix_polls_team_status')
        batch_op.drop_index('ix_polls_team_channel_status')

    op.drop_table('polls')
