"""`/meet`: date-finding polls, their buttons and modals (`/meet suggest` is in `handlers.polls.suggest`)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.jobs import polls as poll_jobs
from bot.runtime import Runtime
from bot.services import paging, polls, workspaces
from bot.services.errors import InvalidInput, NotFound, UserFacingError
from bot.services.poll_dates import parse_deadline
from bot.slack.polls import UPDATE_SPACING_SECONDS, PollMessages, PollRefresher
from bot.text import escape, subcommand, truncate, unslack
from bot.views import help as help_view
from bot.views import polls as views
from handlers.common import ephemeral, telling
from handlers.context import asking
from handlers.polls import suggest as suggest_handlers

logger = logging.getLogger(__name__)

COMMANDS = ("/meet",)

VOTE_ACTIONS = re.compile(rf"^{views.VOTE_ACTION_PREFIX}(yes|maybe|no)$")
QUOTES = '"“”„'
MAX_FIELD_ERROR = 1500


class NotPosted(UserFacingError):
    """The poll's message could not be posted; the poll was not kept."""


@dataclass(frozen=True)
class PostedPoll:
    """A poll stored and posted, before its deadline is scheduled."""

    poll_id: int
    channel_id: str
    message_ts: str
    deadline: datetime | None
    remind_at: datetime | None


def register(app: App, runtime: Runtime) -> None:
    handler = PollHandlers(runtime)
    suggest_handlers.register(app, handler.suggester)
    app.command("/meet")(handler.command)
    app.view(views.CREATE_MODAL)(handler.create_from_modal)
    app.action(VOTE_ACTIONS)(handler.vote)
    app.action(views.MY_VOTES_ACTION)(handler.my_votes)
    app.action(views.MY_VOTE_ACTION)(handler.change_my_vote)
    app.action(views.RESULTS_ACTION)(handler.results)
    app.action(views.CLOSE_ACTION)(handler.close)
    app.action(views.CHOOSE_ACTION)(handler.choose)
    app.view(views.CHOOSE_MODAL)(handler.choose_submitted)
    app.action(views.REOPEN_ACTION)(handler.reopen)
    app.view(views.REOPEN_MODAL)(handler.reopen_submitted)
    app.action(views.DELETE_ACTION)(handler.delete)
    app.action(re.compile(rf"^{views.LIST_PAGE_ACTION}_(previous|next)$"))(handler.turn_list_page)
    app.action(views.NEW_ACTION)(handler.new_from_home)


def _poll_id(value: str | None) -> int:
    try:
        return int(str(value).split(":", 1)[0])
    except ValueError:
        raise NotFound("That poll no longer exists.") from None


def _metadata_poll_id(view: dict[str, Any]) -> int:
    try:
        return int(json.loads(view.get("private_metadata") or "{}")["poll_id"])
    except (ValueError, KeyError, TypeError):
        raise NotFound("That poll no longer exists.") from None


