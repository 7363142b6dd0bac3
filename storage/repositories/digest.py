"""Digest settings and the per-period runs that make each digest happen once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.db import insert_ignoring_conflicts, rows_changed
from storage.models import DigestRun, DigestSettings, Workspace


class DigestRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def settings(self, team_id: str) -> DigestSettings | None:
        return self.session.get(DigestSettings, team_id)

    def settings_and_workspace(self, team_id: str) -> tuple[DigestSettings | None, Workspace | None]:
        """The digest's settings and the workspace they belong to, in one query."""
        row = self.session.execute(
            select(Workspace, DigestSettings)
            .outerjoin(DigestSettings, DigestSettings.team_id == Workspace.team_id)
            .where(Workspace.team_id == team_id)
        ).first()
        if row is None:  # settings are saved with their workspace, so without one there are none
            return self.settings(team_id), None
        return row[1], row[0]

    def save_settings(self, team_id: str, *, weekday: int, hour: int, minute: int, enabled: bool,
                      channel_id: str | None, updated_by: str | None, now: datetime) -> DigestSettings:
        row = self.session.get(DigestSettings, team_id)
        if row is None:
            row = DigestSettings(team_id=team_id)
            self.session.add(row)
        row.weekday, row.hour, row.minute, row.enabled = weekday, hour, minute, enabled
        row.channel_id, row.updated_by, row.updated_at = channel_id, updated_by, now
        return row

    def run(self, team_id: str, period_key: str) -> DigestRun | None:
        return self.session.scalar(
            select(DigestRun).where(DigestRun.team_id == team_id, DigestRun.period_key == period_key)
        )

    def last_posted(self, team_id: str) -> DigestRun | None:
        return self.session.scalar(
            select(DigestRun)
            .where(DigestRun.team_id == team_id, DigestRun.status == "posted")
            .order_by(DigestRun.period_end.desc())
            .limit(1)
        )

    def posted(self, team_id: str) -> list[DigestRun]:
        """Every digest posted in the workspace, oldest first."""
        return list(self.session.scalars(
            select(DigestRun)
            .where(DigestRun.team_id == team_id, DigestRun.status == "posted", DigestRun.ts.is_not(None))
            .order_by(DigestRun.period_end)
        ))

    def claim(self, team_id: str, period_key: str, *, start: datetime, end: datetime, token: str, now: datetime,
              channel_id: str, requested_by: str | None) -> bool:
        """Insert the period's run as claimed by `token`; False when a run for it exists already."""
        return insert_ignoring_conflicts(
            self.session,
            DigestRun,
            {"team_id": team_id, "period_key": period_key, "period_start": start, "period_end": end,
             "status": "claimed", "claim_token": token, "claimed_at": now, "attempts": 1,
             "channel_id": channel_id, "requested_by": requested_by},
            conflict_columns=["team_id", "period_key"],
        )

    def take_over(self, run_id: int, *, expected_token: str, token: str, now: datetime, channel_id: str) -> bool:
        """Re-claim a stale or failed run; only one of several racing processes succeeds."""
        result = self.session.execute(
            update(DigestRun)
            .where(DigestRun.id == run_id, DigestRun.claim_token == expected_token, DigestRun.status != "posted")
            .values(claim_token=token, claimed_at=now, status="claimed", attempts=DigestRun.attempts + 1,
                    channel_id=channel_id, error=None)
        )
        return bool(rows_changed(result))

    def mark_posted(self, run_id: int, *, token: str, channel_id: str, ts: str, now: datetime) -> None:
        self.session.execute(
            update(DigestRun)
            .where(DigestRun.id == run_id, DigestRun.claim_token == token)
            .values(status="posted", channel_id=channel_id, ts=ts, posted_at=now, error=None)
        )

    def mark_found(self, run_id: int, *, channel_id: str, ts: str, now: datetime) -> None:
        """A crashed poster did post: record the message it left."""
        self.session.execute(
            update(DigestRun)
            .where(DigestRun.id == run_id, DigestRun.status != "posted")
            .values(status="posted", channel_id=channel_id, ts=ts, posted_at=now, error=None)
        )

    def mark_failed(self, run_id: int, *, token: str, error: str) -> None:
        self.session.execute(
            update(DigestRun)
            .where(DigestRun.id == run_id, DigestRun.claim_token == token)
            .values(status="failed", error=error[:2000])
        )
