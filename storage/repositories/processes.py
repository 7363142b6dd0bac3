"""Standing-job runs and process heartbeats."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.db import insert_ignoring_conflicts, rows_changed
from storage.models import Heartbeat, StandingJobRun


class StandingJobRuns:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, job_id: str, *, now: datetime, interval: timedelta) -> bool:
        """Take this interval's run of `job_id`: True when it has not run for `interval`.

        Two processes that ask at the same moment cannot both win: the first inserts the row
        or moves its time forward, the second's condition then no longer holds.
        """
        if insert_ignoring_conflicts(self.session, StandingJobRun, {"job_id": job_id, "last_started_at": now},
                                     conflict_columns=["job_id"]):
            return True
        moved = self.session.execute(
            update(StandingJobRun)
            .where(StandingJobRun.job_id == job_id, StandingJobRun.last_started_at <= now - interval)
            .values(last_started_at=now)
        )
        return bool(rows_changed(moved))

    def finish(self, job_id: str, *, now: datetime) -> None:
        self.session.execute(update(StandingJobRun).where(StandingJobRun.job_id == job_id)
                             .values(last_finished_at=now))

    def last_started(self) -> dict[str, datetime]:
        return {row.job_id: row.last_started_at for row in self.session.scalars(select(StandingJobRun))}

    def all(self) -> Sequence[StandingJobRun]:
        return self.session.scalars(select(StandingJobRun).order_by(StandingJobRun.job_id)).all()


class Heartbeats:
    def __init__(self, session: Session) -> None:
        self.session = session

    def beat(self, process_id: str, *, kind: str, hostname: str, pid: int, started_at: datetime, now: datetime,
             socket_connected: bool | None, scheduler_running: bool, detail: str | None = None) -> None:
        """Record that the process is alive (insert the first time, update afterwards)."""
        values = {"beat_at": now, "socket_connected": socket_connected, "scheduler_running": scheduler_running,
                  "detail": detail}
        updated = self.session.execute(update(Heartbeat).where(Heartbeat.process_id == process_id).values(**values))
        if not rows_changed(updated):
            insert_ignoring_conflicts(
                self.session, Heartbeat,
                {"process_id": process_id, "kind": kind, "hostname": hostname, "pid": pid, "started_at": started_at,
                 **values},
                conflict_columns=["process_id"],
            )

    def remove(self, process_id: str) -> None:
        self.session.execute(delete(Heartbeat).where(Heartbeat.process_id == process_id))

    def recent(self, *, since: datetime) -> Sequence[Heartbeat]:
        return self.session.scalars(
            select(Heartbeat).where(Heartbeat.beat_at >= since).order_by(Heartbeat.kind, Heartbeat.beat_at.desc())
        ).all()

    def prune(self, *, before: datetime) -> int:
        result = self.session.execute(delete(Heartbeat).where(Heartbeat.beat_at < before))
        return rows_changed(result)
