"""Sending messages: direct messages, and messages that must go out exactly once.

Posting a message is not safe to retry blindly: when Slack answers 5xx or the connection drops,
the message may already be in the channel. Messages that must not appear twice are posted with
metadata naming what they are (`post_findable`); after such a failure Convene looks in the
conversation for that metadata before it reports a failure that a later run would retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.slack.client import connection_dropped
from storage.db import Database
from storage.repositories.ledger import DispatchLedger

logger = logging.getLogger(__name__)


# Slack errors after which a message may or may not have been posted.
UNCERTAIN_ERRORS = frozenset({"internal_error", "fatal_error", "request_timeout", "service_unavailable"})
# How far back to look for a message posted just now (clocks differ a little).
LOOK_BACK = timedelta(minutes=2)


def open_dm(client: WebClient, user_id: str) -> str:
    """The ID of the bot's direct-message channel with a member."""
    return client.conversations_open(users=user_id)["channel"]["id"]


def tell_in_dm(client: WebClient, user_id: str, text: str) -> None:
    """One line to a member in their direct message with Convene."""
    client.chat_postMessage(channel=open_dm(client, user_id), text=text)


def outcome_unknown(error: BaseException) -> bool:
    """Slack may have acted on the request even though it failed (a 5xx, a dropped connection)."""
    if isinstance(error, SlackApiError):
        return error.response.status_code >= 500 or str(error.response.get("error")) in UNCERTAIN_ERRORS
    return connection_dropped(error)


def find_posted(client: WebClient, channel: str, *, event_type: str, payload: Mapping[str, Any],
                since: datetime) -> dict[str, Any] | None:
    """The message Convene posted in `channel` since `since` whose metadata is `event_type` with
    `payload` among its event_payload; {"channel", "ts"}, or None when there is none."""
    channel_id = open_dm(client, channel) if channel.startswith(("U", "W")) else channel
    oldest = f"{(since - LOOK_BACK).timestamp():.6f}"
    for page in client.conversations_history(channel=channel_id, oldest=oldest, include_all_metadata=True,
                                             limit=200):
        for message in page.get("messages", []):
            metadata = message.get("metadata") or {}
            found = metadata.get("event_payload") or {}
            if metadata.get("event_type") == event_type and all(found.get(k) == v for k, v in payload.items()):
                return {"channel": channel_id, "ts": message["ts"]}
    return None


def post_findable(client: WebClient, *, channel: str, text: str, event_type: str, payload: Mapping[str, Any],
                  since: datetime, **kwargs: Any) -> dict[str, Any]:
    """chat.postMessage with metadata that names it; when the post fails in a way that leaves its
    outcome unknown, look for it and return it if it was posted after all. Raises otherwise."""
    metadata = {"event_type": event_type, "event_payload": dict(payload)}
    try:
        return client.chat_postMessage(channel=channel, text=text, metadata=metadata, **kwargs).data  # type: ignore[return-value]
    except Exception as error:
        if not outcome_unknown(error):
            raise
        logger.warning("Posting %s %s failed with an unknown outcome; looking for it", event_type, dict(payload))
        try:
            found = find_posted(client, channel, event_type=event_type, payload=payload, since=since)
        except Exception:
            logger.exception("Could not look for %s %s after a failed post", event_type, dict(payload))
            raise error from None
        if found is None:
            raise
        return found


DISPATCH_EVENT = "convene_dispatch"


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
        since = self.clock()
        return self.send(team_id, key, lambda: post_findable(
            self.client, channel=channel, text=text, event_type=DISPATCH_EVENT, payload={"key": key}, since=since,
            **kwargs), recipient=recipient)

    def dm(self, team_id: str, key: str, *, user_id: str, text: str, **kwargs: Any) -> dict[str, Any] | None:
        """A direct message to a member, once per key."""
        since = self.clock()

        def send() -> dict[str, Any]:
            channel = open_dm(self.client, user_id)
            return post_findable(self.client, channel=channel, text=text, event_type=DISPATCH_EVENT,
                                 payload={"key": key}, since=since, **kwargs)

        return self.send(team_id, key, send, recipient=user_id)
