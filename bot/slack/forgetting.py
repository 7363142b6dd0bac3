"""After `/convene forget-me`: redraw the Slack messages that showed the member.

Poll and proposal messages, issue cards and calls for volunteers are rendered again from the database, which
no longer names them. Posts that cannot be rebuilt (a decision announcement, a digest, a thank-you
reply) are read back from Slack and updated with the member's mentions and names taken out. A
failure is logged without the member's ID and the rest carry on; polls and issue cards are also
repaired later by their sweeps, since forgetting marked them changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.services.personal_data import Forgotten, redact
from bot.settings import Settings
from bot.slack.directory import MemberDirectory
from bot.slack.issue_cards import IssueCards
from bot.slack.messages import OnceSender
from bot.slack.polls import PollMessages
from bot.slack.proposals import ProposalMessages
from bot.slack.volunteer_calls import VolunteerCalls
from bot.views.home import forgotten_home_view
from storage.db import Database

logger = logging.getLogger(__name__)


class ForgettingRedraw:
    """Redraws what showed a forgotten member, area by area, from explicit collaborators."""

    def __init__(self, client: WebClient, db: Database, directory: MemberDirectory, sender: OnceSender,
                 clock: Clock, settings: Settings) -> None:
        self.client = client
        self.db = db
        self.directory = directory
        self.sender = sender
        self.clock = clock
        self.settings = settings

    def redraw(self, team_id: str, user_id: str, forgotten: Forgotten) -> int:
        """Redraw everything `forgotten.redraw` lists; returns how many messages were changed."""
        changed = 0
        messages = PollMessages(self.client, self.db, self.directory, self.sender, self.clock)
        for poll_id in sorted(forgotten.redraw.polls):
            changed += _attempt(f"poll {poll_id}", partial(messages.refresh, team_id, poll_id))
        proposal_messages = ProposalMessages(self.client, self.db, self.directory, self.sender, self.clock)
        for proposal_id in sorted(forgotten.redraw.proposals):
            changed += _attempt(f"proposal {proposal_id}", partial(proposal_messages.refresh, team_id, proposal_id))
        cards = IssueCards(self.client, self.db, self.sender, self.clock, self.settings)
        for issue_id in sorted(forgotten.redraw.issues):
            changed += _attempt(f"issue {issue_id}", partial(cards.update_card, team_id, issue_id))
        calls = VolunteerCalls(self.client, self.db, self.sender)
        for call_id in sorted(forgotten.redraw.calls):
            changed += _attempt(f"call {call_id}", partial(calls.refresh, team_id, call_id))
        for channel_id, ts in sorted(forgotten.redraw.messages):
            changed += _attempt(f"message {channel_id}/{ts}", partial(self._take_out, channel_id, ts, user_id,
                                                                     forgotten.names))
        # Their own App Home showed what Convene knew about them.
        _attempt("their App Home",
                 lambda: bool(self.client.views_publish(user_id=user_id, view=forgotten_home_view())))
        logger.info("Redrew %d Slack messages after forgetting a member of %s", changed, team_id)
        return changed

    def _find(self, channel_id: str, ts: str) -> dict[str, Any] | None:
        """The message at `ts`, at the top of its channel or in a thread."""
        history = self.client.conversations_history(channel=channel_id, latest=ts, inclusive=True, limit=1)
        messages: list[dict[str, Any]] = history.get("messages") or []
        for message in messages:
            if message.get("ts") == ts:
                return dict(message)
        replies = self.client.conversations_replies(channel=channel_id, ts=ts, limit=200)
        for message in replies.get("messages", []):
            if message.get("ts") == ts:
                return dict(message)
        return None

    def _take_out(self, channel_id: str, ts: str, user_id: str, names: tuple[str, ...]) -> bool:
        message = self._find(channel_id, ts)
        if message is None:
            return False
        text, blocks = message.get("text") or "", message.get("blocks")
        new_text, new_blocks = redact(text, user_id, names), redact(blocks, user_id, names)
        if new_text == text and new_blocks == blocks:
            return False
        update: dict[str, Any] = {"channel": channel_id, "ts": ts, "text": new_text or " "}
        if new_blocks:
            update["blocks"] = new_blocks
        self.client.chat_update(**update)
        return True


def _attempt(what: str, redraw: Callable[[], object]) -> int:
    try:
        return int(bool(redraw()))
    except SlackApiError as error:
        logger.warning("Could not redraw %s after forgetting a member: %s", what, error.response.get("error"))
    except Exception:
        logger.exception("Could not redraw %s after forgetting a member", what)
    return 0
