"""Posting the weekly digest exactly once per period, whatever restarts or extra processes do.

Each period's digest is claimed with a row (unique per workspace and period) before it is
posted, and the row is marked posted afterwards. The message carries metadata naming its period,
so if a process dies between posting and recording, whoever finds the stale claim looks in the
channel before posting again.
"""

from __future__ import annotations

import enum
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from slack_sdk.errors import SlackApiError

from bot import areas
from bot.jobs import for_workspace, runtime
from bot.runtime import Runtime
from bot.services import digest as digests
from bot.services.digest import CATCH_UP_GRACE, DigestContext, Period, Schedule
from bot.slack.installations import acting_for
from bot.slack.links import message_linker
from bot.slack.messages import find_posted as find_message
from bot.slack.messages import outcome_unknown
from bot.views import digest as digest_view
from storage.models import DigestRun
from storage.repositories.digest import DigestRepository
from storage.repositories.workspaces import WorkspaceRepository

logger = logging.getLogger(__name__)

METADATA_EVENT = "convene_digest"
# A claim this old belongs to a process that died while posting (posting takes seconds).
STALE_CLAIM = timedelta(minutes=10)


class Outcome(enum.Enum):
    POSTED = "posted"
    ALREADY_POSTED = "already posted"
    IN_PROGRESS = "being posted by another process"
    NO_CHANNEL = "no channel"
    FAILED = "failed"


@dataclass(frozen=True)
class Published:
    outcome: Outcome
    period: Period
    channel_id: str | None = None
    ts: str | None = None
    error: str | None = None


def job_id(team_id: str) -> str:
    return f"digest:{team_id}"


@for_workspace
def post_due_digest(team_id: str) -> None:
    """The weekly job: post the period that has just ended."""
    rt = runtime()
    with rt.db.unit_of_work() as session:
        schedule = digests.schedule_for(session, team_id, home=rt.home_zone, default_channel=rt.settings.convene_channel)
    if not schedule.enabled:
        return
    now = rt.clock()
    period = digests.last_due_period(schedule, now)
    if now - period.end > CATCH_UP_GRACE:
        logger.warning("Digest for %s (%s) is more than %s late; not posting it", team_id, period.key, CATCH_UP_GRACE)
        return
    result = publish(rt, team_id, period, schedule=schedule)
    if result.outcome in (Outcome.FAILED, Outcome.NO_CHANNEL):
        logger.warning("Digest for %s (%s) not posted: %s %s", team_id, period.key, result.outcome.value,
                       result.error or "")


def catch_up() -> None:
    """Every few minutes: post any digest missed while Convene was down, and keep each
    workspace's weekly job in the store."""
    rt = runtime()
    with rt.db.unit_of_work() as session:
        team_ids = WorkspaceRepository(session).all_team_ids()
    for team_id in rt.serving(team_ids):
        try:
            with acting_for(team_id):
                _catch_up_one(rt, team_id)
        except Exception:
            logger.exception("Digest catch-up failed for %s", team_id)


def _catch_up_one(rt: Runtime, team_id: str) -> None:
    with rt.db.unit_of_work() as session:
        schedule = digests.schedule_for(session, team_id, home=rt.home_zone, default_channel=rt.settings.convene_channel)
        workspace = WorkspaceRepository(session).get(team_id)
        period = digests.last_due_period(schedule, rt.clock())
        run = DigestRepository(session).run(team_id, period.key)
    if rt.jobs.next_run(job_id(team_id)) is None:
        install(rt, team_id, schedule)
    if not schedule.enabled or (run is not None and run.status == "posted"):
        return
    if workspace is None or workspace.created_at > period.end:
        return  # Convene arrived after that period ended: nothing to sum up
    if rt.clock() - period.end <= CATCH_UP_GRACE:
        publish(rt, team_id, period, schedule=schedule)


