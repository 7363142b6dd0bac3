"""Jobs every scheduler keeps, whatever the workspaces have configured."""

from __future__ import annotations

from bot.jobs import digest, housekeeping, issues, polls, prompts
from bot.scheduler import FANOUT_EXECUTOR, WAKE_INTERVAL_SECONDS, Jobs


def install(jobs: Jobs) -> None:
    """Add (or refresh) the standing jobs; safe to call at every start."""
    jobs.every("housekeeping:wake", housekeeping.wake, WAKE_INTERVAL_SECONDS)
    jobs.every("housekeeping:prune-events", housekeeping.prune_processed_events, 3600)
    jobs.every("housekeeping:prune-dispatches", housekeeping.prune_dispatches, 24 * 3600)
    jobs.every("digest:catch-up", digest.catch_up, 600)
    jobs.every("issues:refresh-cards", issues.refresh_stale_cards, 60)
    jobs.every("polls:repair-messages", polls.refresh_unrendered, polls.SWEEP_SECONDS)
    jobs.every("prompts:tick", prompts.tick, prompts.TICK_SECONDS, executor=FANOUT_EXECUTOR)
