"""`/volunteer`: post a call for volunteers, answer it, close or extend it."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.jobs.volunteering import schedule_close
from bot.runtime import Runtime
from bot.services import volunteering
from bot.services.errors import InvalidInput, UserFacingError
from bot.services.members import member_zone, workspace_zone
from bot.services.workspaces import group_settings
from bot.slack.home import HomePublisher
from bot.slack.volunteer_calls import VolunteerCalls
from bot.text import escape, subcommand, unslack
from bot.views import help as help_view
from bot.views import volunteering as views
from bot.views.home import read_pages
from handlers.common import dm_teller, ephemeral, telling
from handlers.context import asking
from storage.models.volunteering import MAX_PEOPLE_NEEDED, MAX_TASK_LENGTH
from storage.repositories.workspaces import WorkspaceRepository

logger = logging.getLogger(__name__)

COMMANDS = ("/volunteer",)

NOT_SAVED = "Something went wrong on Convene's side and this was not saved. Please press Save again in a minute."

# Slack's answers when the bot cannot post where the command was typed.
CANNOT_POST = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "cannot_reply_to_message"}


def register(app: App, runtime: Runtime) -> None:
    handler = VolunteerHandlers(runtime)
    app.command("/volunteer")(handler.command)
    app.action(views.HELP_ACTION)(handler.help_clicked)
    app.action(views.CANT_ACTION)(handler.cant_clicked)
    app.action(views.MANAGE_ACTION)(handler.manage)
    app.view(views.EXTEND_MODAL)(handler.save_extension)
    app.action(views.NEW_ACTION)(handler.new_from_home)
    app.view(views.CREATE_MODAL)(handler.create_from_modal)


class VolunteerHandlers:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.calls = VolunteerCalls(runtime.client, runtime.db, runtime.sender)
        self.home = HomePublisher(runtime.client, runtime.db, runtime.directory, runtime.clock, runtime.settings)

    def _zone(self, team_id: str, user_id: str) -> Any:
        member = self.rt.directory.ensure(team_id, user_id)
        with self.rt.db.unit_of_work() as session:
            workspace = WorkspaceRepository(session).get(team_id)
        return member_zone(member, workspace_zone(workspace, self.rt.home_zone))

    # /volunteer …
    def command(self, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        text = (command.get("text") or "").strip()
        if text.lower() == "help":
            ack(text=help_view.command_help_text("/volunteer"), blocks=help_view.command_help_blocks("/volunteer"))
            return
        if not text:
            ack()
            with telling(respond, "opening the call-for-volunteers form"):
                self._open_form(client, command["team_id"], command["user_id"], command["trigger_id"],
                                channel_id=command.get("channel_id"))
            return
        if len(text.split()) == 1 and text[0] not in "\"“”„«":
            # One bare word is a mistyped subcommand far more often than a task: posting it would
            # put a stray call in front of the whole channel.
            word = subcommand(text).name
            if word != "list":
                ack(text=f"/volunteer has no {word}", blocks=help_view.unknown_subcommand_blocks("/volunteer", word))
                return
        ack()
        if text.lower() == "list":
            with telling(respond, "listing calls for volunteers"):
                with self.rt.db.unit_of_work() as session:
                    calls = volunteering.open_calls(session, command["team_id"])
                ephemeral(respond, "Open calls for volunteers", views.open_calls_blocks(calls))
            return
        with telling(respond, "posting a call for volunteers"):
            self._post_call(command, text, respond)

    def _post_call(self, command: dict[str, Any], text: str, respond: Respond) -> None:
        team_id, user_id, channel_id = command["team_id"], command["user_id"], command["channel_id"]
        zone = self._zone(team_id, user_id)
        # Slack escapes &, < and > in command text; the call keeps what the person typed.
        request = volunteering.parse_call(unslack(text), zone=zone, now=self.rt.clock())
        self._create_and_post(team_id, user_id, channel_id, request,
                              cannot_post="I can't post in this conversation. Invite me with `/invite @Convene`, "
                                          "or post the call in the group's channel.")

    def _create_and_post(self, team_id: str, user_id: str, channel_id: str, request: volunteering.CallRequest, *,
                         cannot_post: str) -> None:
        """Store the call, post it, schedule its closing; if it cannot be posted, keep nothing."""
        with self.rt.db.unit_of_work() as session:
            call = volunteering.create_call(session, team_id, channel_id, user_id, request, now=self.rt.clock())
        try:
            posted_ts = self.calls.post(call, since=self.rt.clock())
        except SlackApiError as error:
            with self.rt.db.unit_of_work() as session:
                volunteering.discard_call(session, team_id, call.id)
            if error.response.get("error") in CANNOT_POST:
                raise UserFacingError(cannot_post) from None
            raise
        except Exception:
            with self.rt.db.unit_of_work() as session:
                volunteering.discard_call(session, team_id, call.id)
            raise
        with self.rt.db.unit_of_work() as session:
            volunteering.attach_message(session, team_id, call.id, posted_ts)
            call = volunteering.call_state(session, team_id, call.id)
        schedule_close(self.rt.jobs, call)

    # The form: `/volunteer` alone, or the App Home's *Call for volunteers*
    def new_from_home(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(dm_teller(client, user_id), "opening the call-for-volunteers form"):
            self._open_form(client, team_id, user_id, body["trigger_id"], channel_id=None)

    def _open_form(self, client: WebClient, team_id: str, user_id: str, trigger_id: str, *,
                   channel_id: str | None) -> None:
        """The form, its channel the one it was opened in (a channel, not a DM) or else the group's."""
        zone = self._zone(team_id, user_id)
        if not (channel_id or "").startswith(("C", "G")):
            with self.rt.db.unit_of_work() as session:
                channel_id = group_settings(session, team_id, now=self.rt.clock(),
                                            default_channel=self.rt.settings.convene_channel,
                                            default_timezone=self.rt.settings.convene_timezone).channel_id
        self.calls.open_form(trigger_id, views.create_modal(
            channel_id=channel_id, zone_name=zone.key, max_task=MAX_TASK_LENGTH, max_needed=MAX_PEOPLE_NEEDED))

    def create_from_modal(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        values = view["state"]["values"]

        def answer(block: str, action: str, key: str = "value") -> Any:
            return (values.get(block) or {}).get(action, {}).get(key)

        channel_id = answer(views.CHANNEL_BLOCK, views.CHANNEL_ACTION, "selected_conversation")
        # Members are cached since the form opened, so reading their zone is quick; Slack waits 3 s.
        zone = self._zone(team_id, user_id)
        errors: dict[str, str] = {}
        request = None
        try:
            request = volunteering.read_call_form(
                answer(views.TASK_BLOCK, views.TASK_ACTION), answer(views.NEEDED_BLOCK, views.NEEDED_ACTION),
                answer(views.DEADLINE_BLOCK, views.DEADLINE_ACTION), zone=zone, now=self.rt.clock())
        except volunteering.CallFormInvalid as error:
            blocks = {"task": views.TASK_BLOCK, "needed": views.NEEDED_BLOCK, "deadline": views.DEADLINE_BLOCK}
            errors.update({blocks[name]: message for name, message in error.fields.items()})
        if not channel_id:
            errors[views.CHANNEL_BLOCK] = "Pick the channel to post the call in."
        if errors or request is None:
            ack(response_action="errors", errors=errors)
            return
        ack()
        with telling(dm_teller(client, user_id), "posting a call for volunteers from the form"):
            self._create_and_post(team_id, user_id, channel_id, request, cannot_post=(
                f"I can't post in <#{channel_id}>: invite me there with `/invite @Convene`, or pick another "
                f"channel. The call was “{escape(request.task)}”."))

    # Buttons on the call (and on the App Home and /volunteer list)
    def help_clicked(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
                     client: WebClient) -> None:
        ack()
        self._answer(body, action, "help", respond, client)

    def cant_clicked(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
                     client: WebClient) -> None:
        ack()
        self._answer(body, action, "cant", respond, client)

    def _answer(self, body: dict[str, Any], action: dict[str, Any], given: volunteering.Answer,
                respond: Respond, client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        tell = respond if body.get("response_url") else None
        answered: volunteering.Answered | None = None
        with telling(tell, "answering a call for volunteers"):
            call_id = _call_id(action.get("value"))
            # Answers are stored against the member, so Convene must know them first.
            self.rt.directory.ensure(team_id, user_id)
            with self.rt.db.unit_of_work() as session:
                answered = volunteering.answer(session, team_id, call_id, user_id, given, now=self.rt.clock())
            if tell is not None:
                ephemeral(respond, views.answer_text(answered.outcome, answered.state))
        if answered is None:
            return
        # The answer is stored and the person told; the message catches up here (or at the next change).
        with telling(None, "updating a call for volunteers after an answer"):
            if answered.outcome in ("signed_up", "withdrew", "declined", "full"):
                self.calls.refresh(team_id, answered.state.id)
            if answered.filled_now:
                self.calls.announce_closed(answered.state)
                schedule_close(self.rt.jobs, answered.state)
            if (body.get("view") or {}).get("type") == "home":
                self.home.publish(team_id, user_id, pages=read_pages(body["view"]))

    # The overflow menu: close now, or change places and deadline
    def manage(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
               client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        chosen = (action.get("selected_option") or {}).get("value", "")
        with telling(respond, "managing a call for volunteers"):
            verb, _, rest = chosen.partition(":")
            call_id = _call_id(rest.split(":")[0])
            with self.rt.db.unit_of_work() as session:
                call = volunteering.call_state(session, team_id, call_id)
            is_coordinator = user_id != call.created_by and asking(context).is_coordinator
            volunteering.require_manager(call, user_id, is_coordinator=is_coordinator)
            if verb == "close":
                self._close(team_id, user_id, call_id, is_coordinator)
            elif verb == "extend":
                self.calls.open_form(body["trigger_id"], views.extend_modal(call, zone=self._zone(team_id, user_id)))
            else:
                raise InvalidInput("That menu choice is not one Convene knows.")

    def _close(self, team_id: str, user_id: str, call_id: int, is_coordinator: bool) -> None:
        with self.rt.db.unit_of_work() as session:
            state, closed = volunteering.close_call(session, team_id, call_id, user_id,
                                                    is_coordinator=is_coordinator, now=self.rt.clock())
        if closed:
            state = self.calls.refresh(team_id, call_id)
            self.calls.announce_closed(state)
        schedule_close(self.rt.jobs, state)

    def save_extension(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        values = view["state"]["values"]
        call_id = _call_id(json.loads(view.get("private_metadata") or "{}").get("call"))
        needed_text = values[views.NEEDED_BLOCK][views.NEEDED_ACTION].get("value")
        deadline_text = (values[views.DEADLINE_BLOCK][views.DEADLINE_ACTION].get("value") or "").strip()
        try:
            needed = volunteering.parse_needed(needed_text)
        except InvalidInput as error:
            ack(response_action="errors", errors={views.NEEDED_BLOCK: error.message})
            return
        # Members are cached, so reading their zone here is quick; Slack waits 3 s for this answer.
        zone = self._zone(team_id, user_id)
        now = self.rt.clock()
        try:
            deadline = volunteering.read_deadline(deadline_text, zone=zone, now=now) if deadline_text else None
        except InvalidInput as error:
            ack(response_action="errors", errors={views.DEADLINE_BLOCK: error.message})
            return
        try:
            with self.rt.db.unit_of_work() as session:
                call = volunteering.call_state(session, team_id, call_id)
            is_coordinator = user_id != call.created_by and asking(context).is_coordinator
            with self.rt.db.unit_of_work() as session:
                state, closed = volunteering.extend_call(session, team_id, call_id, user_id, needed=needed,
                                                         deadline=deadline, is_coordinator=is_coordinator, now=now)
        except UserFacingError as error:
            ack(response_action="errors", errors={views.NEEDED_BLOCK: error.message})
            return
        except Exception:
            # Keep the form open rather than lose the change.
            logger.exception("Could not change volunteer call %s", call_id)
            ack(response_action="errors", errors={views.NEEDED_BLOCK: NOT_SAVED})
            return
        ack()
        with telling(None, "updating a call for volunteers after a change"):
            state = self.calls.refresh(team_id, call_id)
            if closed:
                self.calls.announce_closed(state)
            schedule_close(self.rt.jobs, state)


def _call_id(value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise InvalidInput("That button does not belong to a call for volunteers.") from None
