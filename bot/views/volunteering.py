"""Calls for volunteers as Slack shows them: the channel message, the extend modal, lists."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.services.paging import Window
from bot.services.volunteering import CallState
from bot.text import escape
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    date_token,
    fit_blocks,
    input_block,
    message_text,
    modal,
    option,
    plain,
    section,
)
from bot.views.paging import home_pager

HELP_ACTION = "volunteer_help"
CANT_ACTION = "volunteer_cant"
MANAGE_ACTION = "volunteer_manage"
EXTEND_MODAL = "volunteer_extend"
NEW_ACTION = "volunteer_new"  # the App Home's *Call for volunteers*
CREATE_MODAL = "volunteer_create"
TASK_BLOCK = TASK_ACTION = "volunteer_task"
CHANNEL_BLOCK = CHANNEL_ACTION = "volunteer_channel"
NEEDED_BLOCK = "volunteer_needed"
NEEDED_ACTION = "volunteer_needed"
DEADLINE_BLOCK = "volunteer_deadline"
DEADLINE_ACTION = "volunteer_deadline"
# The App Home's section of open calls, for its paging buttons.
HOME_SECTION = "calls"

MAX_NAMED = 40  # people named in one message; beyond that, a count


def _names(user_ids: tuple[str, ...]) -> str:
    shown = [f"<@{user_id}>" for user_id in user_ids[:MAX_NAMED]]
    if len(user_ids) > MAX_NAMED:
        shown.append(f"{len(user_ids) - MAX_NAMED} more")
    if len(shown) <= 2:
        return " and ".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def _deadline(when: datetime) -> str:
    epoch = int(when.timestamp())
    return date_token(epoch, "{date_short_pretty} at {time}", when.strftime("%a %d %b %H:%M UTC"))


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


def call_blocks(call: CallState) -> list[Block]:
    task = escape(call.task)
    asker = f"<@{call.created_by}>" if call.created_by else "Someone"
    if call.is_open:
        lines = [f":raising_hand: *Volunteers wanted:* {task}",
                 f"{asker} is asking for {_people(call.needed)}."]
        if call.deadline:
            lines[-1] += f" Closes {_deadline(call.deadline)}."
    else:
        lines = [f":white_check_mark: *{_closed_heading(call)}:* {task}"]
    blocks: list[Block] = [section("\n".join(lines))]

    signed = len(call.helpers)
    if call.helpers:
        blocks.append(section(f"*Signed up ({signed} of {call.needed}):* {_names(call.helpers)}"))
    elif call.is_open:
        blocks.append(section(f"*Signed up (0 of {call.needed}):* nobody yet."))
    else:
        blocks.append(section("Nobody signed up this time."))

    notes = []
    if call.cant:
        notes.append(f"{len(call.cant)} can't this time")
    if call.is_open and call.places_left:
        notes.append(f"{call.places_left} {'place' if call.places_left == 1 else 'places'} left")
    if not call.is_open and call.closed_at:
        notes.append(f"closed {_deadline(call.closed_at)}")
    if notes:
        blocks.append(context(" · ".join(notes)))

    value = str(call.id)
    manage = {
        "type": "overflow",
        "action_id": MANAGE_ACTION,
        "options": [option("Change places or deadline", f"extend:{value}")]
        + ([option("Close this call now", f"close:{value}")] if call.is_open else [option("Reopen with more places", f"extend:{value}:reopen")]),
    }
    if call.is_open:
        blocks.append(actions(button("I'll help", HELP_ACTION, value=value, style="primary"),
                              button("Can't this time", CANT_ACTION, value=value), manage,
                              block_id=f"volunteer_call_{value}"))
    else:
        blocks.append(actions(manage, block_id=f"volunteer_call_{value}"))
    return blocks


def _closed_heading(call: CallState) -> str:
    if call.close_reason == "filled":
        return "Thank you, all places taken"
    if call.close_reason == "deadline":
        return "Closed at its deadline"
    return "Closed"


def call_text(call: CallState) -> str:
    """The notification text that goes with the message."""
    if call.is_open:
        return message_text(f"Volunteers wanted: {escape(call.task)} ({len(call.helpers)} of {call.needed} signed up)")
    return message_text(f"Closed: {escape(call.task)}")


def thanks_text(call: CallState) -> str:
    """Posted in the call's thread when it closes: the volunteers named and thanked."""
    task = escape(call.task)
    if call.close_reason == "filled":
        return f":tada: Thank you {_names(call.helpers)}! That's everyone *{task}* needed."
    if call.close_reason == "deadline":
        if call.helpers:
            return (f":alarm_clock: This call reached its deadline with {len(call.helpers)} of {call.needed} "
                    f"signed up. Thank you {_names(call.helpers)}!")
        return ":alarm_clock: This call reached its deadline and closed; nobody signed up this time."
    if call.helpers:
        return f"This call is closed. Thank you {_names(call.helpers)} for taking on *{task}*!"
    return "This call is closed."


