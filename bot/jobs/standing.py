"""Jobs every scheduler keeps, whatever the workspaces have configured, on a schedule that
survives restarts.

Each standing job's last start is a row in `standing_job_runs`. A process that starts keeps the
schedule from there instead of postponing every job by a whole interval, and `clock --once`
(cron every few minutes) runs each job whose interval has passed since that moment. The row is
also the claim: of two processes that want the same run, one moves the time and the other finds
it moved, so a standing job runs once per interval however many clocks there are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.jobs import digest, housekeeping, issues, polls, prompts, proposals, runtime, workspaces
from bot.scheduler import FANOUT_EXECUTOR, WAKE_INTERVAL_SECONDS, Jobs
from storage.db import Database
from storage.repositories.processes import StandingJobRuns

if TYPE_CHECKING:
    from bot.runtime import Runtime

logger = logging.getLogger(__name__)

WAKE_JOB = "housekeeping:wake"
# A run that comes this much early still counts as due, so that cron's "every ten minutes" and a
# ten-minute job do not drift into running every twenty.
EARLY_FRACTION = 0.1
EARLY_AT_MOST = timedelta(minutes=1)


@dataclass(frozen=True)
class StandingJob:
    job_id: str
    func: Callable[[], object]
    interval: timedelta
    executor: str = "default"

    @property
    def due_after(self) -> timedelta:
        """How long after its last start the job is due again."""
        return self.interval - min(self.interval * EARLY_FRACTION, EARLY_AT_MOST)


STANDING: tuple[StandingJob, ...] = (
    StandingJob("housekeeping:prune-events", housekeeping.prune_processed_events, timedelta(hours=1)),
    StandingJob("housekeeping:prune-dispatches", housekeeping.prune_dispatches, timedelta(days=1)),
    StandingJob("housekeeping:prune-heartbeats", housekeeping.prune_heartbeats, timedelta(hours=1)),
    StandingJob("housekeeping:prune-issue-forms", housekeeping.prune_issue_forms, timedelta(days=1)),
    StandingJob("workspaces:delete-expired", workspaces.delete_expired, timedelta(hours=1)),
    StandingJob("digest:catch-up", digest.catch_up, timedelta(minutes=10)),
    StandingJob("issues:refresh-cards", issues.refresh_stale_cards, timedelta(minutes=1)),
    StandingJob("polls:repair-messages", polls.refresh_unrendered, timedelta(seconds=polls.SWEEP_SECONDS)),
    StandingJob("proposals:repair-messages", proposals.refresh_unrendered,
                timedelta(seconds=proposals.SWEEP_SECONDS)),
    StandingJob("prompts:tick", prompts.tick, timedelta(seconds=prompts.TICK_SECONDS), executor=FANOUT_EXECUTOR),
)
BY_ID = {job.job_id: job for job in STANDING}


def install(jobs: Jobs, db: Database) -> None:
    """Add (or refresh) the standing jobs for a running scheduler; safe at every start.

    Each job's next run is its last start plus its interval (now, when that has passed or it
    never ran), so restarting does not postpone anything.
    """
    with db.unit_of_work() as session:
        last = StandingJobRuns(session).last_started()
    # Only a running scheduler needs waking to see jobs web workers add to the store.
    jobs.every(WAKE_JOB, housekeeping.wake, WAKE_INTERVAL_SECONDS)
    for job in STANDING:
        started = last.get(job.job_id)
        jobs.every(job.job_id, run, job.interval.total_seconds(), job.job_id,
                   first_run=jobs.clock() if started is None else started + job.interval, executor=job.executor)


def run_due(rt: Runtime) -> list[str]:
    """`clock --once`: run every standing job whose interval has passed since it last started, one
    after another; the IDs of those that ran."""
    return [job.job_id for job in STANDING if _run(rt.db, rt.clock, job)]


def run(job_id: str) -> None:
    """The stored job behind every standing job: claim this interval's run, then do the work."""
    job = BY_ID.get(job_id)
    if job is None:
        logger.warning("Standing job %s is no longer known; it will be replaced at the next start", job_id)
        return
    rt = runtime()
    _run(rt.db, rt.clock, job)


def _run(db: Database, clock: Clock, job: StandingJob) -> bool:
    with db.unit_of_work() as session:
        if not StandingJobRuns(session).claim(job.job_id, now=clock(), interval=job.due_after):
            return False
    try:
        job.func()
    except Exception:
        logger.exception("Standing job %s failed; it runs again in %s", job.job_id, job.interval)
    finally:
        with db.unit_of_work() as session:
            StandingJobRuns(session).finish(job.job_id, now=clock())
    return True
