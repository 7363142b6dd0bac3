"""Poll jobs: the reminder before the deadline, closing at the deadline, the day-before reminder,
and the sweep that repairs poll messages left behind the database.

Each job may run twice (two clocks, a restart): closing is a conditional update, and every
message is claimed in the dispatch ledger before it is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError

from bot.jobs import for_workspace, runtime
from bot.runtime import Runtime
from bot.scheduler import Jobs
from bot.services import polls
from bot.services.members import workspace_zone
from bot.slack.installations import acting_for
from bot.slack.polls import PollMessages
from bot.views import polls as views
from storage.repositories.workspaces import WorkspaceRepository

logger = logging.getLogger(__name__)

# The sweep leaves alone polls changed this recently: a web worker is most likely updating them.
QUIET_BEFORE_REPAIR = timedelta(minutes=1)
SWEEP_SECONDS = 120
# When Slack fails a job half-way, the job runs again this much later; what was sent is not resent.
RETRY_AFTER = timedelta(minutes=15)


def close_job_id(poll_id: int) -> str:
    return f"poll-close:{poll_id}"


def reminder_job_id(poll_id: int) -> str:
    return f"poll-remind:{poll_id}"


def meeting_job_id(poll_id: int) -> str:
    return f"poll-meeting-reminder:{poll_id}"


def poll_messages(rt: Runtime) -> PollMessages:
    return PollMessages(rt.client, rt.db, rt.directory, rt.sender, rt.clock)


# Scheduling -------------------------------------------------------------------------------------


def plan_deadline(jobs: Jobs, team_id: str, poll_id: int, *, deadline: datetime | None,
                  remind_at: datetime | None) -> None:
    """Schedule (or cancel) the poll's closing and its reminder to those who have not answered."""
    if deadline is not None:
        # However late the clock gets to it, a poll past its deadline must close.
        jobs.at(close_job_id(poll_id), close_at_deadline, deadline, team_id, poll_id, misfire_grace_time=None)
    else:
        jobs.cancel(close_job_id(poll_id))
    if remind_at is not None:
        # The job itself checks the poll is still open, so a late run is harmless.
        jobs.at(reminder_job_id(poll_id), remind_non_voters, remind_at, team_id, poll_id, misfire_grace_time=None)
    else:
        jobs.cancel(reminder_job_id(poll_id))


def cancel_deadline(jobs: Jobs, poll_id: int) -> None:
    jobs.cancel(close_job_id(poll_id))
    jobs.cancel(reminder_job_id(poll_id))


def plan_meeting_reminder(jobs: Jobs, meeting: polls.Meeting, *, now: datetime) -> datetime | None:
    """Schedule the day-before reminder; None when the meeting is too close for one to help."""
    at = meeting.reminder_at()
    if at <= now:
        jobs.cancel(meeting_job_id(meeting.poll_id))
        return None
    jobs.at(meeting_job_id(meeting.poll_id), remind_meeting, at, meeting.team_id, meeting.poll_id,
            meeting.option_id, misfire_grace_time=None)
    return at


def cancel_all(jobs: Jobs, poll_id: int) -> None:
    cancel_deadline(jobs, poll_id)
    jobs.cancel(meeting_job_id(poll_id))


# Jobs -------------------------------------------------------------------------------------------


def _retry_later(rt: Runtime, job_id: str, func: Callable[..., object], *args: object,
                 before: datetime | None = None) -> None:
    """Run the job again after RETRY_AFTER (unless that is past `before`)."""
    at = rt.clock() + RETRY_AFTER
    if before is not None and at >= before:
        logger.warning("Not retrying %s: it would be too late", job_id)
        return
    rt.jobs.at(job_id, func, at, *args, misfire_grace_time=None)
    logger.warning("%s will be retried at %s", job_id, at.isoformat())


