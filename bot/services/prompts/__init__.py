"""Prompts: the bank of questions, when they go out, and what members answer.

The rules, in pure Python. A prompt is sent in *rounds*: one per scheduled period (its key is the
scheduled day, which every member reaches at the scheduled time in their own time zone) or one per
`/prompt send now`. A round has one *delivery* per member, claimed in the database before the DM is
sent, so nothing is sent twice. Members answer in a modal or by writing in the DM; every answer,
skip, pause and nudge is stored.

One module per part, each name importable from here as well:

- `bank`: the questions shipped with Convene;
- `schedule`: reading `/prompt schedule`, and which members a scheduled day reaches;
- `commands`: coordinators adding, editing, ordering and retiring prompts, the pace and nudges;
- `rounds`: starting a round (scheduled or `/prompt send now`) and who can receive it;
- `answers`: answering in the modal or the DM, skipping, pausing;
- `nudges`: the one reminder a delivery may get;
- `reading`: answers as coordinators read them, credited as each member chose;
- `to_issues`: answers that become issues;
- `home` and `digest`: what the App Home and the weekly digest show;
- `personal_data`: my-data and forget-me.
"""

from __future__ import annotations

from bot.services.prompts.answers import (
    ANSWER_WINDOW,
    PAUSE_FOR,
    AnswerForm,
    DeliveryState,
    MessageAnswer,
    answer_form,
    answered_delivery_for_message,
    delivery_question,
    delivery_state,
    delivery_state_of,
    edit_message_answer,
    is_pleasantry,
    log_message_answer,
    pause,
    resume,
    retract_message_answer,
    save_modal_answer,
    skip,
)
from bot.services.prompts.bank import BankPrompt, ensure_bank, shipped_bank
from bot.services.prompts.commands import (
    MAX_NUDGE_DAYS,
    MAX_QUESTION,
    MIN_QUESTION,
    MOVE_EXAMPLE,
    PromptLine,
    PromptListing,
    ScheduleSet,
    add_prompt,
    clean_question,
    edit_prompt,
    listing,
    move_prompt,
    numbered_prompt,
    pace,
    parse_move,
    parse_nudge,
    parse_number,
    restore_prompt,
    retire_prompt,
    set_nudge,
    set_schedule,
)
from bot.services.prompts.digest import QUOTES_IN_DIGEST, PeriodPrompt, Quote, period_prompt
from bot.services.prompts.home import HOME_WAITING_LIMIT, MemberPrompts, WaitingPrompt, member_prompts
from bot.services.prompts.nudges import NUDGE_GRACE, QUIET_AFTER, nudge_candidates, quiet_lately, should_nudge
from bot.services.prompts.personal_data import CREDIT_LABELS, export_personal_data, forget_personal_data
from bot.services.prompts.reading import ANSWERS_PER_PAGE, AnswerEntry, AnswersPage, answers_page, credit_label
from bot.services.prompts.rounds import RoundStarted, available, member_zones, scheduled_round, start_manual_round
from bot.services.prompts.schedule import (
    DAY_NAMES,
    DELIVERY_GRACE,
    SCHEDULE_EXAMPLE,
    Recipient,
    Schedule,
    ScheduleChoice,
    due_recipients,
    manual_period_key,
    parse_schedule,
    parse_time,
    scheduled_period_key,
)
from bot.services.prompts.to_issues import (
    answer_origin,
    issue_prefill_for_answer,
    issues_from_answers,
    latest_answer_id,
)

__all__ = [
    "ANSWERS_PER_PAGE",
    "ANSWER_WINDOW",
    "AnswerEntry",
    "AnswerForm",
    "AnswersPage",
    "BankPrompt",
    "CREDIT_LABELS",
    "DAY_NAMES",
    "DELIVERY_GRACE",
    "DeliveryState",
    "HOME_WAITING_LIMIT",
    "MAX_NUDGE_DAYS",
    "MAX_QUESTION",
    "MIN_QUESTION",
    "MOVE_EXAMPLE",
    "MemberPrompts",
    "MessageAnswer",
    "NUDGE_GRACE",
    "PAUSE_FOR",
    "PeriodPrompt",
    "PromptLine",
    "PromptListing",
    "QUIET_AFTER",
    "QUOTES_IN_DIGEST",
    "Quote",
    "Recipient",
    "RoundStarted",
    "SCHEDULE_EXAMPLE",
    "Schedule",
    "ScheduleChoice",
    "ScheduleSet",
    "WaitingPrompt",
    "add_prompt",
    "answer_form",
    "answer_origin",
    "answered_delivery_for_message",
    "answers_page",
    "available",
    "clean_question",
    "credit_label",
    "delivery_question",
    "delivery_state",
    "delivery_state_of",
    "due_recipients",
    "edit_message_answer",
    "edit_prompt",
    "ensure_bank",
    "export_personal_data",
    "forget_personal_data",
    "is_pleasantry",
    "issue_prefill_for_answer",
    "issues_from_answers",
    "latest_answer_id",
    "listing",
    "log_message_answer",
    "manual_period_key",
    "member_prompts",
    "member_zones",
    "move_prompt",
    "nudge_candidates",
    "numbered_prompt",
    "pace",
    "parse_move",
    "parse_nudge",
    "parse_number",
    "parse_schedule",
    "parse_time",
    "pause",
    "period_prompt",
    "quiet_lately",
    "restore_prompt",
    "resume",
    "retire_prompt",
    "retract_message_answer",
    "save_modal_answer",
    "scheduled_period_key",
    "scheduled_round",
    "set_nudge",
    "set_schedule",
    "shipped_bank",
    "should_nudge",
    "skip",
    "start_manual_round",
]
