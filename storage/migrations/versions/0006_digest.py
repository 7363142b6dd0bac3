"""The weekly digest: its schedule, and one row per period posted.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 19:28:07.088502
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('digest_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('period_key', sa.String(length=32), nullable=False),
    sa.Column('period_start', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('period_end', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('claim_token', sa.String(length=36), nullable=False),
    sa.Column('claimed_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.String(length=32), nullable=True),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('ts', sa.String(length=32), nullable=True),
    sa.Column('posted_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_runs')),
    sa.UniqueConstraint('team_id', 'period_key', name=op.f('uq_digest_runs_team_id_period_key'))
    )
    op.create_table('digest_settings',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('minute', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('updated_by', sa.String(length=32), nullable=True),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('hour BETWEEN 0 AND 23', name=op.f('ck_digest_settings_hour_range')),
    sa.CheckConstraint('minute BETWEEN 0 AND 59', name=op.f('ck_digest_settings_minute_range')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_digest_settings_weekday_range')),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_digest_settings_team_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_digest_settings'))
    )


def downgrade() -> None:
    op.drop_table('digest_settings')
    op.drop_table('digest_runs')
