"""Sending messages: direct messages, and messages that must go out exactly once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from storage.db import Database
from storage.repositories.ledger import DispatchLedger

logger = logging.getLogger(__name__)


def open_dm(client: WebClient, user_id: str) -> str:
    """The ID of the bot's direct-message channel with a member."""
    return client.conversations_open(users=user_id)["channel"]["id"]


class OnceSender:
    """Claims a ledger key before sending, so a job run twice (or by two clocks) sends once."""

    def __init__(self, client: WebClient, db: Database, clock: Clock) -> None:
        self.client = client
        self.db = db
        self.clock = clock

    def send(self, team_id: str, key: str, send: Callable[[], dict[str, Any]], *,
             recipient: str | None = None) -> dict[str, Any] | None:
        """Run `send` (which returns Slack's response) unless `key` was already claimed.

        `recipient` is the member a direct message goes to, so `/convene my-data` and
        `/convene forget-me` find it. Returns Slack's response, or None when someone else has
        sent it. A Slack error marks the dispatch failed, so that a later run may try again, and
        is raised to the caller.
        """
        with self.db.unit_of_work() as session:
            if not DispatchLedger(session).claim(team_id, key, now=self.clock(), user_id=recipient):
                return None
        try:
            response = send()
        except SlackApiError as exc:
            with self.db.unit_of_work() as session:
                DispatchLedger(session).mark_failed(team_id, key, error=str(exc.response.get("error")))
            raise
        except Exception as exc:
            with self.db.unit_of_work() as session:
                DispatchLedger(session).mark_failed(team_id, key, error=repr(exc))
            raise
        with self.db.unit_of_work() as session:
            DispatchLedger(session).mark_sent(
                team_id, key, channel_id=response.get("channel"), ts=response.get("ts"), now=self.clock()
            )
        return response

    def post(self, team_id: str, key: str, *, channel: str, text: str, recipient: str | None = None,
             **kwargs: Any) -> dict[str, Any] | None:
        """chat.postMessage once per key (`recipient`: the member, when `channel` is a DM with them)."""
        return self.send(team_id, key, lambda: self.client.chat_postMessage(channel=channel, text=text, **kwargs).data,  # type: ignore[return-value]
                         recipient=recipient)

    def dm(self, team_id: str, key: str, *, user_id: str, text: str, **kwargs: Any) -> dict[str, Any] | None:
        """A direct message to a member, once per key."""

        def send() -> dict[str, Any]:
            channel = open_dm(self.client, user_id)
            return self.client.chat_postMessage(channel=channel, text=text, **kwargs).data  # type: ignore[return-value]

        return self.send(team_id, key, send, recipient=user_id)
