"""Prompts as Slack shows them: the DM, the Answer modal, the coordinators' lists, App Home."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.services.prompts import (
    CREDIT_LABELS,
    DAY_NAMES,
    AnswerForm,
    AnswersPage,
    DeliveryState,
    MemberPrompts,
    PromptLine,
    PromptListing,
    RoundStarted,
    Schedule,
)
from bot.text import escape, truncate
from bot.views.blocks import (
    MAX_SECTION_TEXT,
    Block,
    actions,
    button,
    context,
    date_token,
    divider,
    fit_blocks,
    header,
    input_block,
    message_text,
    modal,
    option,
    section,
)
from bot.views.paging import home_pager, pager

ANSWER_ACTION = "prompt_answer"
SKIP_ACTION = "prompt_skip"
PAUSE_ACTION = "prompt_pause"
RESUME_ACTION = "prompt_resume"
ANSWERS_PAGE_ACTION = "prompt_answers_page"
DELIVERY_TO_ISSUE_ACTION = "prompt_delivery_to_issue"  # the author, from their DM
ANSWER_TO_ISSUE_ACTION = "prompt_answer_to_issue"  # a coordinator, from /prompt answers
ANSWER_MODAL = "prompt_answer_modal"
# The App Home's *Send a prompt* (coordinators): a form for what `/prompt send now N` does
SEND_FORM_ACTION = "prompt_send_form"
SEND_MODAL = "prompt_send"
SEND_WHICH_BLOCK = SEND_WHICH_ACTION = "prompt_send_which"
MAX_SELECT_OPTIONS = 100
# The App Home's section of prompts waiting for an answer, for its paging buttons.
HOME_SECTION = "prompts"
TEXT_BLOCK = "answer_text"
TEXT_ACTION = "text"
CREDIT_BLOCK = "answer_credit"
CREDIT_ACTION = "credit"
SHARE_BLOCK = "answer_share"
SHARE_ACTION = "share"
SHARE_VALUE = "quote"
ANSWER_MAX_LENGTH = 3000
# Slack's reaction on a DM message logged as an answer.
LOGGED_REACTION = "white_check_mark"


def _day(epoch_source: datetime, fallback: str) -> str:
    return date_token(int(epoch_source.timestamp()), "{date_long}", fallback)


def short_date(day: date | datetime) -> str:
    """`Tuesday 1 December`."""
    return f"{day:%A} {day.day} {day:%B}"


# ---- Schedules and the bank -----------------------------------------------------------------------


def schedule_text(schedule: Schedule) -> str:
    """`every Tuesday at 10:00` (in each member's own time zone), or `off`."""
    if not schedule.active:
        return "off"
    assert schedule.weekday is not None and schedule.send_at is not None
    day, at = DAY_NAMES[schedule.weekday], schedule.send_at.strftime("%H:%M")
    if schedule.cadence == "fortnightly":
        return f"every other {day} at {at}"
    if schedule.cadence == "monthly":
        return f"on the first {day} of each month at {at}"
    return f"every {day} at {at}"


def nudge_text(days: int | None) -> str:
    if days is None:
        return "no nudges"
    return f"one nudge after {days} day{'s' if days != 1 else ''} to anyone who has not answered"


def schedule_set_text(schedule: Schedule, first_day: date | None, nudge_after_days: int | None) -> str:
    if not schedule.active:
        return (":white_check_mark: Scheduled prompts are off. `/prompt send now` still sends one when you want; "
                "`/prompt schedule weekly Tue 10:00` starts them again.")
    first = f" The first goes out on {short_date(first_day)}." if first_day else ""
    return (f":white_check_mark: Prompts will go out {schedule_text(schedule)}, in each member's own time zone, "
            f"to the members of the group's channel.{first} Then {nudge_text(nudge_after_days)}.")


def _prompt_lines(lines: list[PromptLine], *, numbered_places: bool) -> list[str]:
    out = []
    for line in lines:
        question = escape(truncate(line.question, 600))
        place = f"{line.place}. " if numbered_places and line.place else ""
        out.append(f"{place}*#{line.number}* {question}")
    return out


def _packed_sections(lines: list[str]) -> list[Block]:
    """As few sections as hold these lines, each within Slack's 3000 characters."""
    blocks: list[Block] = []
    chunk = ""
    for line in lines:
        if chunk and len(chunk) + 1 + len(line) > MAX_SECTION_TEXT:
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(section(chunk))
    return blocks


def listing_blocks(found: PromptListing, *, can_change: bool, show_retired: bool) -> list[Block]:
    if found.schedule.active:
        when = f"*Prompts* go out {schedule_text(found.schedule)}, in each member's own time zone"
    else:
        when = "*Prompts* are not scheduled (`/prompt schedule weekly Tue 10:00` starts them)"
    blocks: list[Block] = [section(f"{when}; {nudge_text(found.nudge_after_days)}.")]
    if found.queue:
        blocks.append(context("In the order they will be sent: the first is sent next, and each goes to the back "
                              "of the queue once it has been asked."))
        blocks.extend(_packed_sections(_prompt_lines(found.queue, numbered_places=True)))
    else:
        blocks.append(section("_Every prompt is retired._"))
    if show_retired:
        blocks.append(divider())
        if found.retired:
            blocks.append(section("*Retired*"))
            blocks.extend(_packed_sections(_prompt_lines(found.retired, numbered_places=False)))
        else:
            blocks.append(context("No retired prompts."))
    elif found.retired:
        blocks.append(context(f"{len(found.retired)} retired: `/prompt list retired` shows them."))
    if can_change:
        blocks.append(context("`/prompt add <question>` · `/prompt edit N <question>` · `/prompt move N to 1` · "
                              "`/prompt retire N` · `/prompt send now N` · `/prompt answers N`"))
    return fit_blocks(blocks)


def added_text(line: PromptLine) -> str:
    return (f":white_check_mark: Added prompt *#{line.number}*, number {line.place} in the queue: "
            f"{escape(truncate(line.question, 600))}\n`/prompt move {line.number} to 1` sends it next.")


def edited_text(line: PromptLine) -> str:
    return (f":white_check_mark: Prompt *#{line.number}* now reads: {escape(truncate(line.question, 600))}\n"
            "Answers already given stay with it.")


def retired_text(line: PromptLine) -> str:
    return (f":white_check_mark: Retired prompt *#{line.number}*; it will not be sent again. Its answers are kept "
            f"(`/prompt answers {line.number}`); `/prompt restore {line.number}` brings it back.")


def restored_text(line: PromptLine) -> str:
    return f":white_check_mark: Prompt *#{line.number}* is back in the queue, at number {line.place}."


def moved_text(line: PromptLine) -> str:
    where = "it is sent next" if line.place == 1 else f"number {line.place} in the queue"
    return f":white_check_mark: Moved prompt *#{line.number}*: {where}."


def nudge_set_text(days: int | None) -> str:
    if days is None:
        return ":white_check_mark: No more nudges: each prompt is sent once and that is it."
    return (f":white_check_mark: Members who have not answered get {nudge_text(days)}; "
            "never a second, and never to anyone who let the last three prompts pass.")


def send_modal(found: PromptListing, *, channel_id: str | None) -> dict[str, Any]:
    """*Send a prompt*: pick one from the queue (the next one first) and send it to everyone now."""
    if not found.queue:
        return modal("Send a prompt", [section("_Every prompt is retired._ `/prompt add <question>` adds one, "
                                               "`/prompt list retired` shows the retired ones.")],
                     callback_id=SEND_MODAL, close="Close")
    where = f"<#{channel_id}>" if channel_id else "the group's channel (`/convene settings channel #channel` sets it)"
    options = [option(f"#{line.number} {line.question}", str(line.number))
               for line in found.queue[:MAX_SELECT_OPTIONS]]
    hint = "In the order they will be sent: the first is sent next."
    if len(found.queue) > MAX_SELECT_OPTIONS:
        hint += f" Not listed here: `/prompt send now N` sends any of the {len(found.queue)}."
    blocks: list[Block] = [
        section(f"Convene sends the prompt now, in a direct message, to the members of {where}; those away or "
                "pausing prompts are left out. It is what `/prompt send now N` does."),
        input_block("Which prompt", {"type": "static_select", "action_id": SEND_WHICH_ACTION, "options": options,
                                     "initial_option": options[0]},
                    block_id=SEND_WHICH_BLOCK, hint=hint),
    ]
    return modal("Send a prompt", blocks, callback_id=SEND_MODAL, submit="Send now")


def send_now_text(started: RoundStarted, channel_id: str) -> str:
    question = escape(truncate(started.question, 300))
    if not started.new:
        return (f"Prompt *#{started.number}* was already sent today; anyone in <#{channel_id}> who has not had it yet "
                f"will get it now. _{question}_")
    return (f":outbox_tray: Sending prompt *#{started.number}* to the members of <#{channel_id}> now: _{question}_\n"
            "I will send you a direct message when everyone has it.")


def round_report_text(number: int, counts: dict[str, int], *, left_out: int) -> str:
    sent, failed = counts.get("sent", 0), counts.get("failed", 0)
    text = f"Prompt *#{number}* went to {sent} member{'s' if sent != 1 else ''}."
    if left_out:
        text += f" {left_out} {'were' if left_out != 1 else 'was'} away or pausing prompts."
    if failed:
        text += (f" {failed} could not be reached (I will try again shortly); "
                 "the log says why.")
    return text + f" `/prompt answers {number}` shows the answers as they come in."


# ---- The direct message -------------------------------------------------------------------------


def prompt_message(delivery_id: int, question: str, *, kind: str) -> tuple[str, list[Block]]:
    """The DM that asks the question, with Answer, Skip and Pause me for 4 weeks."""
    lead = "This week's question from the working group" if kind == "scheduled" else "A question from the working group"
    safe = escape(question)
    blocks = [
        section(f":speech_balloon: *{lead}*"),
        section(safe),
        actions(
            button("Answer", ANSWER_ACTION, value=str(delivery_id), style="primary"),
            button("Skip", SKIP_ACTION, value=str(delivery_id)),
            button("Pause me for 4 weeks", PAUSE_ACTION, value=str(delivery_id)),
            block_id=f"prompt_actions_{delivery_id}",
        ),
        context("A sentence or two is plenty. Press *Answer*, or simply reply here in a message; "
                "you choose whether you are named, shown by organisation only, or anonymous."),
    ]
    return message_text(f"{lead}: {question}"), blocks


def nudge_message(delivery_id: int, question: str) -> tuple[str, list[Block]]:
    """The one gentle reminder."""
    safe = escape(question)
    blocks = [
        section(":wave: A gentle nudge, in case this one got buried. The group would value your view:"),
        section(safe),
        actions(
            button("Answer", ANSWER_ACTION, value=str(delivery_id), style="primary"),
            button("Skip", SKIP_ACTION, value=str(delivery_id)),
            block_id=f"prompt_nudge_{delivery_id}",
        ),
        context("This is the only reminder for this question. Reply here or press *Answer*."),
    ]
    return message_text(f"A gentle nudge: {question}"), blocks


def delivery_message(state: DeliveryState) -> tuple[str, list[Block]]:
    """The prompt's DM as it should look now: asking, answered, or skipped."""
    if not state.answered and not state.skipped:
        return prompt_message(state.delivery_id, state.question, kind=state.kind)
    return _settled_message(state)


def _settled_message(state: DeliveryState) -> tuple[str, list[Block]]:
    """Once answered or skipped the question stays; the button says what is next."""
    safe = escape(state.question)
    if state.answered:
        when = _day(state.answered_at, "recently") if state.answered_at else "recently"
        blocks = [
            section(f":white_check_mark: *Answered, thank you* — {when}"),
            section(safe),
            actions(button("Edit answer", ANSWER_ACTION, value=str(state.delivery_id)),
                    button("Make it an issue", DELIVERY_TO_ISSUE_ACTION, value=str(state.delivery_id)),
                    block_id=f"prompt_actions_{state.delivery_id}"),
        ]
        return message_text(f"Answered: {state.question}"), blocks
    blocks = [
        section(":fast_forward: *Skipped* — no problem. If something comes to mind later you can still answer."),
        section(safe),
        actions(button("Answer anyway", ANSWER_ACTION, value=str(state.delivery_id)),
                block_id=f"prompt_actions_{state.delivery_id}"),
    ]
    return message_text(f"Skipped: {state.question}"), blocks


def answer_ack_text(credit: str, shareable: bool) -> str:
    """Said once, under the first message logged as an answer to a prompt."""
    shown = {"named": "with your name", "organisation": "by your organisation only", "anonymous": "anonymously"}[credit]
    quoted = "may be quoted" if shareable else "will not be quoted"
    return (f"Thank you — logged as your answer, credited {shown}; it {quoted} in the group's digest. "
            "Edit your message to change what it says, or press *Edit answer* on the question to change "
            "how you are credited.")


def nothing_to_answer_text() -> str:
    return ("I log replies here as answers to prompts, and there is no recent prompt for this to answer. "
            "`/convene help` shows what else I can do.")


def paused_blocks(until: datetime) -> list[Block]:
    when = _day(until, short_date(until))
    return [
        section(f":zzz: Prompts are paused for you until {when}. The group will still be here."),
        actions(button("Resume now", RESUME_ACTION, value="resume")),
    ]


def paused_text(until: datetime) -> str:
    return f"Prompts are paused for you until {short_date(until)}."


def resumed_text(was_paused: bool) -> str:
    if was_paused:
        return ":white_check_mark: Welcome back: you will get the next prompt."
    return "You were not pausing prompts; you will get the next one."


# ---- The Answer modal -----------------------------------------------------------------------------


# README's "Privacy" section says the same.
CREDIT_HINT = ("Only you see your answers as yours. Whoever hosts Convene's database can read who wrote what; "
               "/convene forget-me deletes your answers.")


def _credit_option(credit: str, organisation: str | None) -> dict[str, Any]:
    descriptions = {
        "named": "Your name is shown with your answer.",
        "organisation": (truncate(f"Shown as someone at {organisation}, never your name.", 75) if organisation
                         else "Shown as a member organisation (set yours with /availability)."),
        "anonymous": "Nobody in Slack can tell it was you, coordinators included.",
    }
    return option(CREDIT_LABELS[credit], credit, description=descriptions[credit])


def answer_modal(form: AnswerForm) -> dict[str, Any]:
    credit_options = [_credit_option(credit, form.organisation) for credit in CREDIT_LABELS]
    share_option = option("Coordinators may quote it in the weekly digest", SHARE_VALUE,
                          description="Credited the way you chose above.")
    text_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": TEXT_ACTION,
        "multiline": True,
        "max_length": ANSWER_MAX_LENGTH,
        "placeholder": {"type": "plain_text", "text": "A sentence or two is plenty"},
    }
    if form.text:
        text_input["initial_value"] = truncate(form.text, ANSWER_MAX_LENGTH)
    share: dict[str, Any] = {"type": "checkboxes", "action_id": SHARE_ACTION, "options": [share_option]}
    if form.shareable:
        share["initial_options"] = [share_option]
    blocks: list[Block] = [section(f"*{escape(truncate(form.question, 2900))}*")]
    if form.message_answers:
        written = "\n".join(f"> {escape(truncate(' '.join(text.split()), 400))}" for text in form.message_answers)
        blocks.append(section(truncate(f"You replied in messages:\n{written}", MAX_SECTION_TEXT)))
        blocks.append(context("Those stay as they are (edit the messages to change them). Add more below if you like; "
                              "the credit choice applies to all of it."))
    blocks += [
        input_block("Your answer", text_input, block_id=TEXT_BLOCK, optional=bool(form.message_answers)),
        input_block("How you are credited", {
            "type": "radio_buttons",
            "action_id": CREDIT_ACTION,
            "options": credit_options,
            "initial_option": _credit_option(form.credit, form.organisation),
        }, block_id=CREDIT_BLOCK, hint=CREDIT_HINT),
        input_block("The digest", share, block_id=SHARE_BLOCK, optional=True),
    ]
    return modal("Answer", blocks, callback_id=ANSWER_MODAL, submit="Save answer",
                 private_metadata=str(form.delivery_id))


