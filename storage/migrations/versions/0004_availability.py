"""Availability and volunteering: weekly patterns, hours a month, calls for volunteers and the answers.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 19:35:44.719883
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('volunteer_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.Column('task', sa.String(length=300), nullable=False),
    sa.Column('needed', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=32), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deadline', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('close_reason', sa.String(length=16), nullable=True),
    sa.Column('closed_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=32), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("close_reason IS NULL OR close_reason IN ('filled', 'deadline', 'closed')", name=op.f('ck_volunteer_calls_known_close_reason')),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_volunteer_calls_known_status')),
    sa.CheckConstraint('needed >= 1 AND needed <= 100', name=op.f('ck_volunteer_calls_people_needed')),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_volunteer_calls_team_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_calls'))
    )
    with op.batch_alter_table('volunteer_calls', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer_calls_team_status', ['team_id', 'status'], unique=False)

    op.create_table('availability_profiles',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('hours_per_month', sa.Integer(), nullable=True),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('hours_per_month >= 0 AND hours_per_month <= 744', name=op.f('ck_availability_profiles_hours_in_a_month')),
    sa.ForeignKeyConstraint(['team_id', 'user_id'], ['members.team_id', 'members.user_id'], name=op.f('fk_availability_profiles_team_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'user_id', name=op.f('pk_availability_profiles'))
    )
    op.create_table('volunteer_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('answer', sa.String(length=8), nullable=False),
    sa.Column('answered_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("answer IN ('help', 'cant')", name=op.f('ck_volunteer_responses_known_answer')),
    sa.ForeignKeyConstraint(['call_id'], ['volunteer_calls.id'], name=op.f('fk_volunteer_responses_call_id_volunteer_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id', 'user_id'], ['members.team_id', 'members.user_id'], name=op.f('fk_volunteer_responses_team_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_responses')),
    sa.UniqueConstraint('call_id', 'user_id', name=op.f('uq_volunteer_responses_call_id_user_id'))
    )
    with op.batch_alter_table('volunteer_responses', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer_responses_member', ['team_id', 'user_id'], unique=False)

    op.create_table('availability_weekly_slots',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=False),
    sa.Column('part', sa.String(length=16), nullable=False),
    sa.CheckConstraint("part IN ('morning', 'afternoon', 'evening')", name=op.f('ck_availability_weekly_slots_known_part_of_day')),
    sa.CheckConstraint('weekday >= 0 AND weekday <= 6', name=op.f('ck_availability_weekly_slots_weekday_monday_to_sunday')),
    sa.ForeignKeyConstraint(['team_id', 'user_id'], ['availability_profiles.team_id', 'availability_profiles.user_id'], name=op.f('fk_availability_weekly_slots_team_id_availability_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'user_id', 'weekday', 'part', name=op.f('pk_availability_weekly_slots'))
    )


def downgrade() -> None:
    op.drop_table('availability_weekly_slots')
    with op.batch_alter_table('volunteer_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_volunteer_responses_member')

    op.drop_table('volunteer_responses')
    op.drop_table('availability_profiles')
    with op.batch_alter_table('volunteer_calls', schema=None) as batch_op:
        batch_op.drop_index('ix_volunteer_calls_team_status')

    op.drop_table('volunteer_calls')
