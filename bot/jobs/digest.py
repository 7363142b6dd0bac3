"""When the weekly digest is due: the workspace's weekly job, and the catch-up that posts a digest
missed while Convene was down. Posting it, exactly once per period, is `bot.slack.digest`'s.
"""

from __future__ import annotations

import logging

from apscheduler.triggers.cron import CronTrigger

from bot import areas
from bot.jobs import for_workspace, runtime
from bot.runtime import Runtime
from bot.services import digest as digests
from bot.services.digest import CATCH_UP_GRACE, Period, Schedule
from bot.slack.digest import DigestMessages, Outcome, Published
from bot.slack.installations import acting_for
from storage.repositories.digest import DigestRepository
from storage.repositories.workspaces import WorkspaceRepository

# `Outcome` and `Published` are what `publish` answers; handlers read them from here.
__all__ = ["Outcome", "Published", "catch_up", "install", "job_id", "post_due_digest", "publish"]

logger = logging.getLogger(__name__)


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
    messages = DigestMessages(rt.client, rt.db, rt.clock, areas.DIGEST_SECTIONS)
    return messages.publish(team_id, period, schedule=schedule, requested_by=requested_by)
