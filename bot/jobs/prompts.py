"""Sending prompts: the standing tick that delivers each member's prompt at their own local time,
`/prompt send now`'s fan-out, and nudges.

Every send is claimed first with a delivery row whose uniqueness (one per prompt, member and period)
the database enforces, so a job run twice, or by two clocks, sends nothing twice. These jobs run on
the scheduler's fan-out executor: a long fan-out waiting out Slack's 429s never holds up other jobs.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot.jobs import for_workspace, runtime
from bot.runtime import Runtime
from bot.scheduler import FANOUT_EXECUTOR
from bot.services import prompts as service
from bot.services.members import member_zone, workspace_zone
from bot.services.workspaces import group_settings
from bot.slack.client import ShuttingDown
from bot.slack.installations import acting_for
from bot.slack.messages import post_findable
from bot.views import prompts as view
from storage.models import Member, PromptRound
from storage.repositories.prompts import DeliveryRepository, PromptRepository, PromptSettingsRepository, RoundRepository
from storage.repositories.workspaces import WorkspaceRepository

logger = logging.getLogger(__name__)

# Often enough that a prompt arrives within two minutes of the member's scheduled time.
TICK_SECONDS = 120
# DMs in flight at once during a fan-out. Slack's 429s are waited out by the client; a few
# parallel sends keep a large group's fan-out short without hammering Slack.
FANOUT_WORKERS = 4
# How many workspaces' scheduled prompts go out at once (each with its own FANOUT_WORKERS).
WORKSPACES_AT_ONCE = 8
# Slack errors that will not go away by trying again.
PERMANENT_ERRORS = frozenset({
    "user_not_found", "cannot_dm_bot", "user_disabled", "account_inactive", "channel_not_found",
    "is_archived", "restricted_action", "user_not_visible", "not_allowed_token_type", "invalid_auth",
    "missing_scope", "team_access_not_granted",
})


# ---- Jobs (module-level, taking IDs, so the job store can keep them) -------------------------------


def tick() -> None:
    """The standing job: scheduled prompts at each member's local time, unfinished fan-outs, nudges."""
    rt = runtime()
    now = rt.clock()
    with rt.db.unit_of_work() as session:
        team_ids = PromptSettingsRepository(session).scheduled_team_ids()
        manual = [(r.team_id, r.id) for r in RoundRepository(session).manual_since(now - service.DELIVERY_GRACE)]
    # Workspaces side by side: each has its own rate limits at Slack, so one group's round never
    # waits behind another's.
    serving_scheduled = rt.serving(team_ids)
    if serving_scheduled:
        with ThreadPoolExecutor(max_workers=min(WORKSPACES_AT_ONCE, len(serving_scheduled)),
                                thread_name_prefix="prompt-workspaces") as pool:
            list(pool.map(lambda team_id: _deliver_scheduled_in(rt, team_id, now=now), serving_scheduled))
    serving = set(rt.serving([team_id for team_id, _ in manual]))
    for team_id, round_id in manual:
        if team_id not in serving:
            continue
        try:
            with acting_for(team_id):
                _deliver_manual(rt, team_id, round_id)
        except Exception:
            logger.exception("Could not finish sending prompt round %s in %s", round_id, team_id)
    try:
        send_nudges(rt, now=now)
    except Exception:
        logger.exception("Could not send prompt nudges")


def _deliver_scheduled_in(rt: Runtime, team_id: str, *, now: datetime) -> None:
    try:
        with acting_for(team_id):
            deliver_scheduled(rt, team_id, now=now)
    except Exception:
        logger.exception("Could not deliver scheduled prompts in %s", team_id)


@for_workspace
def deliver_round(team_id: str, round_id: int) -> None:
    """`/prompt send now`: send the round's prompt to every available member, then tell the coordinator."""
    rt = runtime()
    result = _deliver_manual(rt, team_id, round_id)
    if result is None:
        return
    if result.outcome["interrupted"]:
        # The process is stopping: the next start finishes the round (or, failing that, the tick does).
        rt.resume_later(round_job_id(round_id), deliver_round, team_id, round_id, executor=FANOUT_EXECUTOR)
        logger.info("Prompt round %s in %s: %d deliveries left for the next start", round_id, team_id,
                    result.outcome["interrupted"])
        return
    with rt.db.unit_of_work() as session:
        round_ = RoundRepository(session).get(round_id)
        prompt = PromptRepository(session).get(round_.prompt_id) if round_ else None
        counts = DeliveryRepository(session).round_counts(round_id)
    if round_ is None or prompt is None or round_.started_by is None:
        return
    text = view.round_report_text(prompt.number, counts, left_out=result.left_out)
    try:
        rt.sender.dm(team_id, f"prompt-round-report:{round_id}", user_id=round_.started_by, text=text)
    except SlackApiError as error:
        logger.warning("Could not tell %s how round %s went: %s", round_.started_by, round_id,
                       error.response.get("error"))


