"""APScheduler 3 on the bot's own database: building schedulers and scheduling jobs.

Jobs are module-level functions in `bot.jobs.*` that take IDs; they find the runtime through
`bot.jobs.runtime()`. Every job is idempotent, because two clocks (or a crash and a restart)
may run the same job twice: the database decides what has already been sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_PAUSED, STATE_STOPPED, BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from bot.clock import Clock, system_clock

logger = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"
# A job the clock could not run on time still runs within this window; jobs that must run
# however late (closing a poll) pass misfire_grace_time=None.
DEFAULT_MISFIRE_GRACE_SECONDS = 6 * 3600
# How often the clock looks at the job store even when it knows of nothing due: web workers add
# jobs to the store behind its back.
WAKE_INTERVAL_SECONDS = 30
# Long fan-outs (a prompt DMed to every member, waiting out Slack's 429s) run on their own threads,
# so however long they take, the default pool stays free for every other job.
FANOUT_EXECUTOR = "fanout"
FANOUT_THREADS = 2

SchedulerMode = Literal["background", "blocking", "once", "store-only"]


class _StopsCleanly:
    """Two fixes to how APScheduler 3 stops.

    `shutdown(wait=True)` waits for running jobs while holding the job-store lock, so a job that
    adds or cancels a job (closing a poll cancels its reminder) deadlocks it: wait for the jobs
    first, with no new round starting, then shut down. And after `shutdown()` wakes the loop it
    runs one more round of due jobs into executors already shut down; a date job lost that way
    would never run, so that round is skipped.
    """

    state: int
    _jobstores_lock: Any
    _executors: dict[str, Any]

    def shutdown(self, wait: bool = True) -> None:
        if wait and self.state != STATE_STOPPED:
            with self._jobstores_lock:  # a round of due jobs in progress finishes submitting first
                self.state = STATE_PAUSED
            for executor in list(self._executors.values()):
                executor.shutdown(wait=True)
        super().shutdown(wait=False)  # type: ignore[misc]

    def _process_jobs(self) -> float | None:
        if self.state in (STATE_STOPPED, STATE_PAUSED):
            return None
        return super()._process_jobs()  # type: ignore[misc]


class ConveneBackgroundScheduler(_StopsCleanly, BackgroundScheduler):
    """Runs jobs in a thread beside Socket Mode (`python -m bot run`)."""


class ConveneBlockingScheduler(_StopsCleanly, BlockingScheduler):
    """Runs jobs in the foreground (`python -m bot clock`)."""


class OnceScheduler(_StopsCleanly, BlockingScheduler):
    """Runs the jobs that are due when it starts, waits for them, and stops (`clock --once`)."""

    def _main_loop(self) -> None:
        self._process_jobs()
        self.shutdown(wait=True)


class StoreOnlyScheduler(BaseScheduler):
    """Writes jobs to the store and never runs them: web workers and tests."""

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)

    def wakeup(self) -> None:
        """Nothing to wake: this scheduler has no loop."""

    def _process_jobs(self) -> None:
        return None


def build_scheduler(engine: Engine, mode: SchedulerMode) -> BaseScheduler:
    """A scheduler whose job store is the `apscheduler_jobs` table on `engine`.

    - background: runs jobs in a thread (`python -m bot run`)
    - blocking: runs jobs in the foreground (`python -m bot clock`)
    - once: runs what is due and returns (`python -m bot clock --once`)
    - store-only: never runs jobs, only writes them to the store (web workers, tests)
    """
    kinds: dict[str, type[BaseScheduler]] = {
        "background": ConveneBackgroundScheduler,
        "blocking": ConveneBlockingScheduler,
        "once": OnceScheduler,
        "store-only": StoreOnlyScheduler,
    }
    scheduler = kinds[mode](
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
        executors={
            "default": {"type": "threadpool", "max_workers": 8},
            FANOUT_EXECUTOR: {"type": "threadpool", "max_workers": FANOUT_THREADS},
        },
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": DEFAULT_MISFIRE_GRACE_SECONDS,
        },
        timezone=timezone.utc,
    )
    return scheduler


def start(scheduler: BaseScheduler, mode: SchedulerMode) -> None:
    """Start the scheduler; a store-only one starts paused so it only writes to the store."""
    scheduler.start(paused=(mode == "store-only"))


class Jobs:
    """What the rest of Convene uses to schedule work, with stable IDs and safe defaults.

    A job's first run time is computed from Convene's clock, not from the one APScheduler reads,
    so a weekly trigger added "now" means the same instant in a test as in production.
    """

    def __init__(self, scheduler: BaseScheduler, clock: Clock = system_clock) -> None:
        self.scheduler = scheduler
        self.clock = clock

    def at(
        self,
        job_id: str,
        func: Callable[..., Any],
        run_at: datetime,
        *args: Any,
        misfire_grace_time: int | None = DEFAULT_MISFIRE_GRACE_SECONDS,
        executor: str = "default",
    ) -> None:
        """Run `func(*args)` once at `run_at`, replacing any job with the same ID."""
        self.add(job_id, func, DateTrigger(run_date=run_at, timezone=timezone.utc), *args,
                 misfire_grace_time=misfire_grace_time, executor=executor)

    def every(self, job_id: str, func: Callable[..., Any], seconds: float, *args: Any, first_run: datetime | None = None,
              executor: str = "default") -> None:
        """Run `func(*args)` every `seconds`, first at `first_run` (default: one interval from now;
        a moment already past means now)."""
        now = self.clock()
        start = now + timedelta(seconds=seconds) if first_run is None else max(first_run, now)
        self.add(job_id, func, IntervalTrigger(seconds=seconds, start_date=start, timezone=timezone.utc), *args,
                 executor=executor)

    def add(
        self,
        job_id: str,
        func: Callable[..., Any],
        trigger: BaseTrigger,
        *args: Any,
        misfire_grace_time: int | None = DEFAULT_MISFIRE_GRACE_SECONDS,
        executor: str = "default",
    ) -> None:
        """Add or replace a job; `executor=FANOUT_EXECUTOR` for long fan-outs."""
        first = trigger.get_next_fire_time(None, self.clock())
        if first is None:
            self.cancel(job_id)  # a trigger that never fires again: nothing to keep
            return
        self.scheduler.add_job(
            func,
            trigger=trigger,
            args=list(args),
            id=job_id,
            name=job_id,
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=misfire_grace_time,
            executor=executor,
            next_run_time=first,
        )

    def cancel(self, job_id: str) -> bool:
        """Remove a job; False when there was none."""
        try:
            self.scheduler.remove_job(job_id)
        except JobLookupError:
            return False
        return True

    def cancel_workspace(self, team_id: str) -> int:
        """Remove every stored job for one workspace (jobs for a workspace take its team_id first)."""
        cancelled = 0
        for job in self.scheduler.get_jobs():
            if job.args and job.args[0] == team_id and self.cancel(job.id):
                cancelled += 1
        return cancelled

    def next_run(self, job_id: str) -> datetime | None:
        job = self.scheduler.get_job(job_id)
        return None if job is None else job.next_run_time

    def ids(self) -> list[str]:
        return sorted(job.id for job in self.scheduler.get_jobs())