@for_workspace
def remind_non_voters(team_id: str, poll_id: int) -> int:
    """DM, once each, the channel's members who have not answered (skipping bots, deactivated
    accounts and anyone away today); returns how many were sent."""
    rt = runtime()
    messages = poll_messages(rt)
    state = messages.state(team_id, poll_id)
    if state is None or not state.is_open or state.message_ts is None:
        return 0
    try:
        audience = [member.user_id for member in rt.directory.audience(team_id, state.channel_id)]
    except SlackApiError:
        logger.exception("Could not list who is in %s to remind them about poll %s", state.channel_id, poll_id)
        _retry_later(rt, reminder_job_id(poll_id), remind_non_voters, team_id, poll_id, before=state.deadline)
        return 0
    now = rt.clock()
    with rt.db.unit_of_work() as session:
        home = workspace_zone(WorkspaceRepository(session).get(team_id), rt.home_zone)
        recipients = polls.reminder_recipients(session, team_id, poll_id, audience, now=now, home=home)
    if not recipients:
        return 0
    text, blocks = views.reminder_message(state, messages.permalink(state.channel_id, state.message_ts))
    sent, failed = _send_each(rt, team_id, recipients, f"poll-reminder:{poll_id}", text, blocks)
    if failed:
        _retry_later(rt, reminder_job_id(poll_id), remind_non_voters, team_id, poll_id, before=state.deadline)
    logger.info("Reminded %d member(s) about poll %s", sent, poll_id)
    return sent


def _send_each(rt: Runtime, team_id: str, user_ids: list[str], key: str, text: str,
               blocks: list[dict[str, object]]) -> tuple[int, int]:
    """DM each member once per `key`; (sent now, failed). A failed one may be sent by a retry."""
    sent = failed = 0
    for user_id in user_ids:
        try:
            if rt.sender.dm(team_id, f"{key}:{user_id}", user_id=user_id, text=text, blocks=blocks):
                sent += 1
        except SlackApiError:
            logger.exception("Could not send %s to %s", key, user_id)
            failed += 1
    return sent, failed


@for_workspace
def close_at_deadline(team_id: str, poll_id: int) -> bool:
    """Close the poll if its deadline has come, update its message and ask the creator to choose."""
    rt = runtime()
    now = rt.clock()
    with rt.db.unit_of_work() as session:
        closed = polls.close_at_deadline(session, team_id, poll_id, now=now)
        state = closed or polls.load_state(session, team_id, poll_id)
    # A run after another that crashed half-way finishes its work; the message keys make it once.
    if state is None or state.status != "closed" or state.closed_by is not None or state.closed_at is None:
        return False
    rt.jobs.cancel(reminder_job_id(poll_id))
    try:
        poll_messages(rt).refresh(team_id, poll_id)
        if state.creator_id:
            text, blocks = views.closed_message(state)
            key = f"poll-closed:{poll_id}:{int(state.closed_at.timestamp())}"
            rt.sender.dm(team_id, key, user_id=state.creator_id, text=text, blocks=blocks)
    except SlackApiError:
        # The poll is closed; telling the channel and the creator is retried (and sent once).
        logger.exception("Closed poll %s but could not tell Slack", poll_id)
        _retry_later(rt, close_job_id(poll_id), close_at_deadline, team_id, poll_id)
    return closed is not None


@for_workspace
def remind_meeting(team_id: str, poll_id: int, option_id: int) -> int:
    """The day before: DM those who said Yes or If need be to the chosen option, once each."""
    rt = runtime()
    with rt.db.unit_of_work() as session:
        meeting = polls.meeting(session, team_id, poll_id)
        coming = polls.attendees(session, team_id, poll_id, option_id)
    if meeting is None or meeting.option_id != option_id or meeting.starts_at <= rt.clock():
        return 0
    messages = poll_messages(rt)
    text, blocks = views.meeting_reminder_message(meeting, messages.permalink(meeting.channel_id, meeting.message_ts))
    sent, failed = _send_each(rt, team_id, coming, f"poll-meeting-reminder:{poll_id}:{option_id}", text, blocks)
    if failed:
        _retry_later(rt, meeting_job_id(poll_id), remind_meeting, team_id, poll_id, option_id, before=meeting.starts_at)
    return sent


def refresh_unrendered() -> int:
    """Re-render poll messages that fell behind the database (a failed update, a forgotten member)."""
    rt = runtime()
    with rt.db.unit_of_work() as session:
        behind = polls.unrendered(session, quiet_since=rt.clock() - QUIET_BEFORE_REPAIR)
    messages = poll_messages(rt)
    repaired = 0
    serving = set(rt.serving([team_id for team_id, _ in behind]))
    for team_id, poll_id in behind:
        if team_id not in serving:
            continue
        try:
            with acting_for(team_id):
                repaired += bool(messages.refresh(team_id, poll_id))
        except Exception:
            logger.exception("Could not repair poll %s's message", poll_id)
    return repaired
