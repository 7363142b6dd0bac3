"""How polls look in Slack: the poll message, its modals, reminders and the decision.

Pure functions of `bot.services.polls` objects. Times are `<!date^…>` tokens, so every reader
sees their own time zone; a whole-day option is a date and is shown as one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.services.paging import Window
from bot.services.polls import CHOICE_LABELS, MAX_TITLE, Meeting, OpenPollSummary, OptionTally, PollState
from bot.text import escape, truncate
from bot.views.blocks import (
    MAX_OPTION_TEXT,
    MAX_SECTION_TEXT,
    Block,
    actions,
    button,
    confirm_dialog,
    context,
    date_token,
    divider,
    fit_blocks,
    header,
    input_block,
    message_text,
    modal,
    option,
    plain,
    section,
)
from bot.views.paging import home_pager, page_label, pager

# Actions in the poll message
VOTE_ACTION_PREFIX = "poll_vote_"  # + yes | maybe | no
MY_VOTES_ACTION = "poll_my_votes"
RESULTS_ACTION = "poll_results"
CLOSE_ACTION = "poll_close"
REOPEN_ACTION = "poll_reopen"
CHOOSE_ACTION = "poll_choose_final"
DELETE_ACTION = "poll_delete"
NEW_ACTION = "poll_new"  # the App Home's *New poll*: the form `/meet` alone opens
# `/meet list`'s Previous / Next (values carry the page number only; the channel is where it was typed)
LIST_PAGE_ACTION = "poll_list_page"
LIST_PAGE_SIZE = 10
# The App Home's section of polls waiting for the member, for its paging buttons.
HOME_SECTION = "polls"
# Modals
CREATE_MODAL = "poll_create"
CHOOSE_MODAL = "poll_choose"
REOPEN_MODAL = "poll_reopen"
MY_VOTES_MODAL = "poll_my_votes"
RESULTS_MODAL = "poll_results"
MY_VOTE_ACTION = "poll_my_vote"  # the select beside each option in "My votes"
# Create-modal fields (block ID = action ID)
TITLE_FIELD = "title"
OPTIONS_FIELD = "options"
DEADLINE_FIELD = "deadline"
CHANNEL_FIELD = "channel"
SETTINGS_FIELD = "settings"
FINAL_FIELD = "final"
SETTING_IF_NEED_BE = "if_need_be"
SETTING_HIDE_VOTES = "hide_votes"
SETTING_ANONYMOUS = "anonymous"

EMOJI = {"yes": ":white_check_mark:", "maybe": ":thinking_face:", "no": ":x:"}
NAMES_BUDGET = 700  # characters of names per answer in the poll message; Results shows everyone


# Times -------------------------------------------------------------------------------------------


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _day_text(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def when_plain(starts_at: datetime, duration: timedelta | None, all_day: bool, zone: ZoneInfo) -> str:
    """`Tue 1 Dec 2026, 10:00–12:00 GMT`, in `zone`: for plain text and token fallbacks."""
    local = starts_at.astimezone(zone)
    if all_day:
        return f"{local:%a} {local.day} {local:%b %Y} (all day)"
    text = f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"
    if duration:
        text += f"–{(starts_at + duration).astimezone(zone):%H:%M}"
    return f"{text} {local.tzname()}"


def when_text(starts_at: datetime, duration: timedelta | None, all_day: bool, zone: ZoneInfo) -> str:
    """mrkdwn: a date token each reader sees in their own time zone, or the date of a whole day."""
    if all_day:
        return f"{_day_text(starts_at.astimezone(zone).date())} (all day)"
    fallback = when_plain(starts_at, None, all_day, zone)
    text = date_token(_epoch(starts_at), "{date_long_pretty} at {time}", fallback)
    if duration:
        end = starts_at + duration
        text += "–" + date_token(_epoch(end), "{time}", f"{end.astimezone(zone):%H:%M}")
    return text


def option_when(option: OptionTally, zone: ZoneInfo) -> str:
    return when_text(option.starts_at, option.duration, option.all_day, zone)


def meeting_when(meeting: Meeting) -> str:
    return when_text(meeting.starts_at, meeting.duration, meeting.all_day, meeting.zone)


def deadline_text(deadline: datetime, zone: ZoneInfo) -> str:
    local = deadline.astimezone(zone)
    fallback = f"{local:%a} {local.day} {local:%b}, {local:%H:%M} {local.tzname()}"
    return date_token(_epoch(deadline), "{date_short_pretty} at {time}", fallback)


# Pieces ------------------------------------------------------------------------------------------


def _names(people: Sequence[str], budget: int) -> str:
    names = [escape(name) for name in people]
    shown: list[str] = []
    used = 0
    for name in names:
        if used + len(name) > budget and shown:
            break
        shown.append(name)
        used += len(name) + 2
    rest = len(names) - len(shown)
    return ", ".join(shown) + (f" and {rest} more" if rest else "")


def _counts(state: PollState, opt: OptionTally) -> str:
    parts = [f"{EMOJI['yes']} {opt.yes}"]
    if state.allow_if_need_be:
        parts.append(f"{EMOJI['maybe']} {opt.maybe}")
    parts.append(f"{EMOJI['no']} {opt.no}")
    if opt.organisation_count:
        noun = "organisation" if opt.organisation_count == 1 else "organisations"
        parts.append(f":office: {opt.organisation_count} {noun}")
    return "  ·  ".join(parts)


def _tally_words(state: PollState, opt: OptionTally) -> str:
    words = f"{opt.yes} yes"
    if state.allow_if_need_be:
        words += f", {opt.maybe} if need be"
    if opt.organisation_count:
        words += f", {opt.organisation_count} organisation{'s' if opt.organisation_count != 1 else ''}"
    return words


def answered(voters: int, invited: int, *, verb: str = "answered") -> str:
    """`3 of 42 answered`; without the "of" when the channel's people could not be listed."""
    if not invited:
        return f"{voters} {verb.replace('asked ', '')}"
    return f"{voters} of {invited} {verb}"


