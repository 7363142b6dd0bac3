"""Keeping a call for volunteers' Slack message in step with the database, and thanking volunteers."""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk import WebClient

from bot.services.volunteering import CallState, call_state
from bot.slack.messages import OnceSender, post_findable
from bot.views.volunteering import call_blocks, call_text, thanks_text
from storage.db import Database

logger = logging.getLogger(__name__)

# Two clicks can finish in either order and their message updates can reach Slack in either order.
# After updating, whoever finds a newer version in the database updates again; a few rounds settle it.
MAX_REFRESH_ROUNDS = 4


class VolunteerCalls:
    """A call for volunteers' message in its channel, and the thanks in its thread."""

    def __init__(self, client: WebClient, db: Database, sender: OnceSender) -> None:
        self.client = client
        self.db = db
        self.sender = sender

    def post(self, call: CallState, *, since: datetime) -> str:
        """Post a new call in its channel; its message's ts. Findable by its metadata, should the
        answer be lost."""
        posted = post_findable(self.client, channel=call.channel_id, text=call_text(call), blocks=call_blocks(call),
                               event_type="convene_volunteer_call", payload={"call_id": call.id}, since=since)
        return str(posted["ts"])

    def open_form(self, trigger_id: str, view: dict[str, object]) -> None:
        self.client.views_open(trigger_id=trigger_id, view=view)

    def refresh(self, team_id: str, call_id: int) -> CallState:
        """Make the call's message show what the database holds now."""
        with self.db.unit_of_work() as session:
            state = call_state(session, team_id, call_id)
        for _ in range(MAX_REFRESH_ROUNDS):
            if state.message_ts is None:
                return state
            self.client.chat_update(channel=state.channel_id, ts=state.message_ts, text=call_text(state),
                                    blocks=call_blocks(state))
            with self.db.unit_of_work() as session:
                latest = call_state(session, team_id, call_id)
            if latest.version == state.version:
                return latest
            state = latest
        return state

    def announce_closed(self, state: CallState) -> None:
        """Thank and name the volunteers in the call's thread, once per closing of the call."""
        if state.is_open or state.message_ts is None or state.closed_at is None:
            return
        key = f"volunteer-closed:{state.id}:{int(state.closed_at.timestamp())}"
        self.sender.post(state.team_id, key, channel=state.channel_id, text=thanks_text(state),
                         thread_ts=state.message_ts)
