"""Jobs that keep the clock awake and the ledger small."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta

from bot.jobs import runtime
from bot.liveness import forget_dead
from bot.services.issues import FORM_LIFETIME
from storage.repositories.issues import IssueRepository
from storage.repositories.ledger import DispatchLedger, EventLedger

logger = logging.getLogger(__name__)

# Slack retries an event for a few minutes at most; a week is a generous margin.
KEEP_EVENTS_FOR = timedelta(days=7)
# Every job that claims a dispatch runs within days of it (a poll's reminder, a week's nudge);
# half a year on, nothing will ask for the same key again.
KEEP_DISPATCHES_FOR = timedelta(days=180)


def wake() -> None:
    """Does nothing: running every few seconds makes the clock re-read the job store."""


def prune_processed_events() -> None:
    """Forget events old enough that Slack will never retry them."""
    rt = runtime()
    with rt.db.unit_of_work() as session:
        removed = EventLedger(session).prune(before=rt.clock() - KEEP_EVENTS_FOR)
    if removed:
        logger.info("Forgot %d processed events", removed)


def prune_dispatches() -> None:
    """Forget dispatches old enough that no job will claim the same key again."""
    rt = runtime()
    with rt.db.unit_of_work() as session:
        removed = DispatchLedger(session).prune(before=rt.clock() - KEEP_DISPATCHES_FOR)
    if removed:
        logger.info("Forgot %d old dispatches", removed)


def prune_heartbeats() -> None:
    """Forget the heartbeats of processes that died without removing theirs (hourly is plenty)."""
    rt = runtime()
    with rt.db.unit_of_work() as session:
        removed = forget_dead(session, now=rt.clock(), hostname=socket.gethostname())
    if removed:
        logger.info("Forgot %d heartbeat(s) of processes that are gone", removed)


def prune_issue_forms() -> None:
    """Forget issue forms left open longer than a form is kept (who they were for, whose message)."""
    rt = runtime()
    with rt.db.unit_of_work() as session:
        removed = IssueRepository(session).prune_all_forms(before=rt.clock() - FORM_LIFETIME)
    if removed:
        logger.info("Forgot %d issue forms left open", removed)
