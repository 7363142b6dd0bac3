"""Prompts: the bank of questions, the schedule, rounds, deliveries, answers and members' pauses.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 19:35:55.373291
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('prompt_members',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('paused_until', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('credit', sa.String(length=16), nullable=True),
    sa.Column('shareable', sa.Boolean(), nullable=True),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("credit IS NULL OR credit IN ('named', 'organisation', 'anonymous')", name=op.f('ck_prompt_members_credit')),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_prompt_members_team_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'user_id', name=op.f('pk_prompt_members'))
    )
    op.create_table('prompt_settings',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('cadence', sa.String(length=16), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=True),
    sa.Column('send_at', sa.Time(), nullable=True),
    sa.Column('anchor_on', sa.Date(), nullable=True),
    sa.Column('schedule_set_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('nudge_after_days', sa.Integer(), nullable=True),
    sa.Column('bank_loaded_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=32), nullable=True),
    sa.CheckConstraint("cadence IN ('off', 'weekly', 'fortnightly', 'monthly')", name=op.f('ck_prompt_settings_cadence')),
    sa.CheckConstraint('nudge_after_days IS NULL OR nudge_after_days >= 1', name=op.f('ck_prompt_settings_nudge_after_days')),
    sa.CheckConstraint('weekday IS NULL OR (weekday >= 0 AND weekday <= 6)', name=op.f('ck_prompt_settings_weekday')),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_prompt_settings_team_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_prompt_settings'))
    )
    op.create_table('prompts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('bank_key', sa.String(length=64), nullable=True),
    sa.Column('created_by', sa.String(length=32), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retired_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_prompts_team_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prompts')),
    sa.UniqueConstraint('team_id', 'bank_key', name=op.f('uq_prompts_team_id_bank_key')),
    sa.UniqueConstraint('team_id', 'number', name=op.f('uq_prompts_team_id_number'))
    )
    with op.batch_alter_table('prompts', schema=None) as batch_op:
        batch_op.create_index('ix_prompts_team_id_position', ['team_id', 'position'], unique=False)

    op.create_table('prompt_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('period_key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('prompt_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('nominal_on', sa.Date(), nullable=True),
    sa.Column('started_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_by', sa.String(length=32), nullable=True),
    sa.CheckConstraint("kind IN ('scheduled', 'manual')", name=op.f('ck_prompt_rounds_kind')),
    sa.ForeignKeyConstraint(['prompt_id'], ['prompts.id'], name=op.f('fk_prompt_rounds_prompt_id_prompts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_prompt_rounds_team_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prompt_rounds')),
    sa.UniqueConstraint('team_id', 'period_key', name=op.f('uq_prompt_rounds_team_id_period_key'))
    )
    with op.batch_alter_table('prompt_rounds', schema=None) as batch_op:
        batch_op.create_index('ix_prompt_rounds_team_id_started_at', ['team_id', 'started_at'], unique=False)

    op.create_table('prompt_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('prompt_id', sa.Integer(), nullable=False),
    sa.Column('period_key', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('due_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('ts', sa.String(length=32), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('skipped_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('nudge_claimed_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('nudged_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('nudge_ts', sa.String(length=32), nullable=True),
    sa.CheckConstraint("status IN ('claimed', 'sent', 'failed')", name=op.f('ck_prompt_deliveries_status')),
    sa.ForeignKeyConstraint(['prompt_id'], ['prompts.id'], name=op.f('fk_prompt_deliveries_prompt_id_prompts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['prompt_rounds.id'], name=op.f('fk_prompt_deliveries_round_id_prompt_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_prompt_deliveries_team_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prompt_deliveries')),
    sa.UniqueConstraint('team_id', 'period_key', 'prompt_id', 'user_id', name=op.f('uq_prompt_deliveries_team_id_period_key_prompt_id_user_id'))
    )
    with op.batch_alter_table('prompt_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_prompt_deliveries_member', ['team_id', 'user_id', 'sent_at'], unique=False)
        batch_op.create_index('ix_prompt_deliveries_message', ['team_id', 'channel_id', 'ts'], unique=False)
        batch_op.create_index('ix_prompt_deliveries_round_id', ['round_id'], unique=False)

    op.create_table('prompt_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('prompt_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('source_key', sa.String(length=64), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('credit', sa.String(length=16), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('shareable', sa.Boolean(), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("credit IN ('named', 'organisation', 'anonymous')", name=op.f('ck_prompt_answers_credit')),
    sa.ForeignKeyConstraint(['delivery_id'], ['prompt_deliveries.id'], name=op.f('fk_prompt_answers_delivery_id_prompt_deliveries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['prompt_id'], ['prompts.id'], name=op.f('fk_prompt_answers_prompt_id_prompts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_prompt_answers_team_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prompt_answers')),
    sa.UniqueConstraint('delivery_id', 'source_key', name=op.f('uq_prompt_answers_delivery_id_source_key'))
    )
    with op.batch_alter_table('prompt_answers', schema=None) as batch_op:
        batch_op.create_index('ix_prompt_answers_team_id_prompt_id', ['team_id', 'prompt_id', 'created_at'], unique=False)
        batch_op.create_index('ix_prompt_answers_team_id_user_id', ['team_id', 'user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('prompt_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_prompt_answers_team_id_user_id')
        batch_op.drop_index('ix_prompt_answers_team_id_prompt_id')

    op.drop_table('prompt_answers')
    with op.batch_alter_table('prompt_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_prompt_deliveries_round_id')
        batch_op.drop_index('ix_prompt_deliveries_message')
        batch_op.drop_index('ix_prompt_deliveries_member')

    op.drop_table('prompt_deliveries')
    with op.batch_alter_table('prompt_rounds', schema=None) as batch_op:
        batch_op.drop_index('ix_prompt_rounds_team_id_started_at')

    op.drop_table('prompt_rounds')
    with op.batch_alter_table('prompts', schema=None) as batch_op:
        batch_op.drop_index('ix_prompts_team_id_position')

    op.drop_table('prompts')
    op.drop_table('prompt_settings')
    op.drop_table('prompt_members')