class PollHandlers:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.messages = PollMessages(runtime.client, runtime.db, runtime.directory, runtime.sender, runtime.clock)
        # One refresh at a time per poll in this process, spaced out; see bot.slack.polls.
        self.refresher = PollRefresher(self.messages, runtime.executor, spacing=UPDATE_SPACING_SECONDS,
                                       sleep=runtime.sleep)
        self.suggester = suggest_handlers.SuggestHandlers(runtime, self)

    def _dm_teller(self, client: WebClient, user_id: str) -> Callable[[str], None]:
        """Tells a member something in a DM: modal submissions have no response URL."""
        return lambda text: self.messages.tell(user_id, text)

    # /meet …
    def command(self, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient,
                context: BoltContext) -> None:
        text = (command.get("text") or "").strip()
        sub = subcommand(text)
        if sub.name == "help":
            ack(text=help_view.command_help_text("/meet"), blocks=help_view.command_help_blocks("/meet"))
            return
        if sub.name == "list":
            ack()
            with telling(respond, "listing polls"):
                self._list(command["team_id"], asking(context).zone, command["channel_id"], 1, respond,
                           replace_original=False)
            return
        if sub.name == "suggest":
            if subcommand(sub.rest).name == "help":
                ack(text=help_view.command_help_text("/meet"), blocks=help_view.command_help_blocks("/meet"))
                return
            ack()
            with telling(respond, "suggesting times to meet"):
                self.suggester.command(command, sub.rest, respond, asking(context))
            return
        if not text:
            ack()
            with telling(respond, "opening the new-poll form"):
                zone = asking(context).zone
                self.messages.open_form(command["trigger_id"],
                                  views.create_modal(channel_id=command.get("channel_id"), zone_name=zone.key))
            return
        if not any(quote in text for quote in QUOTES):
            ack(text=f"/meet has no {escape(truncate(sub.name, 40))}",
                blocks=help_view.unknown_subcommand_blocks("/meet", sub.name))
            return
        ack()
        with telling(respond, "creating a poll"):
            self._create_inline(command, text, asking(context).zone)

    def _list(self, team_id: str, zone: ZoneInfo, channel_id: str, page: int, respond: Respond, *,
              replace_original: bool) -> None:
        """`/meet list`: a page of the channel's open polls, with Previous / Next."""
        with self.rt.db.unit_of_work() as session:
            found = polls.open_polls(session, team_id, channel_id=channel_id)
        window, shown = paging.page_of(found, page, views.LIST_PAGE_SIZE)
        links = {summary.poll_id: link for summary in shown
                 if (link := self.messages.permalink(summary.channel_id, summary.message_ts))}
        blocks = views.list_blocks(channel_id, shown, links, zone, window)
        respond(text=f"{len(found)} open poll(s) in this channel", blocks=blocks, response_type="ephemeral",
                replace_original=replace_original)

    def turn_list_page(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
                       context: BoltContext) -> None:
        ack()
        with telling(respond, "turning a page of polls"):
            channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
            try:
                page = int(str(action.get("value")))
            except ValueError:
                page = 0
            if not channel_id or page < 1:
                raise UserFacingError("That list is out of date; `/meet list` shows it afresh.")
            self._list(body["team"]["id"], asking(context).zone, channel_id, page, respond, replace_original=True)

    def new_from_home(self, ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        """The App Home's *New poll*: the form `/meet` alone opens, its channel the group's to start with."""
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(self._dm_teller(client, user_id), "opening the new-poll form from the App Home"):
            zone = asking(context).zone
            with self.rt.db.unit_of_work() as session:
                channel_id = workspaces.group_settings(
                    session, team_id, now=self.rt.clock(), default_channel=self.rt.settings.convene_channel,
                    default_timezone=self.rt.settings.convene_timezone).channel_id
            self.messages.open_form(body["trigger_id"],
                              views.create_modal(channel_id=channel_id, zone_name=zone.key))

    def _create_inline(self, command: dict[str, Any], text: str, zone: ZoneInfo) -> None:
        team_id, user_id = command["team_id"], command["user_id"]
        # Slack escapes &, < and > in command text; the poll keeps what the person typed.
        draft = polls.parse_inline(unslack(text), now=self.rt.clock(), zone=zone)
        self._create_and_post(team_id, user_id, command["channel_id"], draft, zone)

    def _create_and_post(self, team_id: str, user_id: str, channel_id: str, draft: polls.PollDraft,
                         zone: ZoneInfo) -> int:
        """Store the poll, post it, schedule its deadline; if it cannot be posted, keep nothing."""
        posted = self.store_and_post(team_id, user_id, channel_id, draft, zone)
        self.after_posting(team_id, posted)
        return posted.poll_id

    def store_and_post(self, team_id: str, user_id: str, channel_id: str, draft: polls.PollDraft,
                       zone: ZoneInfo) -> PostedPoll:
        """Store the poll and post its message; if it cannot be posted, keep nothing and raise."""
        now = self.rt.clock()
        audience = self._audience(team_id, channel_id)
        with self.rt.db.unit_of_work() as session:
            poll = polls.create_poll(session, team_id, user_id, channel_id, draft, zone_name=zone.key, now=now,
                                     reminder_lead=self.rt.settings.poll_reminder_lead, audience=audience)
            poll_id, deadline, remind_at = poll.id, poll.deadline, poll.remind_at
        try:
            ts = self.messages.post(team_id, poll_id)
        except Exception as error:
            with self.rt.db.unit_of_work() as session:
                polls.discard_unposted(session, team_id, poll_id)
            if isinstance(error, SlackApiError) and error.response.get("error") in (
                    "not_in_channel", "channel_not_found", "is_archived"):
                raise NotPosted(f"I can't post in <#{channel_id}>: please `/invite @Convene` there, "
                                "then make the poll again.") from None
            raise
        return PostedPoll(poll_id, channel_id, ts, deadline, remind_at)

    def _audience(self, team_id: str, channel_id: str) -> list[str]:
        """Who in the channel is asked to answer; empty (no "of M" shown) when it cannot be listed."""
        try:
            return [m.user_id for m in self.rt.directory.audience(team_id, channel_id)]
        except SlackApiError as error:
            logger.warning("Could not list the members of %s for a new poll: %s", channel_id,
                           error.response.get("error"))
            return []

    def after_posting(self, team_id: str, posted: PostedPoll) -> None:
        """Schedule a posted poll's deadline and its reminder."""
        poll_jobs.plan_deadline(self.rt.jobs, team_id, posted.poll_id, deadline=posted.deadline,
                                remind_at=posted.remind_at)

    # The create modal
    def create_from_modal(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient,
                          context: BoltContext) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        values = view["state"]["values"]

        def value(block: str) -> dict[str, Any]:
            return values.get(block, {}).get(block, {})

        title = value(views.TITLE_FIELD).get("value") or ""
        option_lines = (value(views.OPTIONS_FIELD).get("value") or "").splitlines()
        deadline = value(views.DEADLINE_FIELD).get("value")
        channel_id = value(views.CHANNEL_FIELD).get("selected_conversation")
        settings = {o["value"] for o in value(views.SETTINGS_FIELD).get("selected_options") or []}
        zone = asking(context).zone  # the member was looked up when the modal was opened
        errors: dict[str, str] = {}
        draft = None
        try:
            draft = polls.read_draft(
                title, option_lines, deadline, now=self.rt.clock(), zone=zone,
                allow_if_need_be=views.SETTING_IF_NEED_BE in settings,
                hide_votes=views.SETTING_HIDE_VOTES in settings, anonymous=views.SETTING_ANONYMOUS in settings)
        except polls.DraftInvalid as error:
            errors.update({field: truncate(message, MAX_FIELD_ERROR) for field, message in error.fields.items()})
        if not channel_id:
            errors[views.CHANNEL_FIELD] = "Pick the channel to post the poll in."
        if errors or draft is None or not channel_id:
            ack(response_action="errors", errors=errors)
            return
        ack()
        with telling(self._dm_teller(client, user_id), "creating a poll from the modal"):
            try:
                self._create_and_post(team_id, user_id, channel_id, draft, zone)
            except NotPosted as error:
                typed = escape("\n".join([title, *[line for line in option_lines if line.strip()]]))
                raise NotPosted(f"{error} Here is what you typed, to paste again:\n```{typed}```") from None

    # Voting
    def vote(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        choice = VOTE_ACTIONS.match(action["action_id"]).group(1)  # type: ignore[union-attr]
        with telling(respond, "recording a vote"):
            poll_id, _, option = str(action.get("value", "")).partition(":")
            try:
                key = (int(poll_id), int(option))
            except ValueError:
                raise NotFound("That poll no longer exists.") from None
            with self.rt.db.unit_of_work() as session:
                result = polls.record_vote(session, team_id, key[0], key[1], user_id, choice, now=self.rt.clock())
            if result.changed:
                self.refresher.request(team_id, key[0])
                if result.private:
                    ephemeral(respond, f"Noted: *{polls.CHOICE_LABELS[choice]}* for {result.option_label}. "
                                       "*My votes* shows all your answers.")

    def my_votes(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
                 client: WebClient) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(respond, "showing a member their votes"):
            poll_id = _poll_id(action.get("value"))
            with self.rt.db.unit_of_work() as session:
                state = polls.load_state(session, team_id, poll_id)
                mine = polls.member_votes(session, team_id, poll_id, user_id)
            if state is None:
                raise NotFound("That poll no longer exists.")
            self.messages.open_form(body["trigger_id"], views.my_votes_modal(state, mine))

    def change_my_vote(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        view = body.get("view") or {}
        with telling(None, "changing a vote from My votes"):
            poll_id = _metadata_poll_id(view)
            option_id = int(str(action.get("block_id", "")).rsplit("-", 1)[-1])
            choice = (action.get("selected_option") or {}).get("value", "")
            note = None
            try:
                with self.rt.db.unit_of_work() as session:
                    result = polls.record_vote(session, team_id, poll_id, option_id, user_id, choice,
                                               now=self.rt.clock())
                if result.changed:
                    self.refresher.request(team_id, poll_id)
                    note = f":white_check_mark: Saved: {polls.CHOICE_LABELS[choice]} for {result.option_label}."
            except UserFacingError as error:
                note = f":warning: {error}"
            with self.rt.db.unit_of_work() as session:
                state = polls.load_state(session, team_id, poll_id)
                mine = polls.member_votes(session, team_id, poll_id, user_id) if state else {}
            if state is not None:
                self.messages.update_form(view["id"], views.my_votes_modal(state, mine, note=note))

    def results(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
                client: WebClient) -> None:
        ack()
        team_id = body["team"]["id"]
        with telling(respond, "showing a poll's results"):
            state = self.messages.fresh_state(team_id, _poll_id(action.get("value")))
            if state is None:
                raise NotFound("That poll no longer exists.")
            self.messages.open_form(body["trigger_id"], views.results_modal(state))

    # Closing, choosing, reopening, deleting
    def close(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
              client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(respond, "closing a poll"):
            poll_id = _poll_id(action.get("value"))
            zone, coordinator = asking(context).zone, asking(context).is_coordinator
            with self.rt.db.unit_of_work() as session:
                polls.close_poll(session, team_id, poll_id, user_id=user_id, is_coordinator=coordinator,
                                 now=self.rt.clock())
                state = polls.load_state(session, team_id, poll_id)
            poll_jobs.cancel_deadline(self.rt.jobs, poll_id)
            if state is not None and state.status == "closed" and state.options:
                self.messages.open_form(body["trigger_id"], views.choose_final_modal(state, zone=zone))
            self.refresher.request(team_id, poll_id)

    def choose(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
               client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(respond, "opening the final-date chooser"):
            zone, coordinator = asking(context).zone, asking(context).is_coordinator
            with self.rt.db.unit_of_work() as session:
                state = polls.ensure_manager(session, team_id, _poll_id(action.get("value")), user_id=user_id,
                                             is_coordinator=coordinator, doing="choose the final date of")
            self.messages.open_form(body["trigger_id"], views.choose_final_modal(state, zone=zone))

    def choose_submitted(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient,
                         context: BoltContext) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        tell = self._dm_teller(client, user_id)
        try:
            poll_id = _metadata_poll_id(view)
            selected = view["state"]["values"][views.FINAL_FIELD][views.FINAL_FIELD].get("selected_option") or {}
            option_id = int(selected.get("value", ""))
            coordinator = asking(context).is_coordinator
            with self.rt.db.unit_of_work() as session:
                changed = polls.decide_poll(session, team_id, poll_id, option_id, user_id=user_id,
                                            is_coordinator=coordinator, now=self.rt.clock())
        except (UserFacingError, ValueError) as error:
            message = error.message if isinstance(error, UserFacingError) else "Pick one of the options."
            ack(response_action="errors", errors={views.FINAL_FIELD: message})
            return
        ack()
        with telling(tell, "announcing a poll's final date"):
            poll_jobs.cancel_deadline(self.rt.jobs, poll_id)
            if changed:
                self.refresher.request(team_id, poll_id)
            with self.rt.db.unit_of_work() as session:
                meeting = polls.meeting(session, team_id, poll_id)
            if meeting is not None:
                poll_jobs.plan_meeting_reminder(self.rt.jobs, meeting, now=self.rt.clock())
            # Choosing the same date again finishes an announcement that failed half-way; what was
            # posted already is not posted twice.
            self.messages.announce_decision(team_id, poll_id)

    def reopen(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
               client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(respond, "opening the reopen form"):
            zone, coordinator = asking(context).zone, asking(context).is_coordinator
            with self.rt.db.unit_of_work() as session:
                state = polls.ensure_manager(session, team_id, _poll_id(action.get("value")), user_id=user_id,
                                             is_coordinator=coordinator, doing="reopen")
            if state.status == "decided":
                raise InvalidInput("The final date has been chosen already; use *Change final date* to pick another.")
            self.messages.open_form(body["trigger_id"], views.reopen_modal(state, zone_name=zone.key))

    def reopen_submitted(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient,
                         context: BoltContext) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        typed = view["state"]["values"].get(views.DEADLINE_FIELD, {}).get(views.DEADLINE_FIELD, {}).get("value")
        now = self.rt.clock()
        try:
            poll_id = _metadata_poll_id(view)
            zone, coordinator = asking(context).zone, asking(context).is_coordinator
            deadline = parse_deadline(typed, now=now, zone=zone) if typed and typed.strip() else None
            with self.rt.db.unit_of_work() as session:
                poll = polls.reopen_poll(session, team_id, poll_id, user_id=user_id, is_coordinator=coordinator,
                                         deadline=deadline, now=now, reminder_lead=self.rt.settings.poll_reminder_lead)
                deadline, remind_at = poll.deadline, poll.remind_at
        except UserFacingError as error:
            ack(response_action="errors", errors={views.DEADLINE_FIELD: str(error)})
            return
        ack()
        with telling(self._dm_teller(client, user_id), "reopening a poll"):
            poll_jobs.plan_deadline(self.rt.jobs, team_id, poll_id, deadline=deadline, remind_at=remind_at)
            self.refresher.request(team_id, poll_id)

    def delete(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
               client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(respond, "deleting a poll"):
            poll_id = _poll_id(action.get("value"))
            coordinator = asking(context).is_coordinator
            with self.rt.db.unit_of_work() as session:
                deleted = polls.delete_poll(session, team_id, poll_id, user_id=user_id, is_coordinator=coordinator)
            poll_jobs.cancel_all(self.rt.jobs, poll_id)
            if deleted.message_ts:
                self.messages.delete_message(deleted.channel_id, deleted.message_ts)
            ephemeral(respond, f"Deleted the poll “{escape(deleted.title)}” and its answers.")
