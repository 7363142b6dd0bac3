"""The delivery ledger: events seen and messages claimed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from storage.db import insert_ignoring_conflicts, rows_changed
from storage.models import Dispatch, ProcessedEvent


class EventLedger:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, team_id: str, event_id: str, *, now: datetime) -> bool:
        """True the first time an event is seen, False for Slack's retries of it."""
        return insert_ignoring_conflicts(
            self.session,
            ProcessedEvent,
            {"team_id": team_id, "event_id": event_id, "received_at": now},
            conflict_columns=["team_id", "event_id"],
        )

    def prune(self, *, before: datetime) -> int:
        result = self.session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < before))
        return rows_changed(result)


class DispatchLedger:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, team_id: str, key: str, *, now: datetime, user_id: str | None = None) -> bool:
        """Take the right to send `key` (to `user_id`, for a direct message). False when it was
        sent or is being sent already.

        A dispatch that failed may be claimed again, so a later run can retry it.
        """
        if insert_ignoring_conflicts(
            self.session,
            Dispatch,
            {"team_id": team_id, "key": key, "status": "claimed", "claimed_at": now, "user_id": user_id},
            conflict_columns=["team_id", "key"],
        ):
            return True
        retried = self.session.execute(
            update(Dispatch)
            .where(Dispatch.team_id == team_id, Dispatch.key == key, Dispatch.status == "failed")
            .values(status="claimed", claimed_at=now, error=None)
        )
        return bool(rows_changed(retried))

    def mark_sent(self, team_id: str, key: str, *, channel_id: str | None, ts: str | None, now: datetime) -> None:
        self.session.execute(
            update(Dispatch)
            .where(Dispatch.team_id == team_id, Dispatch.key == key)
            .values(status="sent", channel_id=channel_id, ts=ts, sent_at=now)
        )

    def mark_failed(self, team_id: str, key: str, *, error: str) -> None:
        self.session.execute(
            update(Dispatch)
            .where(Dispatch.team_id == team_id, Dispatch.key == key)
            .values(status="failed", error=error[:2000])
        )

    def get(self, team_id: str, key: str) -> Dispatch | None:
        return self.session.scalar(select(Dispatch).where(Dispatch.team_id == team_id, Dispatch.key == key))

    def prune(self, *, before: datetime) -> int:
        """Forget dispatches claimed before `before`: long past any job that could send them again."""
        result = self.session.execute(delete(Dispatch).where(Dispatch.claimed_at < before))
        return rows_changed(result)

    def forget_member(self, team_id: str, user_id: str) -> int:
        """Forget what was sent to a member (keys name them as a `:U…` part, or it was a DM to them)."""
        result = self.session.execute(
            delete(Dispatch).where(
                Dispatch.team_id == team_id,
                or_(Dispatch.key.like(f"%:{user_id}"), Dispatch.key.like(f"%:{user_id}:%"), Dispatch.user_id == user_id),
            )
        )
        return rows_changed(result)

    def sent_under(self, team_id: str, prefixes: Iterable[str] = (), *, keys: Iterable[str] = ()) -> set[tuple[str, str]]:
        """(channel, ts) of the messages sent with keys starting with any of `prefixes`, or equal to one of `keys`."""
        starts = [Dispatch.key.startswith(prefix, autoescape=True) for prefix in prefixes if prefix]
        exact = list(keys)
        if exact:
            starts.append(Dispatch.key.in_(exact))
        if not starts:
            return set()
        rows = self.session.execute(
            select(Dispatch.channel_id, Dispatch.ts).where(
                Dispatch.team_id == team_id, Dispatch.status == "sent", Dispatch.channel_id.is_not(None),
                Dispatch.ts.is_not(None), or_(*starts))
        )
        return {(channel_id, ts) for channel_id, ts in rows if channel_id and ts}
