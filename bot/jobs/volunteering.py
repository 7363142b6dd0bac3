"""Calls for volunteers close by themselves at their deadline."""

from __future__ import annotations

import logging

from bot.jobs import for_workspace, runtime
from bot.scheduler import Jobs
from bot.services.volunteering import CallState, close_at_deadline
from bot.slack.volunteer_calls import VolunteerCalls

logger = logging.getLogger(__name__)


def job_id(call_id: int) -> str:
    return f"volunteer-close:{call_id}"


def schedule_close(jobs: Jobs, call: CallState) -> None:
    """Close the call at its deadline; no job while it is closed or has no deadline."""
    if call.is_open and call.deadline is not None:
        # However late the clock runs it, the call must still close.
        jobs.at(job_id(call.id), close_call_at_deadline, call.deadline, call.team_id, call.id, misfire_grace_time=None)
    else:
        jobs.cancel(job_id(call.id))


@for_workspace
def close_call_at_deadline(team_id: str, call_id: int) -> None:
    """Close the call if its deadline has come and say so. Safe to run twice, or after it filled."""
    rt = runtime()
    calls = VolunteerCalls(rt.client, rt.db, rt.sender)
    with rt.db.unit_of_work() as session:
        state, closed = close_at_deadline(session, team_id, call_id, now=rt.clock())
    if state is None or state.close_reason != "deadline":
        return
    if closed:
        try:
            state = calls.refresh(team_id, call_id)
        except Exception:
            # The call is closed either way; the thread reply below still tells the channel.
            logger.exception("Could not update the message of volunteer call %s", call_id)
    calls.announce_closed(state)
