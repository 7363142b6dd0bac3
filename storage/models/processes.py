"""Rows the running processes keep about themselves: when each standing job last ran, and a
heartbeat per `run`/`clock` process that `python -m bot check` and `/healthz` read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class StandingJobRun(Base):
    """When a standing job (`prompts:tick`, `digest:catch-up`…) last started, in any process.

    A restart keeps the schedule from here, and `clock --once` runs a job only when its
    interval has passed since this moment.
    """

    __tablename__ = "standing_job_runs"

    job_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_started_at: Mapped[datetime]
    last_finished_at: Mapped[datetime | None]


class Heartbeat(Base):
    """A `run` or `clock` process saying it is alive: socket, scheduler and database as it last saw them."""

    __tablename__ = "heartbeats"

    process_id: Mapped[str] = mapped_column(String(200), primary_key=True)  # kind:host:pid
    kind: Mapped[str] = mapped_column(String(16))  # run | clock
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime] = mapped_column(index=True)
    socket_connected: Mapped[bool | None]  # None: this process has no socket (clock)
    scheduler_running: Mapped[bool]
    detail: Mapped[str | None] = mapped_column(Text)
