"""Proposal jobs: the one reminder before closing, closing at the closing time, and the sweep that
repairs proposal messages left behind the database.

Each job may run twice (two clocks, a restart, cron overlapping a running clock): closing is a
conditional update under the proposal's row lock, and every message is claimed in the dispatch
ledger before it is sent, so whatever runs it, it happens once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError

from bot.jobs import for_workspace, runtime
from bot.runtime import Runtime
from bot.scheduler import Jobs
from bot.services import proposals
from bot.services.members import workspace_zone
from bot.slack.installations import acting_for
from bot.slack.proposals import ProposalMessages
from storage.repositories.workspaces import WorkspaceRepository

logger = logging.getLogger(__name__)

# The sweep leaves alone proposals changed this recently: a web worker is most likely updating them.
QUIET_BEFORE_REPAIR = timedelta(minutes=1)
SWEEP_SECONDS = 120
# When Slack fails a job half-way, the job runs again this much later; what was sent is not resent.
RETRY_AFTER = timedelta(minutes=15)


def close_job_id(proposal_id: int) -> str:
    return f"proposal-close:{proposal_id}"


def reminder_job_id(proposal_id: int) -> str:
    return f"proposal-remind:{proposal_id}"


def proposal_messages(rt: Runtime) -> ProposalMessages:
    return ProposalMessages(rt.client, rt.db, rt.directory, rt.sender, rt.clock)


# Scheduling -------------------------------------------------------------------------------------


def plan(jobs: Jobs, team_id: str, proposal_id: int, *, closes_at: datetime, remind_at: datetime | None) -> None:
    """Schedule the proposal's closing and its one reminder (stable IDs: planning again replaces them)."""
    # However late the clock gets to it, a proposal past its closing time must close.
    jobs.at(close_job_id(proposal_id), close_at_closing_time, closes_at, team_id, proposal_id,
            misfire_grace_time=None)
    if remind_at is not None:
        # The job itself checks the proposal is still open, so a late run is harmless.
        jobs.at(reminder_job_id(proposal_id), remind_non_responders, remind_at, team_id, proposal_id,
                misfire_grace_time=None)
    else:
        jobs.cancel(reminder_job_id(proposal_id))


def cancel(jobs: Jobs, proposal_id: int) -> None:
    jobs.cancel(close_job_id(proposal_id))
    jobs.cancel(reminder_job_id(proposal_id))


def _retry_later(rt: Runtime, job_id: str, func: Callable[..., object], *args: object,
                 before: datetime | None = None) -> None:
    at = rt.clock() + RETRY_AFTER
    if before is not None and at >= before:
        logger.warning("Not retrying %s: it would be too late", job_id)
        return
    rt.jobs.at(job_id, func, at, *args, misfire_grace_time=None)
    logger.warning("%s will be retried at %s", job_id, at.isoformat())


# Jobs -------------------------------------------------------------------------------------------


@for_workspace
def remind_non_responders(team_id: str, proposal_id: int) -> int:
    """DM, once each, the channel's members who have not taken a position (skipping bots,
    deactivated accounts, anyone away today and anyone pausing prompts); how many were sent."""
    rt = runtime()
    messages = proposal_messages(rt)
    state = messages.state(team_id, proposal_id)
    if state is None or not state.is_open or state.message_ts is None:
        return 0
    try:
        audience = [member.user_id for member in rt.directory.audience(team_id, state.channel_id)]
    except SlackApiError:
        logger.exception("Could not list who is in %s to remind them about proposal %s", state.channel_id,
                         proposal_id)
        _retry_later(rt, reminder_job_id(proposal_id), remind_non_responders, team_id, proposal_id,
                     before=state.closes_at)
        return 0
    now = rt.clock()
    with rt.db.unit_of_work() as session:
        home = workspace_zone(WorkspaceRepository(session).get(team_id), rt.home_zone)
        recipients = proposals.reminder_recipients(session, team_id, proposal_id, audience, now=now, home=home)
    if not recipients:
        return 0
    sent, failed = messages.remind(team_id, state, recipients)
    if failed:
        _retry_later(rt, reminder_job_id(proposal_id), remind_non_responders, team_id, proposal_id,
                     before=state.closes_at)
    logger.info("Reminded %d member(s) about proposal %s", sent, proposal_id)
    return sent


@for_workspace
def close_at_closing_time(team_id: str, proposal_id: int) -> bool:
    """Close the proposal if its time has come, update its message and ask the author for the outcome.

    True only for the run that closed it. A run after one that crashed half-way finishes the
    telling; the ledger keys make that once.
    """
    rt = runtime()
    now = rt.clock()
    with rt.db.unit_of_work() as session:
        closed = proposals.close_at_closing_time(session, team_id, proposal_id, now=now)
        state = closed or proposals.load_state(session, team_id, proposal_id)
    if state is None or state.status != "closed" or state.closed_by_hand or state.closed_at is None:
        return False
    rt.jobs.cancel(reminder_job_id(proposal_id))
    messages = proposal_messages(rt)
    try:
        messages.refresh(team_id, proposal_id)
        messages.tell_author_closed(team_id, state)
    except SlackApiError:
        # It is closed; telling the channel and the author is retried (and sent once).
        logger.exception("Closed proposal %s but could not tell Slack", proposal_id)
        _retry_later(rt, close_job_id(proposal_id), close_at_closing_time, team_id, proposal_id)
    return closed is not None


def refresh_unrendered() -> int:
    """Re-render proposal messages that fell behind the database (a failed update, a forgotten member).

    A standing job, like `bot.jobs.polls.refresh_unrendered`: run it every SWEEP_SECONDS.
    """
    rt = runtime()
    with rt.db.unit_of_work() as session:
        behind = proposals.unrendered(session, quiet_since=rt.clock() - QUIET_BEFORE_REPAIR)
    messages = proposal_messages(rt)
    repaired = 0
    serving = set(rt.serving([team_id for team_id, _ in behind]))
    for team_id, proposal_id in behind:
        if team_id not in serving:
            continue
        try:
            with acting_for(team_id):
                repaired += bool(messages.refresh(team_id, proposal_id))
        except Exception:
            logger.exception("Could not repair proposal %s's message", proposal_id)
    return repaired
