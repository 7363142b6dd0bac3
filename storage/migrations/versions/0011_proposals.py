"""Proposals the group decides on (/propose): proposals, the issues they address, who was asked,
each member's position; and the workspace's quorum setting.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.Column('author_id', sa.String(length=32), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('hide_positions', sa.Boolean(), nullable=False),
    sa.Column('closes_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('remind_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('closed_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=32), nullable=True),
    sa.Column('organisations_represented', sa.Integer(), nullable=True),
    sa.Column('quorum_percent', sa.Integer(), nullable=True),
    sa.Column('quorum_basis', sa.String(length=16), nullable=True),
    sa.Column('quorum_met', sa.Boolean(), nullable=True),
    sa.Column('outcome', sa.String(length=24), nullable=True),
    sa.Column('outcome_statement', sa.Text(), nullable=True),
    sa.Column('block_resolution', sa.Text(), nullable=True),
    sa.Column('decided_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decision_sequence', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('rendered_revision', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('agreed', 'agreed_with_changes', 'not_agreed', 'withdrawn')", name=op.f('ck_proposals_known_outcome')),
    sa.CheckConstraint("quorum_basis IS NULL OR quorum_basis IN ('organisations', 'members')", name=op.f('ck_proposals_known_quorum_basis')),
    sa.CheckConstraint("status IN ('open', 'closed', 'decided')", name=op.f('ck_proposals_known_status')),
    sa.CheckConstraint('number > 0', name=op.f('ck_proposals_number_positive')),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], name=op.f('fk_proposals_team_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals')),
    sa.UniqueConstraint('team_id', 'number', name=op.f('uq_proposals_team_id_number'))
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index('ix_proposals_team_decided_at', ['team_id', 'decided_at'], unique=False)
        batch_op.create_index('ix_proposals_team_status', ['team_id', 'status'], unique=False)

    op.create_table('proposal_invitees',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_invitees_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('proposal_id', 'user_id', name=op.f('pk_proposal_invitees'))
    )
    with op.batch_alter_table('proposal_invitees', schema=None) as batch_op:
        batch_op.create_index('ix_proposal_invitees_team_user', ['team_id', 'user_id'], unique=False)

    op.create_table('proposal_issues',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_proposal_issues_issue_id_issues'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_issues_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('proposal_id', 'issue_id', name=op.f('pk_proposal_issues'))
    )
    with op.batch_alter_table('proposal_issues', schema=None) as batch_op:
        batch_op.create_index('ix_proposal_issues_issue', ['issue_id'], unique=False)

    op.create_table('proposal_positions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('stance', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('credit', sa.String(length=16), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("credit IN ('named', 'organisation', 'anonymous')", name=op.f('ck_proposal_positions_known_credit')),
    sa.CheckConstraint("stance IN ('agree', 'abstain', 'disagree', 'block')", name=op.f('ck_proposal_positions_known_stance')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_positions_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_positions')),
    sa.UniqueConstraint('proposal_id', 'user_id', name=op.f('uq_proposal_positions_proposal_id_user_id'))
    )
    with op.batch_alter_table('proposal_positions', schema=None) as batch_op:
        batch_op.create_index('ix_proposal_positions_team_user', ['team_id', 'user_id'], unique=False)

    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quorum', sa.String(length=32), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.drop_column('quorum')

    with op.batch_alter_table('proposal_positions', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_positions_team_user')

    op.drop_table('proposal_positions')
    with op.batch_alter_table('proposal_issues', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_issues_issue')

    op.drop_table('proposal_issues')
    with op.batch_alter_table('proposal_invitees', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_invitees_team_user')

    op.drop_table('proposal_invitees')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_proposals_team_status')
        batch_op.drop_index('ix_proposals_team_decided_at')

    op.drop_table('proposals')
