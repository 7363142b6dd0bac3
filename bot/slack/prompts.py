"""Prompts in members' direct messages: sending a round's prompt, nudging, redrawing after an answer,
replying to what members write in the DM, the answer and send-a-prompt forms, and telling a
coordinator how their round went.

Every send is claimed first with a delivery row whose uniqueness (one per prompt, member and period)
the database enforces, so a job run twice, or by two clocks, sends nothing twice. A prompt is posted
with metadata naming its delivery, so a post whose outcome is unknown is looked for before it is
counted as failed (`bot.slack.messages.post_findable`).
"""

from __future__ import annotations

import logging
from datetime import date

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.services import prompts as service
from bot.slack.client import ShuttingDown
from bot.slack.messages import OnceSender, post_findable
from bot.views import prompts as view
from storage.db import Database
from storage.models import PromptRound
from storage.repositories.prompts import DeliveryRepository

logger = logging.getLogger(__name__)

PROMPT_EVENT = "convene_prompt"
# Slack errors that will not go away by trying again.
PERMANENT_ERRORS = frozenset({
    "user_not_found", "cannot_dm_bot", "user_disabled", "account_inactive", "channel_not_found",
    "is_archived", "restricted_action", "user_not_visible", "not_allowed_token_type", "invalid_auth",
    "missing_scope", "team_access_not_granted",
})


