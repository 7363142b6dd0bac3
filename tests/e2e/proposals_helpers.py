"""Driving `/propose` through the real bot and reading proposals back from the fake Slack."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select

from bot.services import issues
from storage.models import Member, Proposal, ProposalPosition
from tests.harness.bot import TEAM_ID, BotUnderTest
from tests.harness.signed import view_state

CHANNEL = "CGROUP"
ASK = "We ask commissioners to stop requiring a single lead provider"
PROPOSE = f'"{ASK}" closes "Fri 5pm"'


def propose(bot: BotUnderTest, text: str, *, user: str = "UALICE", channel: str = CHANNEL) -> dict[str, Any]:
    """Run `/propose text`, wait for the work after the ack, and return the ack's body (or {})."""
    response = bot.slack.command("/propose", text, user_id=user, channel_id=channel)
    assert response.status == 200 and response.elapsed < 3.0
    bot.drain()
    return response.json() if response.text.strip() else {}


def issue(bot: BotUnderTest, text: str, *, user: str = "UALICE") -> None:
    bot.slack.command("/issue", text, user_id=user, channel_id=CHANNEL)
    bot.drain()


def add_issues(bot: BotUnderTest, count: int, *, user: str = "UALICE") -> list[int]:
    """Issues #1…#count in the register, titled "Issue N …"; their IDs."""
    bot.runtime.directory.ensure(TEAM_ID, user)
    ids = []
    with bot.runtime.db.unit_of_work() as session:
        for n in range(count):
            made = issues.create_issue(session, TEAM_ID, issues.IssueDraft(title=f"Issue {n + 1} in the register"),
                                       author_id=user, now=bot.clock())
            ids.append(made.id)
    return ids


def replies(bot: BotUnderTest) -> list[str]:
    return [call.args.get("text", "") + json.dumps(call.args.get("blocks") or [], ensure_ascii=False)
            for call in bot.fake.calls_to("response_url")]


def last_reply(bot: BotUnderTest) -> str:
    return replies(bot)[-1]


def proposal_messages(bot: BotUnderTest, channel: str = CHANNEL) -> list[dict[str, Any]]:
    return [m for m in bot.fake.messages(channel)
            if any(b.get("block_id") == "proposal-footer" for b in m.get("blocks") or [])]


def proposal_message(bot: BotUnderTest, channel: str = CHANNEL) -> dict[str, Any]:
    """The newest proposal message in the channel, as Slack now shows it."""
    found = proposal_messages(bot, channel)
    assert found, f"no proposal message in {channel}: {bot.fake.messages(channel)}"
    return found[-1]


