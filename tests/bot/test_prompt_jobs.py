"""A long prompt fan-out never keeps the scheduler's other jobs waiting."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

from bot.jobs import standing
from bot.scheduler import FANOUT_EXECUTOR, FANOUT_THREADS, Jobs, build_scheduler, start
from storage.db import Database

DEFAULT_THREADS = 8
RELEASE = threading.Event()
BUSY = threading.Semaphore(0)
OTHER_JOB_RAN = threading.Event()


def long_fan_out() -> None:
    """Stands in for a fan-out waiting out Slack's 429s."""
    BUSY.release()
    RELEASE.wait(timeout=30)


def other_job() -> None:
    OTHER_JOB_RAN.set()


def test_the_prompts_tick_is_a_standing_job_on_the_fan_out_executor(db: Database) -> None:
    scheduler = build_scheduler(db.engine, "store-only")
    start(scheduler, "store-only")
    try:
        standing.install(Jobs(scheduler), db)
        job = scheduler.get_job("prompts:tick")
        assert job is not None and job.executor == FANOUT_EXECUTOR and job.max_instances == 1
    finally:
        scheduler.shutdown()


def test_other_jobs_run_while_every_fan_out_thread_is_busy(db: Database) -> None:
    RELEASE.clear()
    OTHER_JOB_RAN.clear()
    scheduler = build_scheduler(db.engine, "background")
    jobs = Jobs(scheduler)
    start(scheduler, "background")
    try:
        now = datetime.now(timezone.utc)
        # As many fan-outs as the default pool has threads: were they on it, nothing else could run.
        for index in range(DEFAULT_THREADS):
            jobs.at(f"prompts:round:{index}", long_fan_out, now, executor=FANOUT_EXECUTOR)
        for _ in range(FANOUT_THREADS):
            assert BUSY.acquire(timeout=10), "the fan-outs did not start"
        jobs.at("poll-close:1", other_job, now + timedelta(milliseconds=10))
        assert OTHER_JOB_RAN.wait(timeout=5), "a job on the default executor waited for the fan-outs"
        # Let the scheduler's loop finish with the job (it removes it from the store) before stopping.
        deadline = time.monotonic() + 5
        while scheduler.get_job("poll-close:1") is not None and time.monotonic() < deadline:
            OTHER_JOB_RAN.wait(0.01)
    finally:
        RELEASE.set()
        scheduler.shutdown(wait=True)
