"""Each group's meeting hours for /meet suggest.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('workspaces') as batch:
        batch.add_column(sa.Column('meeting_hours', sa.String(length=400), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('workspaces') as batch:
        batch.drop_column('meeting_hours')
