"""`/prompt`, the prompt DM's buttons, the Answer modal, and replies written in the DM."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.jobs import prompts as prompt_jobs
from bot.runtime import Runtime
from bot.scheduler import FANOUT_EXECUTOR
from bot.services import prompts as service
from bot.services.errors import InvalidInput, UserFacingError
from bot.services.members import insist_coordinator, workspace_zone
from bot.services.workspaces import group_settings
from bot.slack.home import HomePublisher
from bot.slack.issues import IssueForms
from bot.slack.prompts import PromptMessages
from bot.text import subcommand, unslack
from bot.views import help as help_view
from bot.views import prompts as prompt_views
from bot.views.home import read_pages
from handlers.common import dm_teller, ephemeral, telling
from handlers.context import Asking, asking
from storage.repositories.workspaces import WorkspaceRepository

logger = logging.getLogger(__name__)

COMMANDS = ("/prompt",)
EVENTS = ("message.im",)

# Message subtypes that are still the member's own words.
_OWN_TEXT_SUBTYPES = (None, "file_share", "thread_broadcast")


def _in_direct_message(event: dict[str, Any]) -> bool:
    return event.get("channel_type") == "im" or str(event.get("channel", "")).startswith("D")


def register(app: App, runtime: Runtime) -> None:
    handler = PromptHandlers(runtime)
    app.command("/prompt")(handler.command)
    app.action(prompt_views.ANSWER_ACTION)(handler.open_answer)
    app.action(prompt_views.SKIP_ACTION)(handler.skip)
    app.action(prompt_views.PAUSE_ACTION)(handler.pause)
    app.action(prompt_views.RESUME_ACTION)(handler.resume)
    # `_prev`: the buttons' name before every list paged alike; such a message may still be open.
    app.action(re.compile(rf"^{prompt_views.ANSWERS_PAGE_ACTION}_(prev|previous|next)$"))(handler.answers_page)
    app.view(prompt_views.ANSWER_MODAL)(handler.save_answer)
    app.action(prompt_views.SEND_FORM_ACTION)(handler.open_send_form)
    app.view(prompt_views.SEND_MODAL)(handler.send_submitted)
    app.action(prompt_views.DELIVERY_TO_ISSUE_ACTION)(handler.delivery_to_issue)
    app.action(prompt_views.ANSWER_TO_ISSUE_ACTION)(handler.answer_to_issue)
    app.event("message", matchers=[_in_direct_message])(handler.direct_message)


class PromptHandlers:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.home = HomePublisher(runtime.client, runtime.db, runtime.directory, runtime.clock, runtime.settings)

    # /prompt …
    def command(self, ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        sub = subcommand(command.get("text", ""))
        if sub.name in ("", "help"):
            ack(text=help_view.command_help_text("/prompt"), blocks=help_view.command_help_blocks("/prompt"))
            return
        routes: dict[str, Callable[[str, str, str, Respond, Asking], None]] = {
            "list": self._list, "ls": self._list,
            "add": self._add, "edit": self._edit, "retire": self._retire, "restore": self._restore,
            "unretire": self._restore, "move": self._move, "schedule": self._schedule, "send": self._send,
            "nudge": self._nudge, "nudges": self._nudge, "answers": self._answers, "pause": self._pause,
            "resume": self._resume,
        }
        route = routes.get(sub.name)
        if route is None:
            ack(text=f"/prompt has no {sub.name}", blocks=help_view.unknown_subcommand_blocks("/prompt", sub.name))
            return
        ack()
        with telling(respond, f"/prompt {sub.name}"):
            team_id, user_id = command["team_id"], command["user_id"]
            who = asking(context)
            who.member  # noqa: B018 - fresh admin flags and time zone
            route(team_id, user_id, sub.rest, respond, who)

    def _list(self, team_id: str, user_id: str, rest: str, respond: Respond, who: Asking) -> None:
        with self.rt.db.unit_of_work() as session:
            found = service.listing(session, team_id, now=self.rt.clock())
        show_retired = rest.strip().lower() in ("retired", "all")
        ephemeral(respond, "Prompts", prompt_views.listing_blocks(found, can_change=who.is_coordinator,
                                                                  show_retired=show_retired))

    def _add(self, team_id: str, user_id: str, rest: str, respond: Respond, who: Asking) -> None:
        coordinator = who.is_coordinator  # before any transaction: it may look the member up
        with self.rt.db.unit_of_work() as session:
            line = service.add_prompt(session, team_id, user_id, unslack(rest), now=self.rt.clock(),
                                      acting_is_coordinator=coordinator)
        ephemeral(respond, prompt_views.added_text(line))

    def _edit(self, team_id: str, user_id: str, rest: str, respond: Respond, who: Asking) -> None:
        coordinator = who.is_coordinator  # before any transaction: it may look the member up
        example = "/prompt edit 7 What did your last commissioner ask for?"
        head = subcommand(rest)
        number = service.parse_number(head.name, example=example)
        with self.rt.db.unit_of_work() as session:
            line = service.edit_prompt(session, team_id, user_id, number, unslack(head.rest), now=self.rt.clock(),
                                       acting_is_coordinator=coordinator)
        ephemeral(respond, prompt_views.edited_text(line))

    def _retire(self, team_id: str, user_id: str, rest: str, respond: Respond, who: Asking) -> None:
        coordinator = who.is_coordinator  # before any transaction: it may look the member up
        number = service.parse_number(rest, example="/prompt retire 4")
        with self.rt.db.unit_of_work() as session:
            line = service.retire_prompt(session, team_id, user_id, number, now=self.rt.clock(),
                                         acting_is_coordinator=coordinator)
        ephemeral(respond, prompt_views.retired_text(line))

    def _restore(self, team_id: str, user_id: str, rest: str, respond: Respond, who: Asking) -> None:
        coordinator = who.is_coordinator  # before any transaction: it may look the member up
        number = service.parse_number(rest, example="/prompt restore 4")
        with self.rt.db.unit_of_work() as session:
            line = service.restore_prompt(session, team_id, user_id, number, now=self.rt.clock(),
                                          acting_is_coordinator=coordinator)
        ephemeral(respond, prompt_views.restored_text(line))

    def _move(self, team_id: str, user_id: str, rest: str, respond: Respond, who: Asking) -> None:
        coordinator = who.is_coordinator  # before any transaction: it may look the member up
        number, to = service.parse_move(rest)
        with self.rt.db.unit_of_work() as session:
            line = service.move_prompt(session, team_id, user_id, number, to, now=self.rt.clock(),
                                       acting_is_coordinator=coordinator)
        ephemeral(respond, prompt_views.moved_text(line))

    def _home_zone(self, team_id: str) -> ZoneInfo:
        with self.rt.db.unit_of_work() as session:
            return workspace_zone(WorkspaceRepository(session).get(team_id), self.rt.home_zone)

    def _schedule(self, team_id: str, user_id: str, rest: str, respond: Respond, who: Asking) -> None:
        coordinator = who.is_coordinator  # before any transaction: it may look the member up
        if not rest.strip():
            self._list(team_id, user_id, "", respond, who)
            return
        choice = service.parse_schedule(rest)
        home_zone = self._home_zone(team_id)
        with self.rt.db.unit_of_work() as session:
            done = service.set_schedule(session, team_id, user_id, choice, now=self.rt.clock(), home=home_zone,
                                        acting_is_coordinator=coordinator)
            channel_id = self._channel(session, team_id)
        text = prompt_views.schedule_set_text(done.schedule, done.first_day, done.nudge_after_days)
        if done.schedule.active and channel_id is None:
            text += ("\n:warning: The group has no channel yet, and prompts go to its members: "
                     "`/convene settings channel #your-channel`.")
        ephemeral(respond, text)

    def _channel(self, session: Session, team_id: str) -> str | None:
        return group_settings(session, team_id, now=self.rt.clock(), default_channel=self.rt.settings.convene_channel,
                              default_timezone=self.rt.settings.convene_timezone).channel_id

    def _send(self, team_id: str, user_id: str, rest: str, respond: Respond, who: Asking) -> None:
        example = "/prompt send now 3"
        words = [word for word in rest.lower().split() if word not in ("now", "next", "prompt")]
        if len(words) > 1:
            raise InvalidInput("Name at most one prompt to send.", example=example)
        number = service.parse_number(words[0], example=example) if words else None
        ephemeral(respond, self._send_now(team_id, user_id, number, coordinator=who.is_coordinator))

    def _send_now(self, team_id: str, user_id: str, number: int | None, *, coordinator: bool) -> str:
        """Send prompt `number` (the next in the queue if None) to everyone now; what to tell the sender."""
        home_zone = self._home_zone(team_id)
        now = self.rt.clock()
        with self.rt.db.unit_of_work() as session:
            insist_coordinator(coordinator, "send prompts")
            channel_id = self._channel(session, team_id)
            if channel_id is None:
                raise InvalidInput("The group has no channel yet, and prompts go to its members.",
                                   example="/convene settings channel #wg-commissioning")
        with self.rt.db.unit_of_work() as session:
            started = service.start_manual_round(session, team_id, user_id, number, now=now, home=home_zone,
                                                 acting_is_coordinator=coordinator)
        # The fan-out runs on the clock (or this process's scheduler), not in a web worker.
        self.rt.jobs.at(prompt_jobs.round_job_id(started.round_id), prompt_jobs.deliver_round, now, team_id,
                        started.round_id, misfire_grace_time=None, executor=FANOUT_EXECUTOR)
        return prompt_views.send_now_text(started, channel_id)

    # The App Home's *Send a prompt* (coordinators)
    def open_send_form(self, ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(dm_teller(client, user_id), "opening the send-a-prompt form"):
            asking(context).require_coordinator("send prompts")
            with self.rt.db.unit_of_work() as session:
                found = service.listing(session, team_id, now=self.rt.clock())
                channel_id = self._channel(session, team_id)
            self._messages(client).open_send_form(body["trigger_id"], found, channel_id=channel_id)

    def send_submitted(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient,
                       context: BoltContext) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        picked = ((view["state"]["values"].get(prompt_views.SEND_WHICH_BLOCK) or {})
                  .get(prompt_views.SEND_WHICH_ACTION) or {}).get("selected_option") or {}
        try:
            number = service.parse_number(str(picked.get("value") or ""), example="/prompt send now 3")
            # Checked again here: the form is a coordinator's, whoever submits it.
            said = self._send_now(team_id, user_id, number, coordinator=asking(context).is_coordinator)
        except UserFacingError as error:
            ack(response_action="errors", errors={prompt_views.SEND_WHICH_BLOCK: str(error)})
            return
        ack()
        with telling(None, "confirming a prompt sent from the App Home"):
            dm_teller(client, user_id)(said)

    def _nudge(self, team_id: str, user_id: str, rest: str, respond: Respond, who: Asking) -> None:
        coordinator = who.is_coordinator  # before any transaction: it may look the member up
        days = service.parse_nudge(rest)
        with self.rt.db.unit_of_work() as session:
            service.set_nudge(session, team_id, user_id, days, now=self.rt.clock(),
                              acting_is_coordinator=coordinator)
        ephemeral(respond, prompt_views.nudge_set_text(days))

    def _answers(self, team_id: str, user_id: str, rest: str, respond: Respond, who: Asking) -> None:
        coordinator = who.is_coordinator  # before any transaction: it may look the member up
        words = rest.split()
        example = "/prompt answers 7"
        if not words or len(words) > 2:
            raise InvalidInput("Say which prompt's answers to show.", example=example)
        number = service.parse_number(words[0], example=example)
        page = service.parse_number(words[1], example="/prompt answers 7 2") if len(words) == 2 else 1
        with self.rt.db.unit_of_work() as session:
            found = service.answers_page(session, team_id, user_id, number, page=page,
                                         acting_is_coordinator=coordinator)
            became = service.issues_from_answers(session, team_id, [entry.answer_id for entry in found.entries])
        ephemeral(respond, f"Answers to prompt #{number}", prompt_views.answers_page_blocks(found, became))

    def _pause(self, team_id: str, user_id: str, rest: str, respond: Respond, who: Asking) -> None:
        with self.rt.db.unit_of_work() as session:
            until = service.pause(session, team_id, user_id, now=self.rt.clock())
        ephemeral(respond, prompt_views.paused_text(until), prompt_views.paused_blocks(until))

    def _resume(self, team_id: str, user_id: str, rest: str, respond: Respond, who: Asking) -> None:
        with self.rt.db.unit_of_work() as session:
            was_paused = service.resume(session, team_id, user_id, now=self.rt.clock())
        ephemeral(respond, prompt_views.resumed_text(was_paused))

    # Buttons on the prompt's DM and on App Home
    def _teller(self, body: dict[str, Any], respond: Respond, client: WebClient) -> Callable[[str], None]:
        """Where to tell someone what went wrong: the message's response URL, else a DM (App Home, modals)."""
        if body.get("response_url"):
            return lambda text: ephemeral(respond, text)
        user_id = body["user"]["id"]
        messages = self._messages(client)
        return lambda text: messages.tell(user_id, text)

    @staticmethod
    def _from_home(body: dict[str, Any]) -> bool:
        return (body.get("view") or {}).get("type") == "home"

    def open_answer(self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(self._teller(body, respond, client), "opening the answer form"):
            delivery_id = service.parse_number(body["actions"][0].get("value", ""), example="")
            with self.rt.db.unit_of_work() as session:
                form = service.answer_form(session, team_id, user_id, delivery_id)
            self._messages(client).open_answer_form(body["trigger_id"], form, from_home=self._from_home(body))

    def save_answer(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        submitted = view
        values = submitted["state"]["values"]
        text = (values.get(prompt_views.TEXT_BLOCK, {}).get(prompt_views.TEXT_ACTION) or {}).get("value") or ""
        credit = ((values.get(prompt_views.CREDIT_BLOCK, {}).get(prompt_views.CREDIT_ACTION) or {}).get("selected_option") or {}).get("value")
        chosen = (values.get(prompt_views.SHARE_BLOCK, {}).get(prompt_views.SHARE_ACTION) or {}).get("selected_options") or []
        shareable = any(option.get("value") == prompt_views.SHARE_VALUE for option in chosen)
        delivery_ref, _, origin = submitted.get("private_metadata", "").partition(":")
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        try:
            delivery_id = int(delivery_ref)
            with self.rt.db.unit_of_work() as session:
                delivery = service.save_modal_answer(session, team_id, user_id, delivery_id, text,
                                                     credit=credit or "", shareable=shareable, now=self.rt.clock())
                delivery_id = delivery.id
        except ValueError:
            logger.warning("An answer modal arrived without its prompt (%r)", delivery_ref)
            ack(response_action="errors", errors={prompt_views.TEXT_BLOCK: "This form has lost its prompt; please open it again."})
            return
        except UserFacingError as error:
            ack(response_action="errors", errors={prompt_views.TEXT_BLOCK: error.message})
            return
        ack()
        self._refresh_prompt(client, delivery_id)
        if origin == "home":
            self._republish_home(client, team_id, user_id)

    def skip(self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(self._teller(body, respond, client), "skipping a prompt"):
            delivery_id = service.parse_number(body["actions"][0].get("value", ""), example="")
            with self.rt.db.unit_of_work() as session:
                service.skip(session, team_id, user_id, delivery_id, now=self.rt.clock())
            self._refresh_prompt(client, delivery_id)
            if self._from_home(body):
                self._republish_home(client, team_id, user_id, pages=read_pages(body["view"]))

    def pause(self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        tell = self._teller(body, respond, client)
        with telling(tell, "pausing prompts"):
            with self.rt.db.unit_of_work() as session:
                until = service.pause(session, team_id, user_id, now=self.rt.clock())
            if body.get("response_url"):
                ephemeral(respond, prompt_views.paused_text(until), prompt_views.paused_blocks(until))
            else:
                tell(prompt_views.paused_text(until))

    def resume(self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(self._teller(body, respond, client), "resuming prompts"):
            with self.rt.db.unit_of_work() as session:
                was_paused = service.resume(session, team_id, user_id, now=self.rt.clock())
            if self._from_home(body):
                self._republish_home(client, team_id, user_id, pages=read_pages(body["view"]))
            elif body.get("response_url"):
                respond(text=prompt_views.resumed_text(was_paused), replace_original=True)

    def answers_page(self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond,
                     context: BoltContext) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(self._teller(body, respond, client), "turning a page of answers"):
            number_text, _, page_text = body["actions"][0].get("value", "").partition(":")
            number = service.parse_number(number_text, example="/prompt answers 7")
            page = service.parse_number(page_text, example="/prompt answers 7 2")
            coordinator = asking(context).is_coordinator
            with self.rt.db.unit_of_work() as session:
                found = service.answers_page(session, team_id, user_id, number, page=page,
                                             acting_is_coordinator=coordinator)
                became = service.issues_from_answers(session, team_id, [entry.answer_id for entry in found.entries])
            respond(text=f"Answers to prompt #{number}", blocks=prompt_views.answers_page_blocks(found, became),
                    replace_original=True)

    # Answers that become issues
    def delivery_to_issue(self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond,
                          context: BoltContext) -> None:
        """The author, from their answered prompt: their latest answer becomes an issue."""
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(self._teller(body, respond, client), "making an answer an issue"):
            delivery_id = service.parse_number(body["actions"][0].get("value", ""), example="")
            with self.rt.db.unit_of_work() as session:
                answer_id = service.latest_answer_id(session, team_id, user_id, delivery_id)
            self._open_issue_form(body, client, team_id, user_id, answer_id, asking(context))

    def answer_to_issue(self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond,
                        context: BoltContext) -> None:
        """A coordinator, from `/prompt answers`: an answer its author allowed to be shared becomes an issue."""
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(self._teller(body, respond, client), "making an answer an issue"):
            answer_id = service.parse_number(body["actions"][0].get("value", ""), example="")
            self._open_issue_form(body, client, team_id, user_id, answer_id, asking(context))

    def _open_issue_form(self, body: dict[str, Any], client: WebClient, team_id: str, user_id: str,
                         answer_id: int, who: Asking) -> None:
        coordinator = who.is_coordinator
        with self.rt.db.unit_of_work() as session:
            prefill = service.issue_prefill_for_answer(session, team_id, user_id, answer_id,
                                                       acting_is_coordinator=coordinator)
        IssueForms(client, self.rt.db, self.rt.clock).open(trigger_id=body["trigger_id"], team_id=team_id,
                                                           user_id=user_id, prefill=prefill)

    # What members write in the DM
    def direct_message(self, event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        team_id = body.get("team_id") or event.get("team") or ""
        subtype = event.get("subtype")
        with telling(None, f"logging a direct message ({subtype or 'message'})"):
            if subtype == "message_changed":
                self._edited(client, team_id, event)
            elif subtype == "message_deleted":
                self._deleted(client, team_id, event)
            elif subtype in _OWN_TEXT_SUBTYPES:
                self._replied(client, team_id, event)

    def _replied(self, client: WebClient, team_id: str, event: dict[str, Any]) -> None:
        user_id, channel_id, ts = event.get("user"), event.get("channel"), event.get("ts")
        if event.get("bot_id") or not user_id or not channel_id or not ts:
            return
        text = event.get("text") or ""
        now = self.rt.clock()
        with self.rt.db.unit_of_work() as session:
            logged = service.log_message_answer(session, team_id, user_id, channel_id=channel_id, ts=ts,
                                                thread_ts=event.get("thread_ts"), text=text, now=now)
        messages = self._messages(client)
        if logged is None:
            if not event.get("thread_ts") and text.strip():
                messages.nothing_to_answer(team_id, user_id, channel_id=channel_id, ts=ts, day=now.date())
            return
        if not logged.logged:
            return
        messages.mark_logged(channel_id, ts)
        if logged.first:
            messages.acknowledge_answer(team_id, user_id, logged.delivery.id, channel_id=channel_id,
                                        thread_ts=event.get("thread_ts") or ts, credit=logged.credit,
                                        shareable=logged.shareable)
        messages.redraw(logged.delivery.id)

    def _edited(self, client: WebClient, team_id: str, event: dict[str, Any]) -> None:
        message = event.get("message") or {}
        author = message.get("user")
        editor = (message.get("edited") or {}).get("user", author)
        if message.get("bot_id") or message.get("subtype") not in _OWN_TEXT_SUBTYPES or not author or editor != author:
            return
        with self.rt.db.unit_of_work() as session:
            delivery = service.edit_message_answer(session, team_id, author, channel_id=event.get("channel", ""),
                                                   ts=message.get("ts", ""), text=message.get("text") or "",
                                                   now=self.rt.clock())
        if delivery is not None:
            logger.info("Updated an answer to delivery %s after an edit", delivery.id)

    def _deleted(self, client: WebClient, team_id: str, event: dict[str, Any]) -> None:
        previous = event.get("previous_message") or {}
        if previous.get("bot_id"):
            return
        with self.rt.db.unit_of_work() as session:
            delivery = service.retract_message_answer(session, team_id, previous.get("user"),
                                                      channel_id=event.get("channel", ""),
                                                      ts=event.get("deleted_ts") or previous.get("ts") or "")
        if delivery is not None:
            self._refresh_prompt(client, delivery.id)

    # Keeping what the member sees in step
    def _messages(self, client: WebClient) -> PromptMessages:
        """Prompt DMs and forms, sent with the client Bolt gave this request."""
        return PromptMessages(client, self.rt.db, self.rt.sender, self.rt.clock)

    def _refresh_prompt(self, client: WebClient, delivery_id: int) -> None:
        """Redraw the prompt's DM: answered, skipped, or asking again after an answer was withdrawn."""
        self._messages(client).redraw(delivery_id)

    def _republish_home(self, client: WebClient, team_id: str, user_id: str, *,
                        pages: dict[str, int] | None = None) -> None:
        with telling(None, "refreshing App Home"):
            self.home.publish(team_id, user_id, pages=pages)
