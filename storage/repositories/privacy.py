"""Workspace secrets and forgotten members."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.db import insert_ignoring_conflicts, rows_changed
from storage.models import ForgottenMember, WorkspaceSecret


class PrivacyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def secret(self, team_id: str) -> str | None:
        row = self.session.get(WorkspaceSecret, team_id)
        return row.secret if row is not None else None

    def add_secret(self, team_id: str, secret: str, *, now: datetime) -> str:
        """Store `secret` unless the workspace has one already; the workspace's secret either way."""
        insert_ignoring_conflicts(self.session, WorkspaceSecret,
                                  {"team_id": team_id, "secret": secret, "created_at": now},
                                  conflict_columns=["team_id"])
        row = self.session.get(WorkspaceSecret, team_id, populate_existing=True)
        assert row is not None
        return row.secret

    def add_forgotten(self, team_id: str, digest: str, *, now: datetime) -> None:
        insert_ignoring_conflicts(self.session, ForgottenMember,
                                  {"team_id": team_id, "digest": digest, "forgotten_at": now},
                                  conflict_columns=["team_id", "digest"])

    def forgotten_among(self, team_id: str, digests: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(digests))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            found |= set(self.session.scalars(select(ForgottenMember.digest).where(
                ForgottenMember.team_id == team_id, ForgottenMember.digest.in_(wanted[start:start + 500]))))
        return found

    def remove_forgotten(self, team_id: str, digest: str) -> bool:
        result = self.session.execute(delete(ForgottenMember).where(
            ForgottenMember.team_id == team_id, ForgottenMember.digest == digest))
        return bool(rows_changed(result))
