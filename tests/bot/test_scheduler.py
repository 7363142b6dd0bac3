"""The job store on the bot's own database: stable IDs, and nothing lost or run by the wrong process."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from bot.scheduler import Jobs, build_scheduler, start
from storage.db import Database

RUNS: list[str] = []


def record(name: str) -> None:
    """A module-level job function, as the job store needs."""
    RUNS.append(name)


def _stored(db: Database) -> dict[str, float | None]:
    with db.engine.connect() as connection:
        return {row[0]: row[1] for row in connection.execute(text("SELECT id, next_run_time FROM apscheduler_jobs"))}


def test_a_job_scheduled_twice_under_one_id_is_stored_once(db: Database) -> None:
    scheduler = build_scheduler(db.engine, "store-only")
    start(scheduler, "store-only")
    jobs = Jobs(scheduler)
    soon = datetime.now(timezone.utc) + timedelta(hours=1)
    jobs.at("poll-close:1", record, soon, "first")
    jobs.at("poll-close:1", record, soon + timedelta(hours=1), "second")
    scheduler.shutdown()
    stored = _stored(db)
    assert list(stored) == ["poll-close:1"]
    assert stored["poll-close:1"] == (soon + timedelta(hours=1)).timestamp()


def test_a_web_worker_never_runs_jobs_even_when_it_stops(db: Database) -> None:
    RUNS.clear()
    scheduler = build_scheduler(db.engine, "store-only")
    start(scheduler, "store-only")
    Jobs(scheduler).at("poll-close:2", record, datetime.now(timezone.utc) - timedelta(minutes=1), "overdue")
    scheduler.shutdown()
    assert RUNS == []
    assert "poll-close:2" in _stored(db), "the clock must still find the job"


def test_the_once_scheduler_runs_what_is_due_and_keeps_the_rest(db: Database) -> None:
    RUNS.clear()
    writer = build_scheduler(db.engine, "store-only")
    start(writer, "store-only")
    jobs = Jobs(writer)
    now = datetime.now(timezone.utc)
    jobs.at("due", record, now - timedelta(minutes=5), "due")
    jobs.at("later", record, now + timedelta(days=1), "later")
    jobs.at("too-late", record, now - timedelta(days=2), "too-late")
    jobs.at("late-but-must-run", record, now - timedelta(days=2), "late-but-must-run", misfire_grace_time=None)
    writer.shutdown()

    start(build_scheduler(db.engine, "once"), "once")
    assert sorted(RUNS) == ["due", "late-but-must-run"]
    assert set(_stored(db)) == {"later"}


def test_cancelling_a_job_that_is_not_there_is_fine(db: Database) -> None:
    scheduler = build_scheduler(db.engine, "store-only")
    start(scheduler, "store-only")
    jobs = Jobs(scheduler)
    assert jobs.cancel("nothing:here") is False
    jobs.at("something", record, datetime.now(timezone.utc) + timedelta(hours=1), "x")
    assert jobs.ids() == ["something"]
    assert jobs.cancel("something") is True
    scheduler.shutdown()


def cancel_the_other(job_id: str) -> None:
    """A job that changes the schedule while it runs, as closing a poll cancels its reminder."""
    RUNS.append(f"cancelled {job_id}")
    assert SCHEDULERS, "no scheduler to cancel with"
    Jobs(SCHEDULERS[-1]).cancel(job_id)


SCHEDULERS: list = []


def test_the_once_scheduler_finishes_a_job_that_cancels_another(db: Database) -> None:
    RUNS.clear()
    writer = build_scheduler(db.engine, "store-only")
    start(writer, "store-only")
    now = datetime.now(timezone.utc)
    Jobs(writer).at("poll-close:3", cancel_the_other, now - timedelta(minutes=1), "poll-remind:3")
    Jobs(writer).at("poll-remind:3", record, now + timedelta(days=1), "reminder")
    writer.shutdown()

    once = build_scheduler(db.engine, "once")
    SCHEDULERS.append(once)
    runner = threading.Thread(target=start, args=(once, "once"), daemon=True)
    runner.start()
    runner.join(timeout=20)
    SCHEDULERS.clear()
    assert not runner.is_alive(), "clock --once hung on a job that changed the schedule"
    assert RUNS == ["cancelled poll-remind:3"]
    assert _stored(db) == {}
