"""What Convene keeps to keep its privacy promises: a secret per workspace, and who asked to be forgotten.

A member who used `/convene forget-me` is remembered only as a keyed one-way hash of their Slack
user ID (HMAC-SHA256 with the workspace's secret), so that fan-outs, directory refreshes and
reminders can recognise them and leave them out without Convene keeping their ID. The hash cannot
be turned back into the ID; it only answers "is this ID one of them?" for someone who also holds
the secret (whoever hosts the database). It goes as soon as they use Convene again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, CreatedAt


class WorkspaceSecret(CreatedAt, Base):
    """A random key per workspace, made on first use: it hashes the IDs of forgotten members."""

    __tablename__ = "workspace_secrets"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))  # 32 random bytes, hex

    __table_args__ = (ForeignKeyConstraint(["team_id"], ["workspaces.team_id"], ondelete="CASCADE"),)


class ForgottenMember(Base):
    """Someone who asked Convene to forget them and has not used it since; never their ID."""

    __tablename__ = "forgotten_members"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # HMAC-SHA256 of the user ID, hex
    forgotten_at: Mapped[datetime]

    __table_args__ = (ForeignKeyConstraint(["team_id"], ["workspaces.team_id"], ondelete="CASCADE"),)
