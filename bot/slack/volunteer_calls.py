"""Keeping a call for volunteers' Slack message in step with the database, and thanking volunteers."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.services.volunteering import CallState, call_state
from bot.views.volunteering import call_blocks, call_text, thanks_text

if TYPE_CHECKING:
    from bot.runtime import Runtime

logger = logging.getLogger(__name__)

# Two clicks can finish in either order and their message updates can reach Slack in either order.
# After updating, whoever finds a newer version in the database updates again; a few rounds settle it.
MAX_REFRESH_ROUNDS = 4


def refresh_call_message(rt: Runtime, team_id: str, call_id: int) -> CallState:
    """Make the call's message show what the database holds now."""
    with rt.db.unit_of_work() as session:
        state = call_state(session, team_id, call_id)
    for _ in range(MAX_REFRESH_ROUNDS):
        if state.message_ts is None:
            return state
        rt.client.chat_update(channel=state.channel_id, ts=state.message_ts, text=call_text(state),
                              blocks=call_blocks(state))
        with rt.db.unit_of_work() as session:
            latest = call_state(session, team_id, call_id)
        if latest.version == state.version:
            return latest
        state = latest
    return state


def announce_closed(rt: Runtime, state: CallState) -> None:
    """Thank and name the volunteers in the call's thread, once per closing of the call."""
    if state.is_open or state.message_ts is None or state.closed_at is None:
        return
    key = f"volunteer-closed:{state.id}:{int(state.closed_at.timestamp())}"
    rt.sender.post(state.team_id, key, channel=state.channel_id, text=thanks_text(state), thread_ts=state.message_ts)