def rendered(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks") or [], ensure_ascii=False)


def block_text(message: dict[str, Any], block_id: str) -> str:
    block = next((b for b in message["blocks"] if b.get("block_id") == block_id), None)
    return "" if block is None else block["text"]["text"]


def tally(message: dict[str, Any]) -> dict[str, int]:
    """(stance → count) as the message's tally shows them."""
    text = block_text(message, "proposal-tally")
    return {stance.lower(): int(n) for stance, n in re.findall(r"(Agree|Abstain|Disagree|Block) \*(\d+)\*", text)}


def stance_action(message: dict[str, Any], stance: str) -> dict[str, Any]:
    block = next(b for b in message["blocks"] if b.get("block_id") == "proposal-stances")
    element = next(e for e in block["elements"] if e["action_id"] == f"proposal_stance_{stance}")
    return {"type": "button", "action_id": element["action_id"], "block_id": block["block_id"],
            "value": element["value"], "text": element["text"]}


def take(bot: BotUnderTest, message: dict[str, Any], stance: str, *, user: str, drain: bool = True) -> Any:
    response = bot.slack.block_action(stance_action(message, stance), user_id=user, channel_id=CHANNEL,
                                      message=message)
    assert response.status == 200 and response.elapsed < 3.0
    if drain:
        bot.drain()
    return response


def footer_action(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    block = next(b for b in message["blocks"] if b.get("block_id") == "proposal-footer")
    element = next(e for e in block["elements"] if e["action_id"] == action_id)
    return {"type": "button", "action_id": action_id, "block_id": "proposal-footer", "value": element["value"],
            "text": element["text"]}


def press(bot: BotUnderTest, message: dict[str, Any], action_id: str, *, user: str) -> Any:
    response = bot.slack.block_action(footer_action(message, action_id), user_id=user, channel_id=CHANNEL,
                                      message=message)
    assert response.status == 200 and response.elapsed < 3.0
    bot.drain()
    return response


def last_view(bot: BotUnderTest, callback_id: str) -> dict[str, Any]:
    """The newest view of that kind the bot opened, as the fake Slack holds it."""
    opened = [call.json("view") for call in bot.fake.calls_to("views.open")]
    found = [view for view in opened if view["callback_id"] == callback_id]
    assert found, f"no {callback_id} view was opened: {[v['callback_id'] for v in opened]}"
    return found[-1]


def submit(bot: BotUnderTest, view: dict[str, Any], answers: dict[str, Any], *, user: str) -> dict[str, Any]:
    response = bot.slack.view_submission(view, view_state(view, answers), user_id=user)
    assert response.status == 200 and response.elapsed < 3.0
    bot.drain()
    return response.json() if response.text.strip() else {}


def say_position(bot: BotUnderTest, message: dict[str, Any], stance: str, *, user: str, reason: str = "",
                 credit: str | None = None, organisation: str | None = None) -> dict[str, Any]:
    """*My position*, then submit a stance, a reason and a credit choice."""
    press(bot, message, "proposal_my_position", user=user)
    view = last_view(bot, "proposal_position")
    answers: dict[str, Any] = {"proposal_stance": stance, "proposal_reason": reason}
    if credit is not None:
        answers["proposal_credit"] = credit
    if organisation is not None:
        answers["proposal_organisation"] = organisation
    return submit(bot, view, answers, user=user)


def record_outcome(bot: BotUnderTest, message: dict[str, Any], outcome: str, statement: str | None = None, *,
                   user: str = "UALICE", resolution: str | None = None) -> dict[str, Any]:
    button = "proposal_record_outcome"
    press(bot, message, button, user=user)
    view = last_view(bot, "proposal_outcome")
    answers: dict[str, Any] = {"proposal_outcome_choice": outcome}
    if statement is not None:
        answers["proposal_statement"] = statement
    if resolution is not None:
        answers["proposal_block_resolution"] = resolution
    return submit(bot, view, answers, user=user)


def only_proposal(bot: BotUnderTest) -> Proposal:
    with bot.runtime.db.unit_of_work() as session:
        [proposal] = session.scalars(select(Proposal).where(Proposal.team_id == TEAM_ID)).all()
        return proposal


def positions(bot: BotUnderTest) -> dict[str, str]:
    with bot.runtime.db.unit_of_work() as session:
        return {p.user_id: p.stance for p in session.scalars(select(ProposalPosition))}


def set_organisations(bot: BotUnderTest, organisations: dict[str, str]) -> None:
    bot.runtime.directory.ensure_many(TEAM_ID, list(organisations))
    with bot.runtime.db.unit_of_work() as session:
        for user_id, organisation in organisations.items():
            session.get(Member, (TEAM_ID, user_id)).organisation = organisation


def add_members(bot: BotUnderTest, count: int, *, channel: str = CHANNEL) -> list[str]:
    """Add `count` people to the workspace and to the channel; returns their IDs."""
    users = [f"UM{index:04d}" for index in range(count)]
    for user in users:
        bot.fake.add_user(user, name=user.lower(), real_name=f"Member {user[2:]}", tz="Europe/London")
    bot.fake.add_channel(channel, name="wg-commissioning", members=["UALICE", "UBEN", "UADMIN", *users])
    return users
