"""Helpers for the /prompt end-to-end tests."""

from __future__ import annotations

import itertools
import json
from typing import Any

from sqlalchemy import select

from bot.jobs import prompts as prompt_jobs
from storage.models import PromptAnswer, PromptDelivery
from storage.repositories.workspaces import WorkspaceRepository
from tests.harness.bot import TEAM_ID, BotUnderTest

_names = itertools.count(1)


def use_group_channel(bot: BotUnderTest, channel_id: str = "CGROUP") -> None:
    """Set the group's channel as `/convene settings channel` would."""
    with bot.runtime.db.unit_of_work() as session:
        WorkspaceRepository(session).get_or_create(TEAM_ID, now=bot.clock()).channel_id = channel_id


def say(bot: BotUnderTest, text: str, *, user: str = "UADMIN") -> str:
    """Send `/prompt <text>`; the ephemeral answer's text and blocks as one string."""
    name = f"prompt-{next(_names)}"
    bot.slack.command("/prompt", text, user_id=user, response_url=bot.fake.response_url(name))
    bot.drain()
    replies = [call.args for call in bot.fake.calls_to("response_url") if call.args.get("response_url_name") == name]
    assert replies, f"/prompt {text} answered nothing"
    reply = replies[-1]
    return reply.get("text", "") + json.dumps(reply.get("blocks") or [], ensure_ascii=False)


def tick(bot: BotUnderTest, at: str) -> None:
    """Run the standing prompts job at `at` (ISO with offset)."""
    bot.clock.set(at)
    prompt_jobs.tick()


def prompt_dms(bot: BotUnderTest, user_id: str) -> list[dict[str, Any]]:
    """The prompt messages (not nudges, acknowledgements…) in the bot's DM with a member."""
    return [m for m in bot.fake.messages(user_id)
            if any(str(b.get("block_id", "")).startswith("prompt_actions_") for b in m["blocks"])]


def nudges(bot: BotUnderTest, user_id: str) -> list[dict[str, Any]]:
    return [m for m in bot.fake.messages(user_id)
            if any(str(b.get("block_id", "")).startswith("prompt_nudge_") for b in m["blocks"])]


def delivery_id_of(message: dict[str, Any]) -> int:
    for block in message["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == "prompt_answer":
                return int(element["value"])
    raise AssertionError("no Answer button in that message")


def send_now(bot: BotUnderTest, text: str = "send now", *, user: str = "UADMIN") -> int:
    """`/prompt send now …` then run the fan-out job it stored; returns the round's ID."""
    before = set(bot.runtime.jobs.ids())
    reply = say(bot, text, user=user)
    added = [job for job in set(bot.runtime.jobs.ids()) - before if job.startswith("prompts:round:")]
    assert added, reply
    round_id = int(added[0].rsplit(":", 1)[1])
    prompt_jobs.deliver_round(TEAM_ID, round_id)
    return round_id


def answers(bot: BotUnderTest, user_id: str | None = None) -> list[PromptAnswer]:
    with bot.runtime.db.unit_of_work() as session:
        query = select(PromptAnswer).order_by(PromptAnswer.id)
        if user_id:
            query = query.where(PromptAnswer.user_id == user_id)
        return list(session.scalars(query))


def deliveries(bot: BotUnderTest, user_id: str | None = None) -> list[PromptDelivery]:
    with bot.runtime.db.unit_of_work() as session:
        query = select(PromptDelivery).order_by(PromptDelivery.id)
        if user_id:
            query = query.where(PromptDelivery.user_id == user_id)
        return list(session.scalars(query))


def reply_in_dm(bot: BotUnderTest, user_id: str, text: str, *, thread_ts: str | None = None) -> dict[str, Any]:
    """The member writes in their DM with the bot: the message lands in the fake and Slack sends the event."""
    channel = "D" + user_id[1:]
    message = bot.fake.add_message(channel, text, user=user_id, thread_ts=thread_ts)
    bot.slack.message_event(text, user_id=user_id, channel_id=channel, ts=message["ts"], thread_ts=thread_ts,
                            channel_type="im")
    bot.drain()
    return message


def edit_in_dm(bot: BotUnderTest, user_id: str, ts: str, text: str, *, editor: str | None = None) -> None:
    channel = "D" + user_id[1:]
    bot.slack.event({
        "type": "message", "subtype": "message_changed", "hidden": True, "channel": channel, "channel_type": "im",
        "ts": f"{float(ts) + 5:.6f}",
        "message": {"type": "message", "user": user_id, "text": text, "ts": ts,
                    "edited": {"user": editor or user_id, "ts": f"{float(ts) + 5:.6f}"}},
        "previous_message": {"type": "message", "user": user_id, "text": "before", "ts": ts},
    })
    bot.drain()


def delete_in_dm(bot: BotUnderTest, user_id: str, ts: str) -> None:
    channel = "D" + user_id[1:]
    bot.slack.event({
        "type": "message", "subtype": "message_deleted", "hidden": True, "channel": channel, "channel_type": "im",
        "ts": f"{float(ts) + 9:.6f}", "deleted_ts": ts,
        "previous_message": {"type": "message", "user": user_id, "text": "gone", "ts": ts},
    })
    bot.drain()
