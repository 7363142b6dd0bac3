"""How `/meet suggest` answers: the suggested times, the buttons that turn them into a poll, and the nudge.

Pure functions of `bot.services.suggest` objects. Times are `<!date^…>` tokens, so each reader
sees their own local time; working hours are named in the group's time zone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.services.suggest import Slot, Suggestions, describe_length
from bot.text import escape
from bot.views.availability import OPEN_ACTION as OPEN_AVAILABILITY_ACTION
from bot.views.blocks import Block, actions, button, context, date_token, fit_blocks, message_text, section
from bot.views.polls import deadline_text

START_ACTION = "meet_suggest_start"
EDIT_ACTION = "meet_suggest_edit"
NUDGE_ACTION = "meet_suggest_nudge"
NAMES_BUDGET = 400  # characters of names per suggested time


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def slot_when(slot: Slot, zone: ZoneInfo) -> str:
    """`Tue 1 Dec at 14:00–15:30` in each reader's time zone (the group's in the fallback)."""
    start, end = slot.starts_at.astimezone(zone), slot.ends_at.astimezone(zone)
    fallback = f"{start:%a} {start.day} {start:%b}, {start:%H:%M}"
    return (date_token(_epoch(slot.starts_at), "{date_short_pretty} at {time}", fallback) + "–"
            + date_token(_epoch(slot.ends_at), "{time}", f"{end:%H:%M} {end.tzname()}"))


def _names(user_ids: Sequence[str], names: Mapping[str, str], budget: int = NAMES_BUDGET) -> str:
    shown: list[str] = []
    used = 0
    for user_id in user_ids:
        name = escape(names.get(user_id, user_id))
        if used + len(name) > budget and shown:
            break
        shown.append(name)
        used += len(name) + 2
    rest = len(user_ids) - len(shown)
    return ", ".join(shown) + (f" and {rest} more" if rest else "")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _scope(suggestions: Suggestions) -> str:
    """`the next 2 weeks, weekdays 09:00–17:30 Europe/London time`."""
    return f"{suggestions.window.words}, {suggestions.hours.describe()} {suggestions.zone.key} time"


def _known_line(suggestions: Suggestions, channel_id: str, asker_id: str) -> str:
    known, everyone = len(suggestions.known), len(suggestions.audience)
    if known == everyone:
        return f"Everyone in <#{channel_id}> ({everyone}) has said when they are usually free."
    unknown = suggestions.unknown
    others = "the other one is not counted" if len(unknown) == 1 else f"the other {len(unknown)} are not counted"
    line = f"{known} of {everyone} people in <#{channel_id}> have set their availability; {others}"
    if asker_id in unknown:
        line += " — you included: `/availability` sets yours"
    return line + "."


def _nudge_button(suggestions: Suggestions, channel_id: str, asker_id: str) -> list[dict[str, object]]:
    others = [user_id for user_id in suggestions.unknown if user_id != asker_id]
    if not others:
        return []
    label = "Ask them by DM to set it" if len(others) > 1 else "Ask them by DM"
    return [button(f"{label} ({len(others)})", NUDGE_ACTION, value=channel_id)]


def suggestions_message(suggestions: Suggestions, *, channel_id: str, names: Mapping[str, str], asker_id: str,
                        proposal_value: str) -> tuple[str, list[Block]]:
    """The suggested times, best first, with *Start a poll with these* and *Edit and start*."""
    assert suggestions.slots, "use nobody_free_message when there is nothing to suggest"
    length = describe_length(suggestions.length)
    known = len(suggestions.known)
    count = len(suggestions.slots)
    blocks: list[Block] = [section(
        f":calendar: *{_plural(count, 'time')} for {length} when most of <#{channel_id}> are usually free* "
        f"({_scope(suggestions)}), best first:")]
    for number, slot in enumerate(suggestions.slots, start=1):
        tally = f"{len(slot.free)} of {known} free"
        if slot.organisations:
            tally += f" · {_plural(len(slot.organisations), 'organisation')}"
        blocks.append(section(f"*{number}. {slot_when(slot, suggestions.zone)}*\n{tally}\n"
                              f"_Free:_ {_names(slot.free, names)}", block_id=f"suggested-{number}"))
    blocks.append(actions(
        button("Start a poll with these", START_ACTION, value=proposal_value, style="primary"),
        button("Edit and start", EDIT_ACTION, value=proposal_value),
        *_nudge_button(suggestions, channel_id, asker_id),
        block_id="suggest-actions",
    ))
    blocks.append(context(f"{_known_line(suggestions, channel_id, asker_id)} Times are shown in your time zone; "
                          "people are counted free from their usual week in their own time zone, "
                          "and not on days they are away."))
    text = f"{_plural(count, 'suggested time')} for {length} in <#{channel_id}>"
    return message_text(text), fit_blocks(blocks)


def no_availability_message(suggestions: Suggestions, *, channel_id: str, asker_id: str) -> tuple[str, list[Block]]:
    """Nobody in the channel has said when they are usually free: nothing to rank yet."""
    text = (f"Nobody in <#{channel_id}> has told Convene when they are usually free yet, so there is nothing to "
            "suggest times from.")
    blocks: list[Block] = [
        section(f":hourglass_flowing_sand: {text}\nEach person sets theirs once with `/availability` "
                "(a minute: the parts of each weekday they are usually free, and dates away). "
                "Meanwhile `/meet` starts a poll with times you choose."),
    ]
    elements = [button("Set my availability", OPEN_AVAILABILITY_ACTION, value="suggest", style="primary"),
                *_nudge_button(suggestions, channel_id, asker_id)]
    blocks.append(actions(*elements, block_id="suggest-actions"))
    return message_text(text), blocks


def nobody_free_message(suggestions: Suggestions, *, channel_id: str, asker_id: str) -> tuple[str, list[Block]]:
    """Some have set their availability, but no slot suits any of them (or the window has no working hours left)."""
    length = describe_length(suggestions.length)
    if suggestions.candidates == 0:
        text = f"There are no meeting hours left in {suggestions.window.words} for a meeting of {length}."
        hint = "Try a later window, such as `/meet suggest 1h next week`."
    else:
        text = (f"Nobody in <#{channel_id}> who has set their availability is usually free for {length} "
                f"in {_scope(suggestions)}.")
        hint = "Try a shorter meeting or a longer window, such as `/meet suggest 1h next 4 weeks`."
    blocks: list[Block] = [section(f":thinking_face: {text} {hint}"),
                           context(_known_line(suggestions, channel_id, asker_id))]
    nudge = _nudge_button(suggestions, channel_id, asker_id)
    if nudge:
        blocks.append(actions(*nudge, block_id="suggest-actions"))
    return message_text(text), blocks


def started_message(*, title: str, channel_id: str, permalink: str | None, options: int,
                    deadline: datetime | None, zone: ZoneInfo) -> tuple[str, list[Block]]:
    """Replaces the suggestions once their poll is posted."""
    closes = f" It closes {deadline_text(deadline, zone)}." if deadline else ""
    link = f" <{permalink}|Open the poll>" if permalink else ""
    text = (f":white_check_mark: Started the poll *{escape(title)}* in <#{channel_id}> with "
            f"{_plural(options, 'time')}.{closes}{link}")
    return message_text(f"Started the poll {escape(title)} with {_plural(options, 'time')}"), [section(text)]


def already_started_message(*, channel_id: str, permalink: str | None) -> str:
    link = f" <{permalink}|Open it>" if permalink else ""
    return f"You have already started a poll from these suggestions in <#{channel_id}>.{link}"


def availability_nudge(*, asker_name: str, channel_id: str) -> tuple[str, list[Block]]:
    """The DM to a member who has never said when they are usually free."""
    text = (f"{escape(asker_name)} is looking for times when <#{channel_id}> can meet. Convene can only count you "
            "in if it knows when you are usually free.")
    blocks: list[Block] = [
        section(f":wave: {text}\nIt takes a minute: tick the parts of each weekday you are usually free, in your "
                "own time zone, and add any dates away. You can change it whenever you like."),
        actions(button("Set my availability", OPEN_AVAILABILITY_ACTION, value="nudge", style="primary")),
    ]
    return message_text(text), blocks


def nudged_text(*, asked: int, already: int, failed: int = 0) -> str:
    """What the *Ask them by DM* button did."""
    parts = []
    if asked:
        who = "1 person" if asked == 1 else f"{asked} people"
        parts.append(f":envelope: Asked {who} by direct message to set their availability; "
                     "run `/meet suggest` again once they have.")
    if already:
        who = "1 other had" if already == 1 else f"{already} others had"
        parts.append(f"{who} been asked this week already, so Convene left them alone.")
    if failed:
        who = "1 person" if failed == 1 else f"{failed} people"
        parts.append(f":warning: Convene could not message {who}; ask them yourself to use `/availability`.")
    if not parts:
        parts.append("Everyone in the channel has set their availability now: run `/meet suggest` again.")
    return " ".join(parts)