class PromptMessages:
    """The prompt DMs of one process: each delivery claimed before it is sent, and recorded after."""

    def __init__(self, client: WebClient, db: Database, sender: OnceSender, clock: Clock) -> None:
        self.client = client
        self.db = db
        self.sender = sender
        self.clock = clock

    def deliver(self, round_: PromptRound, recipient: service.Recipient) -> str:
        """Claim, send, record. 'sent', 'taken' (someone else has it), 'failed' or 'interrupted' (left for later).

        Called while acting for the round's workspace (`bot.slack.installations.acting_for`), as a
        fan-out's pool threads do.
        """
        with self.db.unit_of_work() as session:
            delivery_id = DeliveryRepository(session).claim(round_, recipient.user_id, due_at=recipient.due_at,
                                                            now=self.clock())
        if delivery_id is None:
            return "taken"
        text, blocks = view.prompt_message(delivery_id, round_.question, kind=round_.kind)
        try:
            # Posting to a user ID lands in the app's DM with them: one call instead of two.
            response = post_findable(self.client, channel=recipient.user_id, text=text, blocks=blocks,
                                     event_type=PROMPT_EVENT, payload={"delivery_id": delivery_id},
                                     since=self.clock(), unfurl_links=False, unfurl_media=False)
        except ShuttingDown:
            # Slack answered 429, so nothing was posted: the next run sends it.
            with self.db.unit_of_work() as session:
                DeliveryRepository(session).release(delivery_id)
            return "interrupted"
        except SlackApiError as error:
            code = str(error.response.get("error"))
            logger.warning("Could not send prompt round %s to %s: %s", round_.id, recipient.user_id, code)
            with self.db.unit_of_work() as session:
                DeliveryRepository(session).mark_failed(delivery_id, error=code, permanent=code in PERMANENT_ERRORS)
            return "failed"
        except Exception as error:
            logger.exception("Could not send prompt round %s to %s", round_.id, recipient.user_id)
            with self.db.unit_of_work() as session:
                DeliveryRepository(session).mark_failed(delivery_id, error=repr(error), permanent=False)
            return "failed"
        with self.db.unit_of_work() as session:
            DeliveryRepository(session).mark_sent(delivery_id, channel_id=response["channel"], ts=response["ts"],
                                                  now=self.clock())
        return "sent"

    def report_round(self, team_id: str, round_id: int, *, to: str, number: int, counts: dict[str, int],
                     left_out: int) -> None:
        """Tell the coordinator who sent a round how it went, once per round."""
        text = view.round_report_text(number, counts, left_out=left_out)
        try:
            self.sender.dm(team_id, f"prompt-round-report:{round_id}", user_id=to, text=text)
        except SlackApiError as error:
            logger.warning("Could not tell %s how round %s went: %s", to, round_id, error.response.get("error"))

    def nudge(self, delivery_id: int, channel_id: str | None, question: str) -> int:
        """One nudge about an unanswered prompt, claimed first; 1 when it was sent."""
        with self.db.unit_of_work() as session:
            if not DeliveryRepository(session).claim_nudge(delivery_id, now=self.clock()):
                return 0
        if channel_id is None:
            return 0
        text, blocks = view.nudge_message(delivery_id, question)
        try:
            response = self.client.chat_postMessage(channel=channel_id, text=text, blocks=blocks, unfurl_links=False,
                                                    unfurl_media=False)
        except ShuttingDown:
            with self.db.unit_of_work() as session:
                DeliveryRepository(session).release_nudge(delivery_id)  # not sent: the next tick sends it
            return 0
        except SlackApiError as error:
            # Slack refused it outright, so it was not sent: let the next tick try once more.
            logger.warning("Could not nudge about delivery %s: %s", delivery_id, error.response.get("error"))
            with self.db.unit_of_work() as session:
                DeliveryRepository(session).release_nudge(delivery_id)
            return 0
        with self.db.unit_of_work() as session:
            DeliveryRepository(session).mark_nudged(delivery_id, ts=response["ts"], now=self.clock())
        return 1

    def redraw(self, delivery_id: int) -> None:
        """Redraw the prompt's DM: answered, skipped, or asking again after an answer was withdrawn."""
        with self.db.unit_of_work() as session:
            state = service.delivery_state_of(session, delivery_id)
        if state is None or not state.channel_id or not state.ts:
            return
        text, blocks = view.delivery_message(state)
        try:
            self.client.chat_update(channel=state.channel_id, ts=state.ts, text=text, blocks=blocks)
        except SlackApiError as error:
            logger.warning("Could not redraw prompt delivery %s: %s", delivery_id, error.response.get("error"))

    # Replies to what a member writes in their DM with Convene

    def mark_logged(self, channel_id: str, ts: str) -> None:
        """React to a reply that was logged as an answer (already reacted is fine)."""
        try:
            self.client.reactions_add(channel=channel_id, timestamp=ts, name=view.LOGGED_REACTION)
        except SlackApiError as error:
            if error.response.get("error") != "already_reacted":
                logger.warning("Could not react to an answer in %s: %s", channel_id, error.response.get("error"))

    def acknowledge_answer(self, team_id: str, user_id: str, delivery_id: int, *, channel_id: str, thread_ts: str,
                           credit: str, shareable: bool) -> None:
        """Say, once per delivery, that the first reply was logged and how it will be credited."""
        self.sender.post(team_id, f"prompt-answer-ack:{delivery_id}", channel=channel_id,
                         text=view.answer_ack_text(credit, shareable), thread_ts=thread_ts, recipient=user_id)

    def nothing_to_answer(self, team_id: str, user_id: str, *, channel_id: str, ts: str, day: date) -> None:
        """Explain, at most once a day, that a message in the DM answered no prompt."""
        self.sender.post(team_id, f"prompt-dm-help:{user_id}:{day.isoformat()}", channel=channel_id,
                         text=view.nothing_to_answer_text(), thread_ts=ts, recipient=user_id)

    def tell(self, user_id: str, text: str) -> None:
        """One line in the member's DM with Convene (posting to a user ID lands there)."""
        self.client.chat_postMessage(channel=user_id, text=text)

    # Forms

    def open_answer_form(self, trigger_id: str, form: service.AnswerForm, *, from_home: bool) -> None:
        """The Answer modal; one opened from the App Home says so, so that saving redraws the Home."""
        modal = view.answer_modal(form)
        modal["private_metadata"] += ":home" if from_home else ""
        self.client.views_open(trigger_id=trigger_id, view=modal)

    def open_send_form(self, trigger_id: str, found: service.PromptListing, *, channel_id: str | None) -> None:
        """The App Home's *Send a prompt* form (coordinators)."""
        self.client.views_open(trigger_id=trigger_id, view=view.send_modal(found, channel_id=channel_id))