def _status_line(state: PollState) -> str:
    parts = [f"Poll by {escape(state.creator_name)}" if state.creator_name else "Poll"]
    if state.is_open:
        parts.append(f"closes {deadline_text(state.deadline, state.zone)}" if state.deadline else "open until closed")
        parts.append(answered(state.voters, state.invited))
    elif state.status == "closed":
        parts.append("closed")
    else:
        parts.append("final date chosen")
    if state.anonymous:
        parts.append("anonymous")
    if state.hide_votes and state.is_open:
        parts.append("answers hidden until it closes")
    return "  ·  ".join(parts)


def _summary(state: PollState) -> str:
    decided = state.decided
    if decided is not None:
        return f":tada: *Final date:* {option_when(decided, state.zone)}"
    best = state.best
    if state.status == "closed":
        if best is None:
            return ":lock: *Closed.* Nobody was available for any option."
        return (f":lock: *Closed.* Best option: {option_when(best, state.zone)} ({_tally_words(state, best)}). "
                f"Waiting for the final date to be chosen.")
    if not state.counts_visible:
        return ":see_no_evil: Answers stay hidden until the poll closes. *My votes* shows yours."
    if best is None:
        answers = "*Yes*, *If need be* or *No*" if state.allow_if_need_be else "*Yes* or *No*"
        return f"Nobody has answered yet. Click {answers} for each option."
    return f":star: *Best so far:* {option_when(best, state.zone)} — {_tally_words(state, best)}"


def _option_text(state: PollState, opt: OptionTally, *, best_id: int | None, names_budget: int) -> str:
    title = f"*{option_when(opt, state.zone)}*"
    if opt.id == state.decided_option_id:
        title += "  :tada: *chosen*"
    elif opt.id == best_id and state.counts_visible:
        title += "  :star:"
    lines = [title]
    if state.counts_visible:
        lines.append(_counts(state, opt))
    if state.names_visible:
        if opt.yes_names:
            lines.append(f"_Yes:_ {_names(opt.yes_names, names_budget)}")
        if opt.maybe_names:
            lines.append(f"_If need be:_ {_names(opt.maybe_names, names_budget)}")
    return "\n".join(lines)


