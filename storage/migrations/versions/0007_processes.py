"""Standing jobs keep their schedule across restarts; run and clock processes keep a heartbeat.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('standing_job_runs',
    sa.Column('job_id', sa.String(length=100), nullable=False),
    sa.Column('last_started_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_finished_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('job_id', name=op.f('pk_standing_job_runs'))
    )
    op.create_table('heartbeats',
    sa.Column('process_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('hostname', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('beat_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('socket_connected', sa.Boolean(), nullable=True),
    sa.Column('scheduler_running', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('process_id', name=op.f('pk_heartbeats'))
    )
    op.create_index(op.f('ix_heartbeats_beat_at'), 'heartbeats', ['beat_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_heartbeats_beat_at'), table_name='heartbeats')
    op.drop_table('heartbeats')
    op.drop_table('standing_job_runs')
