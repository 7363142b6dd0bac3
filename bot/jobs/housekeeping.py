"""Jobs that keep the clock awake and the ledger small."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.jobs import runtime
from storage.repositories.ledger import EventLedger

logger = logging.getLogger(__name__)

# Slack retries an event for a few minutes at most; a week is a generous margin.
KEEP_EVENTS_FOR = timedelta(days=7)


def wake() -> None:
    """Does nothing: running every few seconds makes the clock re-read the job store."""


def prune_processed_events() -> None:
    """Forget events old enough that Slack will never retry them."""
    rt = runtime()
    with rt.db.unit_of_work() as session:
        removed = EventLedger(session).prune(before=rt.clock() - KEEP_EVENTS_FOR)
    if removed:
        logger.info("Forgot %d processed events", removed)