def _vote_buttons(state: PollState, opt: OptionTally) -> Block:
    value = f"{state.id}:{opt.id}"
    elements = [button("Yes", VOTE_ACTION_PREFIX + "yes", value=value, style="primary")]
    if state.allow_if_need_be:
        elements.append(button("If need be", VOTE_ACTION_PREFIX + "maybe", value=value))
    elements.append(button("No", VOTE_ACTION_PREFIX + "no", value=value))
    return actions(*elements, block_id=f"poll-vote-{opt.id}")


def _footer(state: PollState) -> Block:
    value = str(state.id)
    delete = button("Delete", DELETE_ACTION, value=value, confirm=confirm_dialog(
        "Delete this poll?", "The poll and everyone's answers will be deleted. This cannot be undone.",
        confirm="Delete", deny="Keep it"))
    if state.is_open:
        elements = [button("My votes", MY_VOTES_ACTION, value=value), button("Results", RESULTS_ACTION, value=value),
                    button("Close poll", CLOSE_ACTION, value=value), delete]
    elif state.status == "closed":
        elements = [button("Choose final date", CHOOSE_ACTION, value=value, style="primary"),
                    button("Results", RESULTS_ACTION, value=value), button("Reopen", REOPEN_ACTION, value=value),
                    delete]
    else:
        elements = [button("Results", RESULTS_ACTION, value=value),
                    button("Change final date", CHOOSE_ACTION, value=value), delete]
    return actions(*elements, block_id="poll-footer")


# The poll message -------------------------------------------------------------------------------


