"""Driving `/meet` polls through the real bot and reading them back from the fake Slack."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select

from storage.models import Poll, PollOption, PollVote
from tests.harness.bot import TEAM_ID, BotUnderTest

CHANNEL = "CGROUP"
MEET = '"First meeting" "Tue 1 Dec 10am" "Wed 2 Dec 2-4pm" "Thu 3 Dec" deadline "Fri 27 Nov 5pm"'


def meet(bot: BotUnderTest, text: str, *, user: str = "UALICE", channel: str = CHANNEL) -> dict[str, Any]:
    """Run `/meet text`, wait for the work after the ack, and return the ack's body (or {})."""
    response = bot.slack.command("/meet", text, user_id=user, channel_id=channel)
    assert response.status == 200 and response.elapsed < 3.0
    bot.drain()
    return response.json() if response.text.strip() else {}


def replies(bot: BotUnderTest) -> list[str]:
    """Text and blocks of every response-URL reply, as strings."""
    return [call.args.get("text", "") + json.dumps(call.args.get("blocks") or [])
            for call in bot.fake.calls_to("response_url")]


def last_reply(bot: BotUnderTest) -> str:
    return replies(bot)[-1]


def poll_message(bot: BotUnderTest, channel: str = CHANNEL) -> dict[str, Any]:
    """The newest poll message in the channel, as Slack now shows it."""
    polls = [m for m in bot.fake.messages(channel)
             if any(b.get("block_id") == "poll-footer" for b in m.get("blocks") or [])]
    assert polls, f"no poll message in {channel}: {bot.fake.messages(channel)}"
    return polls[-1]


def rendered(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks") or [])


def option_blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in message["blocks"] if str(b.get("block_id", "")).startswith("poll-option-")]


def option_ids(message: dict[str, Any]) -> list[int]:
    return [int(b["block_id"].rsplit("-", 1)[-1]) for b in option_blocks(message)]


def option_texts(message: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in option_blocks(message)]


def vote_action(message: dict[str, Any], index: int, choice: str) -> dict[str, Any]:
    option_id = option_ids(message)[index]
    block = next(b for b in message["blocks"] if b.get("block_id") == f"poll-vote-{option_id}")
    element = next(e for e in block["elements"] if e["action_id"] == f"poll_vote_{choice}")
    return {"type": "button", "action_id": element["action_id"], "block_id": block["block_id"],
            "value": element["value"], "text": element["text"]}


def click(bot: BotUnderTest, message: dict[str, Any], index: int, choice: str, *, user: str,
          drain: bool = True) -> Any:
    response = bot.slack.block_action(vote_action(message, index, choice), user_id=user, channel_id=CHANNEL,
                                      message=message)
    assert response.status == 200
    if drain:
        bot.drain()
    return response


def footer_action(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    block = next(b for b in message["blocks"] if b.get("block_id") == "poll-footer")
    element = next(e for e in block["elements"] if e["action_id"] == action_id)
    return {"type": "button", "action_id": action_id, "block_id": "poll-footer", "value": element["value"],
            "text": element["text"]}


def press(bot: BotUnderTest, message: dict[str, Any], action_id: str, *, user: str) -> Any:
    response = bot.slack.block_action(footer_action(message, action_id), user_id=user, channel_id=CHANNEL,
                                      message=message)
    assert response.status == 200
    bot.drain()
    return response


def counts(text: str) -> tuple[int, int, int]:
    """(yes, if need be, no) as an option's section shows them."""
    found = dict(re.findall(r":(white_check_mark|thinking_face|x): (\d+)", text))
    return int(found.get("white_check_mark", 0)), int(found.get("thinking_face", 0)), int(found.get("x", 0))


def database_counts(bot: BotUnderTest, poll_id: int) -> list[tuple[int, int, int]]:
    with bot.runtime.db.unit_of_work() as session:
        options = session.scalars(select(PollOption).where(PollOption.poll_id == poll_id)
                                  .order_by(PollOption.position)).all()
        votes = session.scalars(select(PollVote).where(PollVote.poll_id == poll_id)).all()
    return [tuple(sum(1 for v in votes if v.option_id == o.id and v.choice == c) for c in ("yes", "maybe", "no"))
            for o in options]  # type: ignore[misc]


def only_poll(bot: BotUnderTest) -> Poll:
    with bot.runtime.db.unit_of_work() as session:
        [poll] = session.scalars(select(Poll).where(Poll.team_id == TEAM_ID)).all()
        return poll


def add_members(bot: BotUnderTest, count: int, *, channel: str = CHANNEL) -> list[str]:
    """Add `count` people to the workspace and to the channel; returns their IDs."""
    users = [f"UV{index:04d}" for index in range(count)]
    for user in users:
        bot.fake.add_user(user, name=user.lower(), real_name=f"Voter {user[2:]}", tz="Europe/London")
    bot.fake.add_channel(channel, name="wg-commissioning", members=["UALICE", "UBEN", "UADMIN", *users])
    return users
