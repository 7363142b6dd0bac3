"""Jobs every scheduler keeps, whatever the workspaces have configured."""

from __future__ import annotations

from bot.jobs import housekeeping, prompts
from bot.scheduler import FANOUT_EXECUTOR, WAKE_INTERVAL_SECONDS, Jobs


def install(jobs: Jobs) -> None:
    """Add (or refresh) the standing jobs; safe to call at every start."""
    jobs.every("housekeeping:wake", housekeeping.wake, WAKE_INTERVAL_SECONDS)
    jobs.every("housekeeping:prune-events", housekeeping.prune_processed_events, 3600)
    jobs.every("prompts:tick", prompts.tick, prompts.TICK_SECONDS, executor=FANOUT_EXECUTOR)