def round_job_id(round_id: int) -> str:
    return f"prompts:round:{round_id}"


# ---- Scheduled delivery -------------------------------------------------------------------------------


def _home(rt: Runtime, team_id: str) -> ZoneInfo:
    with rt.db.unit_of_work() as session:
        return workspace_zone(WorkspaceRepository(session).get(team_id), rt.home_zone)


def _audience(rt: Runtime, team_id: str) -> list[Member] | None:
    """The members of the group's channel Convene may message; None when the group has no channel."""
    with rt.db.unit_of_work() as session:
        channel_id = group_settings(session, team_id, now=rt.clock(), default_channel=rt.settings.convene_channel,
                                    default_timezone=rt.settings.convene_timezone).channel_id
    if channel_id is None:
        logger.warning("Prompts in %s have no channel to take their audience from: set one with /convene settings",
                       team_id)
        return None
    return rt.directory.audience(team_id, channel_id)


def deliver_scheduled(rt: Runtime, team_id: str, *, now: datetime) -> Counter[str]:
    """Send this period's prompt to each member whose own local delivery moment has come."""
    outcome: Counter[str] = Counter()
    with rt.db.unit_of_work() as session:
        schedule = service.Schedule.of(PromptSettingsRepository(session).get(team_id))
    days = schedule.days_due_somewhere(now)
    if not days:
        return outcome  # nobody on Earth is due: no need to ask Slack who is in the channel
    audience = _audience(rt, team_id)
    if not audience:
        return outcome
    home = _home(rt, team_id)
    zones = [(member.user_id, member_zone(member, home)) for member in audience]
    for day in days:
        due = service.due_recipients(schedule, day, zones, now=now)
        if not due:
            continue
        with rt.db.unit_of_work() as session:
            free = set(service.available(session, team_id, [r.user_id for r in due], at=now, home=home))
        due = [r for r in due if r.user_id in free]
        if not due:
            continue
        with rt.db.unit_of_work() as session:
            round_ = service.scheduled_round(session, team_id, day, now=now)
            if round_ is None:
                logger.warning("Prompts in %s are scheduled but every prompt is retired", team_id)
                continue
            done = DeliveryRepository(session).user_ids_in_round(round_)
        outcome += fan_out(rt, round_, [r for r in due if r.user_id not in done])
    return outcome


# ---- /prompt send now -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ManualResult:
    outcome: Counter[str]
    left_out: int


def _deliver_manual(rt: Runtime, team_id: str, round_id: int) -> ManualResult | None:
    with rt.db.unit_of_work() as session:
        round_ = RoundRepository(session).get(round_id)
    if round_ is None or round_.kind != "manual":
        return None
    audience = _audience(rt, team_id)
    if audience is None:
        return None
    home = _home(rt, team_id)
    now = rt.clock()
    with rt.db.unit_of_work() as session:
        free = service.available(session, team_id, [m.user_id for m in audience], at=now, home=home)
        done = DeliveryRepository(session).user_ids_in_round(round_)
    recipients = [service.Recipient(user_id, round_.started_at) for user_id in free if user_id not in done]
    return ManualResult(fan_out(rt, round_, recipients), left_out=len(audience) - len(free))


# ---- Fan-out ---------------------------------------------------------------------------------------


def fan_out(rt: Runtime, round_: PromptRound, recipients: Sequence[service.Recipient]) -> Counter[str]:
    """DM the round's prompt to each recipient, a few at a time; counts of sent / skipped / failed."""
    if not recipients:
        return Counter()
    with ThreadPoolExecutor(max_workers=min(FANOUT_WORKERS, len(recipients)),
                            thread_name_prefix=f"prompt-round-{round_.id}") as pool:
        results = list(pool.map(lambda recipient: _deliver_one(rt, round_, recipient), recipients))
    outcome = Counter(results)
    logger.info("Prompt round %s in %s: %s", round_.id, round_.team_id, dict(outcome))
    return outcome


