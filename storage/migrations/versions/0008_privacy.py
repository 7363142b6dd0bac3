"""Privacy: a secret per workspace, forgotten members as keyed hashes, who a dispatch went to,
a coordinator's "added by" that can be forgotten, and open issue forms kept on the server.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('workspace_secrets',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_workspace_secrets_team_id_workspaces'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_workspace_secrets'))
    )
    op.create_table('forgotten_members',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('forgotten_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_forgotten_members_team_id_workspaces'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'digest', name=op.f('pk_forgotten_members'))
    )
    op.create_table('issue_forms',
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('author_id', sa.String(length=32), nullable=True),
    sa.Column('credit', sa.String(length=16), nullable=True),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('origin', sa.String(length=200), nullable=True),
    sa.Column('source_channel_id', sa.String(length=32), nullable=True),
    sa.Column('source_ts', sa.String(length=32), nullable=True),
    sa.Column('source_permalink', sa.String(length=1000), nullable=True),
    sa.Column('issue_id', sa.Integer(), nullable=True),
    sa.Column('response_url', sa.Text(), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_issue_forms_team_id_workspaces'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_issue_forms'))
    )
    op.create_index('ix_issue_forms_team_created', 'issue_forms', ['team_id', 'created_at'], unique=False)
    with op.batch_alter_table('dispatches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_dispatches_team_user', ['team_id', 'user_id'], unique=False)
    with op.batch_alter_table('coordinators', schema=None) as batch_op:
        batch_op.alter_column('added_by', existing_type=sa.String(length=32), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE coordinators SET added_by = '' WHERE added_by IS NULL")
    with op.batch_alter_table('coordinators', schema=None) as batch_op:
        batch_op.alter_column('added_by', existing_type=sa.String(length=32), nullable=False)
    with op.batch_alter_table('dispatches', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatches_team_user')
        batch_op.drop_column('user_id')
    op.drop_index('ix_issue_forms_team_created', table_name='issue_forms')
    op.drop_table('issue_forms')
    op.drop_table('forgotten_members')
    op.drop_table('workspace_secrets')