def answer_text(outcome: str, call: CallState) -> str:
    """The ephemeral line the person who clicked sees."""
    task = escape(call.task)
    asker = f"<@{call.created_by}>" if call.created_by else "whoever posted it"
    return {
        "signed_up": f":raised_hands: Thank you! You're down to help with *{task}*.",
        "already_signed_up": f"You're already signed up for *{task}*.",
        "full": f"Thank you, but *{task}* already has everyone it needs.",
        "closed": f"*{task}* is closed now; ask {asker} if you'd still like to help.",
        "declined": "Thanks for letting the group know.",
        "already_declined": "You've already said you can't this time.",
        "withdrew": f"You're no longer signed up for *{task}*.",
    }[outcome]


def create_modal(*, channel_id: str | None, zone_name: str, max_task: int, max_needed: int) -> dict[str, Any]:
    """*Call for volunteers*: what `/volunteer "task" N by <date>` says, as a form with the channel to post in."""
    channel: dict[str, Any] = {"type": "conversations_select", "action_id": CHANNEL_ACTION,
                               "placeholder": plain("Where to post the call", limit=150),
                               "filter": {"include": ["public", "private"], "exclude_bot_users": True}}
    if channel_id and channel_id.startswith(("C", "G")):
        channel["initial_conversation"] = channel_id
    blocks: list[Block] = [
        input_block("What needs doing",
                    {"type": "plain_text_input", "action_id": TASK_ACTION, "max_length": max_task,
                     "placeholder": plain("Draft the scope document", limit=150)},
                    block_id=TASK_BLOCK),
        input_block("People needed",
                    {"type": "number_input", "action_id": NEEDED_ACTION, "is_decimal_allowed": False,
                     "min_value": "1", "max_value": str(max_needed), "initial_value": "1"},
                    block_id=NEEDED_BLOCK),
        input_block("Closes by",
                    {"type": "plain_text_input", "action_id": DEADLINE_ACTION, "max_length": 100,
                     "placeholder": plain("e.g. Fri 4 Dec 5pm")},
                    block_id=DEADLINE_BLOCK, optional=True,
                    hint=f"In your time zone ({zone_name}). Leave empty to keep it open until enough people sign up."),
        input_block("Channel", channel, block_id=CHANNEL_BLOCK,
                    hint="Convene posts in public channels by itself; invite it to a private one first."),
    ]
    return modal("Call for volunteers", blocks, callback_id=CREATE_MODAL, submit="Post call")


def extend_modal(call: CallState, *, zone: ZoneInfo) -> dict[str, Any]:
    deadline = ""
    if call.deadline:
        local = call.deadline.astimezone(zone)
        deadline = f"{local:%a} {local.day} {local:%b %H:%M}"
    blocks: list[Block] = [
        section(f"*{escape(call.task)}* — {len(call.helpers)} signed up so far."),
        input_block("People needed in total",
                    {"type": "number_input", "action_id": NEEDED_ACTION, "is_decimal_allowed": False,
                     "min_value": str(max(1, len(call.helpers))), "max_value": "100",
                     "initial_value": str(max(call.needed, 1))},
                    block_id=NEEDED_BLOCK),
        input_block("Closes by",
                    {"type": "plain_text_input", "action_id": DEADLINE_ACTION, "max_length": 100,
                     "placeholder": plain("e.g. Fri 4 Dec 5pm"), **({"initial_value": deadline} if deadline else {})},
                    block_id=DEADLINE_BLOCK, optional=True,
                    hint=f"In your time zone ({zone.key}). Leave empty for no deadline."),
    ]
    return modal("Change the call", blocks, callback_id=EXTEND_MODAL, submit="Save",
                 private_metadata=json.dumps({"call": call.id}))


def open_calls_blocks(calls: list[CallState]) -> list[Block]:
    """`/volunteer list`."""
    if not calls:
        return [section("No calls for volunteers are open. Post one with "
                        "`/volunteer \"Draft the scope document\" 2 by Fri 4 Dec`.")]
    blocks: list[Block] = [section(f"*Open calls for volunteers* ({len(calls)})")]
    for call in calls:
        blocks.append(section(_summary(call), accessory=button("I'll help", HELP_ACTION, value=str(call.id))))
    return fit_blocks(blocks)


def _summary(call: CallState) -> str:
    line = f"*{escape(call.task)}* in <#{call.channel_id}> — {len(call.helpers)} of {call.needed} signed up"
    if call.deadline:
        line += f", closes {_deadline(call.deadline)}"
    return line


def volunteering_home_blocks(calls: list[CallState], user_id: str, page: Window) -> list[Block]:
    """The App Home section: one page of the open calls (`calls` is that page), with a button for
    those the member has not taken up."""
    if not calls:
        return []
    blocks: list[Block] = [section("*Calls for volunteers*")]
    for call in calls:
        if user_id in call.helpers:
            blocks.append(section(_summary(call) + "\n:white_check_mark: You're signed up."))
        else:
            blocks.append(section(_summary(call), accessory=button("I'll help", HELP_ACTION, value=str(call.id))))
    blocks.extend(home_pager(HOME_SECTION, page, "open calls"))
    return blocks