def _deliver_one(rt: Runtime, round_: PromptRound, recipient: service.Recipient) -> str:
    """Claim, send, record. 'sent', 'taken' (someone else has it), 'failed' or 'interrupted' (left for later)."""
    if rt.stopping.is_set():
        return "interrupted"
    with rt.db.unit_of_work() as session:
        delivery_id = DeliveryRepository(session).claim(round_, recipient.user_id, due_at=recipient.due_at,
                                                        now=rt.clock())
    if delivery_id is None:
        return "taken"
    text, blocks = view.prompt_message(delivery_id, round_.question, kind=round_.kind)
    try:
        # Posting to a user ID lands in the app's DM with them: one call instead of two. The pool's
        # threads act for the round's workspace.
        with acting_for(round_.team_id):
            response = post_findable(rt.client, channel=recipient.user_id, text=text, blocks=blocks,
                                     event_type="convene_prompt", payload={"delivery_id": delivery_id},
                                     since=rt.clock(), unfurl_links=False, unfurl_media=False)
    except ShuttingDown:
        # Slack answered 429, so nothing was posted: the next run sends it.
        with rt.db.unit_of_work() as session:
            DeliveryRepository(session).release(delivery_id)
        return "interrupted"
    except SlackApiError as error:
        code = str(error.response.get("error"))
        logger.warning("Could not send prompt round %s to %s: %s", round_.id, recipient.user_id, code)
        with rt.db.unit_of_work() as session:
            DeliveryRepository(session).mark_failed(delivery_id, error=code, permanent=code in PERMANENT_ERRORS)
        return "failed"
    except Exception as error:
        logger.exception("Could not send prompt round %s to %s", round_.id, recipient.user_id)
        with rt.db.unit_of_work() as session:
            DeliveryRepository(session).mark_failed(delivery_id, error=repr(error), permanent=False)
        return "failed"
    with rt.db.unit_of_work() as session:
        DeliveryRepository(session).mark_sent(delivery_id, channel_id=response["channel"], ts=response["ts"],
                                              now=rt.clock())
    return "sent"


# ---- Nudges ----------------------------------------------------------------------------------------


def send_nudges(rt: Runtime, *, now: datetime) -> int:
    """One nudge to each member whose prompt has waited N days unanswered; returns how many went."""
    zones: dict[str, ZoneInfo] = {}
    chosen = []
    with rt.db.unit_of_work() as session:
        candidates = service.nudge_candidates(session, now=now,
                                              nudge_days=PromptSettingsRepository(session).nudge_days())
        for delivery in candidates:
            if delivery.team_id not in zones:
                zones[delivery.team_id] = workspace_zone(WorkspaceRepository(session).get(delivery.team_id),
                                                         rt.home_zone)
            if service.should_nudge(session, delivery, now=now, home=zones[delivery.team_id]):
                chosen.append((delivery.team_id, delivery.id, delivery.channel_id,
                               service.delivery_question(session, delivery)))
    sent = 0
    serving = set(rt.serving(list(zones)))
    for team_id, delivery_id, channel_id, question in chosen:
        if rt.stopping.is_set():
            break  # the next tick sends the rest
        if team_id in serving:
            with acting_for(team_id):
                sent += _nudge_one(rt, delivery_id, channel_id, question)
    return sent


def _nudge_one(rt: Runtime, delivery_id: int, channel_id: str | None, question: str) -> int:
    with rt.db.unit_of_work() as session:
        if not DeliveryRepository(session).claim_nudge(delivery_id, now=rt.clock()):
            return 0
    if channel_id is None:
        return 0
    text, blocks = view.nudge_message(delivery_id, question)
    try:
        response = rt.client.chat_postMessage(channel=channel_id, text=text, blocks=blocks, unfurl_links=False,
                                              unfurl_media=False)
    except ShuttingDown:
        with rt.db.unit_of_work() as session:
            DeliveryRepository(session).release_nudge(delivery_id)  # not sent: the next tick sends it
        return 0
    except SlackApiError as error:
        # Slack refused it outright, so it was not sent: let the next tick try once more.
        logger.warning("Could not nudge about delivery %s: %s", delivery_id, error.response.get("error"))
        with rt.db.unit_of_work() as session:
            DeliveryRepository(session).release_nudge(delivery_id)
        return 0
    with rt.db.unit_of_work() as session:
        DeliveryRepository(session).mark_nudged(delivery_id, ts=response["ts"], now=rt.clock())
    return 1