# ---- What coordinators read -----------------------------------------------------------------------


def answers_page_blocks(page: AnswersPage, issue_numbers: dict[int, int] | None = None) -> list[Block]:
    """The answers to one prompt; shareable ones carry a button that makes them an issue
    (or say which issue they became)."""
    issue_numbers = issue_numbers or {}
    blocks: list[Block] = [
        header(f"Answers to prompt #{page.number}"),
        section(escape(truncate(page.question, 2900))),
    ]
    if not page.total:
        blocks.append(context("No answers yet."))
        return blocks
    blocks.append(context(f"{page.total} answer{'s' if page.total != 1 else ''} · page {page.page} of {page.pages} · "
                          "shown as each author chose; anonymous answers never say who wrote them."))
    for entry in page.entries:
        when = _day(entry.answered_at, short_date(entry.answered_at))
        digest = "may be quoted in the digest" if entry.shareable else "not for the digest"
        via = " · replied in a message" if entry.by_message else ""
        blocks.append(divider())
        became = issue_numbers.get(entry.answer_id)
        accessory = None
        if entry.shareable and became is None:
            accessory = button("Make it an issue", ANSWER_TO_ISSUE_ACTION, value=str(entry.answer_id))
        blocks.append(section(escape(truncate(entry.text, 2900)), block_id=f"prompt_answer_{entry.answer_id}",
                              accessory=accessory))
        issue_note = f" · became issue #{became}" if became is not None else ""
        blocks.append(context(f"— {escape(entry.credited_as)} · {when} · {digest}{via}{issue_note}"))
    turn = pager(page.page, page.pages, ANSWERS_PAGE_ACTION, lambda number: f"{page.number}:{number}",
                 block_id="prompt_answers_pages")
    if turn is not None:
        blocks.append(turn)
    return fit_blocks(blocks)


# ---- App Home -----------------------------------------------------------------------------------


def home_blocks(found: MemberPrompts) -> list[Block]:
    """Prompts waiting for the member's answer; nothing when there are none and they are not paused."""
    blocks: list[Block] = []
    if found.waiting:
        blocks.append(section("*Prompts waiting for your answer*"))
        for waiting in found.waiting:
            sent = _day(waiting.sent_at, short_date(waiting.sent_at))
            blocks.append(section(
                f"{escape(truncate(waiting.question, 2800))}\n_Sent {sent}_",
                block_id=f"prompt_waiting_{waiting.delivery_id}",
                accessory=button("Answer", ANSWER_ACTION, value=str(waiting.delivery_id)),
            ))
        if found.window is not None:
            blocks.extend(home_pager(HOME_SECTION, found.window, "prompts waiting"))
    if found.paused_until is not None:
        if not blocks:
            blocks.append(section("*Prompts*"))
        blocks.extend(paused_blocks(found.paused_until))
    return blocks