def poll_message(state: PollState) -> tuple[str, list[Block]]:
    """The poll as posted in its channel: (notification text, blocks), within Slack's limits."""
    best = state.best
    best_id = best.id if best is not None else None
    blocks: list[Block] = [
        header(f":calendar: {truncate(state.title, MAX_TITLE)}"),
        context(_status_line(state)),
        section(_summary(state)),
        divider(),
    ]
    # Fewer names per option when there are many options, so the message stays readable.
    budget = max(120, NAMES_BUDGET // max(1, len(state.options) // 4))
    for opt in state.options:
        blocks.append(section(_option_text(state, opt, best_id=best_id, names_budget=budget),
                              block_id=f"poll-option-{opt.id}"))
        if state.is_open:
            blocks.append(_vote_buttons(state, opt))
    blocks.append(_footer(state))
    if state.is_open:
        blocks.append(context("Click again to change an answer until the poll closes. "
                              "Times are shown in your own time zone."))
    else:
        blocks.append(context("Answers can no longer change. *Results* shows who answered what."
                              if state.names_visible else "Answers can no longer change."))
    text = f"Poll: {escape(state.title)} — {len(state.options)} option{'s' if len(state.options) != 1 else ''}"
    return message_text(text), fit_blocks(blocks)


# Modals -----------------------------------------------------------------------------------------


def create_modal(*, channel_id: str | None, zone_name: str, title: str | None = None,
                 options: Sequence[str] = (), deadline: str | None = None) -> dict[str, Any]:
    """`/meet` alone: title, options one per line, deadline, channel and the poll's settings.

    `title`, `options` and `deadline` prefill the form (as `/meet suggest`'s *Edit and start* does).
    """
    channel_select: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": CHANNEL_FIELD,
        "placeholder": plain("Where to post the poll", limit=150),
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if channel_id and channel_id.startswith(("C", "G")):
        channel_select["initial_conversation"] = channel_id
    settings_options = [
        {"text": plain("Allow “If need be”"), "value": SETTING_IF_NEED_BE,
         "description": plain("A third answer for times people could make at a push")},
        {"text": plain("Hide answers until the poll closes"), "value": SETTING_HIDE_VOTES},
        {"text": plain("Anonymous: nobody sees who answered what"), "value": SETTING_ANONYMOUS,
         "description": plain("Counts only: not who, nor which organisations, for coordinators too")},
    ]
    title_input: dict[str, Any] = {"type": "plain_text_input", "action_id": TITLE_FIELD, "max_length": MAX_TITLE,
                                   "placeholder": plain("First meeting", limit=150)}
    options_input: dict[str, Any] = {"type": "plain_text_input", "action_id": OPTIONS_FIELD, "multiline": True,
                                     "placeholder": plain("Tue 1 Dec 10am\nWed 2 Dec 2-4pm\nThu 3 Dec", limit=150)}
    deadline_input: dict[str, Any] = {"type": "plain_text_input", "action_id": DEADLINE_FIELD,
                                      "placeholder": plain("Fri 27 Nov 5pm", limit=150)}
    if title:
        title_input["initial_value"] = truncate(title, MAX_TITLE)
    if options:
        options_input["initial_value"] = "\n".join(options)
    if deadline:
        deadline_input["initial_value"] = deadline
    blocks = [
        input_block("Title", title_input, block_id=TITLE_FIELD),
        input_block("Options, one per line", options_input, block_id=OPTIONS_FIELD, hint=(
            f"Read in your time zone ({zone_name}). A time (Tue 1 Dec 10am), a range (Wed 2 Dec 2-4pm, "
            "14:00-16:00, 2pm to 4pm), a whole day (Thu 3 Dec) or next Tuesday 2pm, tomorrow at noon, 1/12 14:00.")),
        input_block("Deadline", deadline_input,
                    block_id=DEADLINE_FIELD, optional=True,
                    hint="The poll closes by itself then; people who have not answered get a reminder the day before."),
        input_block("Channel", channel_select, block_id=CHANNEL_FIELD),
        input_block("Settings", {"type": "checkboxes", "action_id": SETTINGS_FIELD, "options": settings_options,
                                 "initial_options": [settings_options[0]]},
                    block_id=SETTINGS_FIELD, optional=True),
    ]
    return modal("Find a date", blocks, callback_id=CREATE_MODAL, submit="Post poll")


def choose_final_modal(state: PollState, *, zone: ZoneInfo) -> dict[str, Any]:
    """Pick the final option; the current choice or the best one is preselected."""
    choices = []
    for opt in state.options:
        label = truncate(when_plain(opt.starts_at, opt.duration, opt.all_day, zone), MAX_OPTION_TEXT)
        choices.append(option(label, str(opt.id), description=_tally_words(state, opt)))
    preselected = state.decided or state.best or state.options[0]
    initial = next(c for c in choices if c["value"] == str(preselected.id))
    select = {"type": "static_select", "action_id": FINAL_FIELD, "options": choices, "initial_option": initial}
    blocks = [
        section(f"*{escape(state.title)}*\nConvene will announce the date in <#{state.channel_id}> with a calendar "
                "file, and remind those who said yes or if need be the day before."),
        input_block("Final date", select, block_id=FINAL_FIELD, hint=f"Times in {zone.key}."),
    ]
    return modal("Choose the final date", blocks, callback_id=CHOOSE_MODAL, submit="Announce",
                 private_metadata=json.dumps({"poll_id": state.id}))


def reopen_modal(state: PollState, *, zone_name: str) -> dict[str, Any]:
    blocks = [
        section(f"*{escape(state.title)}* will take answers again."),
        input_block("New deadline", {"type": "plain_text_input", "action_id": DEADLINE_FIELD,
                                     "placeholder": plain("Fri 4 Dec 5pm", limit=150)},
                    block_id=DEADLINE_FIELD, optional=True,
                    hint=f"Read in your time zone ({zone_name}). "
                         "Leave it empty to keep the poll open until closed by hand."),
    ]
    return modal("Reopen the poll", blocks, callback_id=REOPEN_MODAL, submit="Reopen",
                 private_metadata=json.dumps({"poll_id": state.id}))


def my_votes_modal(state: PollState, mine: dict[int, str], *, note: str | None = None) -> dict[str, Any]:
    """A member's own answers, each changeable from a menu while the poll is open."""
    blocks: list[Block] = [section(f"*{escape(state.title)}*")]
    if note:
        blocks.append(context(note))
    answers = [c for c in ("yes", "maybe", "no") if c != "maybe" or state.allow_if_need_be]
    for opt in state.options:
        text = option_when(opt, state.zone)
        chosen = mine.get(opt.id)
        if state.is_open:
            choices = [option(CHOICE_LABELS[c], c) for c in answers]
            select: dict[str, Any] = {"type": "static_select", "action_id": MY_VOTE_ACTION, "options": choices,
                                      "placeholder": plain("Not answered", limit=150)}
            if chosen in answers:
                select["initial_option"] = option(CHOICE_LABELS[chosen], chosen)
            blocks.append(section(text, block_id=f"my-vote-{opt.id}", accessory=select))
        else:
            answer = f"{EMOJI[chosen]} {CHOICE_LABELS[chosen]}" if chosen in CHOICE_LABELS else "Not answered"
            blocks.append(section(f"{text}\n{answer}"))
    blocks.append(context("Changes are saved as you pick them." if state.is_open else "This poll has closed."))
    return modal("My votes", blocks, callback_id=MY_VOTES_MODAL, close="Done",
                 private_metadata=json.dumps({"poll_id": state.id}))


def results_modal(state: PollState) -> dict[str, Any]:
    """Everything about the answers, for polls too long to read in the message."""
    blocks: list[Block] = [section(f"*{escape(state.title)}*"), context(_status_line(state))]
    if not state.counts_visible:
        blocks.append(section(":see_no_evil: Answers stay hidden until the poll closes. "
                              f"{answered(state.voters, state.invited, verb='have answered')} so far."))
        return modal("Results", blocks, callback_id=RESULTS_MODAL, close="Done")
    best = state.best
    for opt in state.options:
        lines = [f"*{option_when(opt, state.zone)}*" + ("  :tada: *chosen*" if opt.id == state.decided_option_id
                                                         else "  :star: best" if best and opt.id == best.id else "")]
        for choice in ("yes", "maybe", "no"):
            if choice == "maybe" and not state.allow_if_need_be:
                continue
            voters = opt.names(choice)
            line = f"{EMOJI[choice]} *{CHOICE_LABELS[choice]}* ({opt.count(choice)})"
            if state.names_visible and voters:
                line += ": " + _names(voters, MAX_SECTION_TEXT // 4)
            lines.append(line)
        if state.answers.organisations and opt.organisations:
            lines.append(":office: " + escape(", ".join(opt.organisations)))
        elif opt.organisation_count:
            noun = "organisation" if opt.organisation_count == 1 else "organisations"
            lines.append(f":office: {opt.organisation_count} {noun}")
        blocks.append(section("\n".join(lines)))
    blocks.append(context(f"{answered(state.voters, state.invited, verb='asked have answered')}."))
    return modal("Results", blocks, callback_id=RESULTS_MODAL, close="Done")


# Lists ------------------------------------------------------------------------------------------


def list_blocks(channel_id: str, polls: Sequence[OpenPollSummary], links: dict[int, str], zone: ZoneInfo,
                page: Window) -> list[Block]:
    """`/meet list`: one page of the channel's open polls (`polls` is that page), soonest deadline first."""
    if not polls:
        return [section(f"No open polls in <#{channel_id}>. Start one with `/meet`.")]
    last = page.first + len(polls) - 1
    blocks: list[Block] = [section(f"*Open polls in <#{channel_id}>* ({page.first}–{last} of {page.total})")]
    for summary in polls:
        blocks.append(section(_summary_line(summary, zone, links.get(summary.poll_id))))
    turn = pager(page.number, page.pages, LIST_PAGE_ACTION, str)
    if turn is not None:
        blocks.append(turn)
    blocks.append(context(f"{page_label(page.number, page.pages)} · `/meet` starts a poll"))
    return fit_blocks(blocks)


def _summary_line(summary: OpenPollSummary, zone: ZoneInfo, link: str | None) -> str:
    title = escape(summary.title)
    line = f"*<{link}|{title}>*" if link else f"*{title}*"
    line += f" — {answered(summary.voters, summary.invited)}"
    line += f", closes {deadline_text(summary.deadline, zone)}" if summary.deadline else ", no deadline"
    return line


def home_blocks(polls: Sequence[OpenPollSummary], zone: ZoneInfo, page: Window) -> list[Block]:
    """The App Home's "polls waiting for your vote": one page of them (`polls` is that page)."""
    if not polls:
        return []
    return [section("*Polls waiting for your vote*"),
            *(section(f"{_summary_line(summary, zone, None)} in <#{summary.channel_id}>") for summary in polls),
            *home_pager(HOME_SECTION, page, "polls waiting")]


# Messages ---------------------------------------------------------------------------------------


def _link(permalink: str | None, channel_id: str, words: str = "Open the poll") -> str:
    return f"<{permalink}|{words}>" if permalink else f"It is in <#{channel_id}>."


def reminder_message(state: PollState, permalink: str | None) -> tuple[str, list[Block]]:
    """The one DM before the deadline to someone who has not answered."""
    title = escape(state.title)
    closes = f" before it closes {deadline_text(state.deadline, state.zone)}" if state.deadline else ""
    text = f"Could you answer the poll *{title}* in <#{state.channel_id}>{closes}?"
    blocks = [section(f":wave: {text}"), section(_link(permalink, state.channel_id) + " — it takes a few clicks.")]
    return message_text(text), blocks


def closed_message(state: PollState) -> tuple[str, list[Block]]:
    """To the creator when the deadline closed their poll: choose the final date."""
    title = escape(state.title)
    best = state.best
    best_text = f" The best option was {option_when(best, state.zone)} ({_tally_words(state, best)})." if best else ""
    text = f"Your poll *{title}* in <#{state.channel_id}> has closed.{best_text}"
    blocks = [
        section(text + " Choose the final date and Convene will announce it with a calendar file."),
        actions(button("Choose the final date", CHOOSE_ACTION, value=str(state.id), style="primary")),
    ]
    return message_text(text), blocks


def decision_message(state: PollState, chooser_name: str | None, permalink: str | None) -> tuple[str, list[Block]]:
    """Posted in the channel when the final date is chosen."""
    chosen = state.decided
    assert chosen is not None
    title = escape(state.title)
    when = option_when(chosen, state.zone)
    text = f":tada: *{title}*: the date is {when}."
    details = [f"{_tally_words(state, chosen)}"]
    if chooser_name:
        details.append(f"chosen by {escape(chooser_name)}")
    details.append("calendar file below")
    details.append("those who said yes or if need be get a reminder the day before")
    blocks = [section(text), context("  ·  ".join(details))]
    if permalink:
        blocks.append(context(f"<{permalink}|See the poll>"))
    plain_when = when_plain(chosen.starts_at, chosen.duration, chosen.all_day, state.zone)
    return message_text(f"{escape(state.title)}: the date is {plain_when}"), blocks


def ics_comment(title: str) -> str:
    return f"Calendar file for *{escape(title)}*: open it to add the meeting to your calendar."


def meeting_reminder_message(meeting: Meeting, permalink: str | None) -> tuple[str, list[Block]]:
    """The DM the day before to those who said yes or if need be."""
    text = f":calendar: Reminder: *{escape(meeting.title)}* is {meeting_when(meeting)}."
    blocks = [section(text)]
    if permalink:
        blocks.append(context(f"<{permalink}|See the poll>"))
    return message_text(text), blocks
