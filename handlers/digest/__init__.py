"""`/digest`: preview, post now, schedule and channel of the weekly digest (coordinators)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import areas
from bot.areas import DigestContext
from bot.jobs import digest as digest_jobs
from bot.runtime import Runtime
from bot.services import digest as digests
from bot.services.digest import CATCH_UP_GRACE, Schedule
from bot.services.errors import InvalidInput
from bot.slack.digest import DigestMessages, Outcome, Published
from bot.slack.links import message_linker
from bot.text import channel_id_from, subcommand
from bot.views import digest as digest_view
from bot.views import help as help_view
from handlers.common import dm_teller, ephemeral, telling
from handlers.context import Asking, asking
from storage.repositories.digest import DigestRepository

logger = logging.getLogger(__name__)

COMMANDS = ("/digest",)


def register(app: App, runtime: Runtime) -> None:
    handler = DigestHandlers(runtime)
    app.command("/digest")(handler.command)
    app.action(digest_view.PREVIEW_ACTION)(handler.preview_from_home)


class DigestHandlers:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.messages = DigestMessages(runtime.client, runtime.db, runtime.clock, areas.DIGEST_SECTIONS)

    def command(self, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient,
                context: BoltContext) -> None:
        sub = subcommand(command.get("text", ""))
        if sub.name == "help":
            ack(text=help_view.command_help_text("/digest"), blocks=help_view.command_help_blocks("/digest"))
            return
        routes = {
            "": self._status,
            "status": self._status,
            "preview": self._preview,
            "now": self._now,
            "schedule": self._schedule,
            "channel": self._channel,
        }
        route = routes.get(sub.name)
        if route is None:
            ack(text=f"/digest has no {sub.name}", blocks=help_view.unknown_subcommand_blocks("/digest", sub.name))
            return
        ack()
        team_id, user_id = command["team_id"], command["user_id"]
        with telling(respond, f"/digest {sub.name}"):
            if not digests.open_to_everyone(sub.name):
                asking(context).require_coordinator(f"use /digest {sub.name}", looked_after=digests.LOOKED_AFTER)
            route(team_id, user_id, sub.rest, respond, asking(context))

    def _schedule_now(self, team_id: str) -> Schedule:
        with self.rt.db.unit_of_work() as session:
            return digests.schedule_for(session, team_id, home=self.rt.home_zone,
                                        default_channel=self.rt.settings.convene_channel)

    def _status(self, team_id: str, user_id: str, rest: str, respond: Respond, who: Asking) -> None:
        schedule = self._schedule_now(team_id)
        with self.rt.db.unit_of_work() as session:
            last = DigestRepository(session).last_posted(team_id)
        next_due = digests.current_period(schedule, self.rt.clock()).end
        last_posted = digest_view.period_label(digests.period_ending(schedule, last.period_end)) if last else None
        ephemeral(respond, f"Weekly digest: {schedule.describe()}",
                  digest_view.schedule_blocks(schedule, next_due=int(next_due.timestamp()), last_posted=last_posted))

    def _this_periods_digest(self, team_id: str) -> tuple[digests.Digest, Schedule]:
        """The digest as it would be posted now, and the schedule saying where."""
        schedule = self._schedule_now(team_id)
        now = self.rt.clock()
        period = digests.current_period(schedule, now)
        with self.rt.db.unit_of_work() as session:
            built = areas.build_digest(session, DigestContext(team_id, period, now, schedule.zone),
                                       areas.DIGEST_SECTIONS)
        return built, schedule

    def _preview(self, team_id: str, user_id: str, rest: str, respond: Respond, who: Asking) -> None:
        built, schedule = self._this_periods_digest(team_id)
        blocks = digest_view.preview_blocks(built, channel_id=schedule.channel_id,
                                            link_for=message_linker(self.rt.client))
        respond(text=digest_view.digest_text(built), blocks=blocks, response_type="ephemeral", replace_original=False)

    def preview_from_home(self, ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        """The App Home's *Digest preview*: what `/digest preview` shows, in a modal (a coordinator's)."""
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(dm_teller(client, user_id), "previewing the digest from the App Home"):
            asking(context).require_coordinator("preview the digest", looked_after=digests.LOOKED_AFTER)
            self.messages.preview(body["trigger_id"], lambda: self._this_periods_digest(team_id))

    def _now(self, team_id: str, user_id: str, rest: str, respond: Respond, who: Asking) -> None:
        schedule = self._schedule_now(team_id)
        now = self.rt.clock()
        overdue = digests.last_due_period(schedule, now)
        with self.rt.db.unit_of_work() as session:
            overdue_run = DigestRepository(session).run(team_id, overdue.key)
        missed = (overdue_run is None or overdue_run.status != "posted") and now - overdue.end <= CATCH_UP_GRACE
        period = overdue if missed else digests.current_period(schedule, now)
        result = self.messages.publish(team_id, period, schedule=schedule, requested_by=user_id)
        ephemeral(respond, _outcome_text(result, schedule, early=not missed))

    def _schedule(self, team_id: str, user_id: str, rest: str, respond: Respond, who: Asking) -> None:
        coordinator = who.is_coordinator  # before any transaction: it may look the member up
        word = rest.strip().lower()
        with self.rt.db.unit_of_work() as session:
            if word in ("off", "on"):
                digests.change_schedule(session, team_id, user_id, now=self.rt.clock(),
                                        acting_is_coordinator=coordinator,
                                        enabled=word == "on")
            else:
                weekday, hour, minute = digests.parse_schedule(rest)
                digests.change_schedule(session, team_id, user_id, now=self.rt.clock(),
                                        acting_is_coordinator=coordinator,
                                        weekday=weekday, hour=hour, minute=minute, enabled=True)
        schedule = self._schedule_now(team_id)
        digest_jobs.install(self.rt, team_id, schedule)
        next_due = digests.current_period(schedule, self.rt.clock()).end if schedule.enabled else None
        ephemeral(respond, digest_view.schedule_changed_text(schedule, next_due=next_due))

    def _channel(self, team_id: str, user_id: str, rest: str, respond: Respond, who: Asking) -> None:
        coordinator = who.is_coordinator  # before any transaction: it may look the member up
        channel_id = channel_id_from(rest)
        if channel_id is None:
            raise InvalidInput("Name the channel with #.", example="/digest channel #wg-commissioning")
        with self.rt.db.unit_of_work() as session:
            digests.change_schedule(session, team_id, user_id, now=self.rt.clock(),
                                    acting_is_coordinator=coordinator, channel_id=channel_id)
        ephemeral(respond, f":white_check_mark: The weekly digest will be posted in <#{channel_id}>. "
                           "Make sure Convene is in that channel (`/invite @Convene`).")


def _outcome_text(result: Published, schedule: Schedule, *, early: bool) -> str:
    label = digest_view.period_label(result.period)
    outcome = Outcome
    if result.outcome is outcome.POSTED:
        text = f":white_check_mark: Posted the digest for {label} in <#{result.channel_id}>."
        if early:
            text += " That is this week's digest: the scheduled one will not be posted again."
        return text
    if result.outcome is outcome.ALREADY_POSTED:
        return f"The digest for {label} was already posted in <#{result.channel_id}>; there is one digest a week."
    if result.outcome is outcome.IN_PROGRESS:
        return f"The digest for {label} is being posted right now."
    if result.outcome is outcome.NO_CHANNEL:
        return "There is no channel to post the digest in yet. Pick one with `/digest channel #wg-commissioning`."
    if result.error in ("not_in_channel", "channel_not_found"):
        return f":warning: I couldn't post in <#{schedule.channel_id}>: please `/invite @Convene` there and try again."
    return f":warning: Slack would not take the digest ({result.error}). Please try again in a few minutes."