def install(rt: Runtime, team_id: str, schedule: Schedule) -> None:
    """(Re)write the workspace's weekly job to match its schedule; remove it when the digest is off."""
    if not schedule.enabled:
        rt.jobs.cancel(job_id(team_id))
        return
    trigger = CronTrigger(day_of_week=schedule.weekday, hour=schedule.hour, minute=schedule.minute,
                          timezone=schedule.zone)
    rt.jobs.add(job_id(team_id), post_due_digest, trigger, team_id,
                misfire_grace_time=int(CATCH_UP_GRACE.total_seconds()))


def publish(rt: Runtime, team_id: str, period: Period, *, schedule: Schedule,
            requested_by: str | None = None) -> Published:
    """Post `period`'s digest unless it has been posted (or is being posted) already."""
    channel_id = schedule.channel_id
    if not channel_id:
        return Published(Outcome.NO_CHANNEL, period)
    token = str(uuid.uuid4())
    now = rt.clock()
    with rt.db.unit_of_work() as session:
        repo = DigestRepository(session)
        claimed = repo.claim(team_id, period.key, start=period.start, end=period.end, token=token, now=now,
                             channel_id=channel_id, requested_by=requested_by)
        run = repo.run(team_id, period.key)
        assert run is not None
    if not claimed:
        earlier = _resolve_existing(rt, run, period, token=token, channel_id=channel_id)
        if earlier is not None:
            return earlier

    with rt.db.unit_of_work() as session:
        context = DigestContext(team_id=team_id, period=period, now=now, zone=schedule.zone)
        built = digests.build_digest(session, context, areas.DIGEST_SECTIONS)
    blocks = digest_view.digest_blocks(built, link_for=message_linker(rt.client))
    try:
        response = rt.client.chat_postMessage(
            channel=channel_id,
            text=digest_view.digest_text(built),
            blocks=blocks,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"team_id": team_id, "period": period.key}},
            unfurl_links=False,
            unfurl_media=False,
        )
    except SlackApiError as error:
        code = str(error.response.get("error"))
        # When the post may have gone through, the claim stays: whoever finds it stale looks first.
        if not (outcome_unknown(error) or code == "ratelimited"):
            with rt.db.unit_of_work() as session:
                DigestRepository(session).mark_failed(run.id, token=token, error=code)
        logger.warning("Posting the digest for %s (%s) failed: %s", team_id, period.key, code)
        return Published(Outcome.FAILED, period, channel_id, error=code)
    with rt.db.unit_of_work() as session:
        DigestRepository(session).mark_posted(run.id, token=token, channel_id=response["channel"],
                                              ts=response["ts"], now=rt.clock())
    return Published(Outcome.POSTED, period, response["channel"], response["ts"])


def _resolve_existing(rt: Runtime, run: DigestRun, period: Period, *, token: str, channel_id: str) -> Published | None:
    """Somebody claimed this period first. None when we have taken the claim over and should post."""
    if run.status == "posted":
        return Published(Outcome.ALREADY_POSTED, period, run.channel_id, run.ts)
    if run.status == "claimed":
        if rt.clock() - run.claimed_at < STALE_CLAIM:
            return Published(Outcome.IN_PROGRESS, period, run.channel_id)
        found = find_posted(rt, run.channel_id or channel_id, period, since=run.claimed_at)
        if found is not None:
            with rt.db.unit_of_work() as session:
                DigestRepository(session).mark_found(run.id, channel_id=run.channel_id or channel_id, ts=found,
                                                     now=rt.clock())
            return Published(Outcome.ALREADY_POSTED, period, run.channel_id or channel_id, found)
    with rt.db.unit_of_work() as session:
        took = DigestRepository(session).take_over(run.id, expected_token=run.claim_token, token=token,
                                                   now=rt.clock(), channel_id=channel_id)
    if not took:
        return Published(Outcome.IN_PROGRESS, period, channel_id)
    return None


def find_posted(rt: Runtime, channel_id: str, period: Period, *, since: datetime) -> str | None:
    """The ts of this period's digest if it is in the channel already (posted by a process that died)."""
    found = find_message(rt.client, channel_id, event_type=METADATA_EVENT, payload={"period": period.key},
                         since=since)
    return None if found is None else found["ts"]
