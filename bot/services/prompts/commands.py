"""Coordinators' commands: adding, editing, ordering and retiring prompts, the schedule and nudges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.services.errors import InvalidInput, NotFound
from bot.services.members import insist_coordinator
from bot.services.prompts.bank import ensure_bank
from bot.services.prompts.schedule import Schedule, ScheduleChoice
from storage.models import Prompt
from storage.repositories.prompts import PromptRepository

MAX_NUDGE_DAYS = 28
MIN_QUESTION = 10
MAX_QUESTION = 500


def parse_number(word: str, *, example: str) -> int:
    """`7` or `#7` → 7."""
    cleaned = word.strip().lstrip("#")
    if not cleaned.isdigit() or int(cleaned) < 1:
        shown = word.strip() or "nothing"
        raise InvalidInput(f"“{shown}” is not a prompt number. `/prompt list` shows the numbers.", example=example)
    return int(cleaned)


def clean_question(text: str, *, example: str) -> str:
    """The question as typed, without surrounding quotes or space, within length limits."""
    question = " ".join(text.split())
    if len(question) >= 2 and question[0] in "\"“”" and question[-1] in "\"“”":
        question = question[1:-1].strip()
    if len(question) < MIN_QUESTION:
        raise InvalidInput("Type the question itself after the command; it needs a few words at least.",
                           example=example)
    if len(question) > MAX_QUESTION:
        raise InvalidInput(f"That question is {len(question)} characters long; keep it under {MAX_QUESTION} "
                           "so it can be answered in a few minutes.", example=example)
    return question


@dataclass(frozen=True)
class PromptLine:
    number: int
    question: str
    place: int | None  # its place in the queue, 1 = sent next; None when retired
    bank: bool


@dataclass(frozen=True)
class PromptListing:
    queue: list[PromptLine]
    retired: list[PromptLine]
    schedule: Schedule
    nudge_after_days: int | None


def listing(session: Session, team_id: str, *, now: datetime) -> PromptListing:
    settings = ensure_bank(session, team_id, now=now)
    repo = PromptRepository(session)
    queue = [PromptLine(p.number, p.question, place, p.bank_key is not None)
             for place, p in enumerate(repo.active(team_id), start=1)]
    retired = [PromptLine(p.number, p.question, None, p.bank_key is not None) for p in repo.retired(team_id)]
    return PromptListing(queue, retired, Schedule.of(settings), settings.nudge_after_days)


def pace(session: Session, team_id: str, *, now: datetime) -> tuple[Schedule, int | None]:
    """The prompt schedule and the nudge delay, for the group's settings."""
    settings = ensure_bank(session, team_id, now=now)
    return Schedule.of(settings), settings.nudge_after_days


def numbered_prompt(session: Session, team_id: str, number: int) -> Prompt:
    prompt = PromptRepository(session).by_number(team_id, number)
    if prompt is None:
        raise NotFound(f"There is no prompt #{number}. `/prompt list` shows them all.")
    return prompt


def add_prompt(session: Session, team_id: str, user_id: str, text: str, *, now: datetime,
               acting_is_coordinator: bool) -> PromptLine:
    insist_coordinator(acting_is_coordinator, "add prompts")
    question = clean_question(text, example="/prompt add What would make monitoring worth the time it takes?")
    ensure_bank(session, team_id, now=now)
    repo = PromptRepository(session)
    same = repo.with_question(team_id, question)
    if same is not None:
        raise InvalidInput(f"That question is already prompt #{same.number}.")
    prompt = repo.add(Prompt(team_id=team_id, question=question, created_by=user_id))
    place = len(repo.active(team_id))
    return PromptLine(prompt.number, prompt.question, place, False)


def edit_prompt(session: Session, team_id: str, user_id: str, number: int, text: str, *, now: datetime,
                acting_is_coordinator: bool) -> PromptLine:
    insist_coordinator(acting_is_coordinator, "edit prompts")
    question = clean_question(text, example=f"/prompt edit {number} What did your last commissioner ask for?")
    ensure_bank(session, team_id, now=now)
    prompt = numbered_prompt(session, team_id, number)
    same = PromptRepository(session).with_question(team_id, question)
    if same is not None and same.id != prompt.id:
        raise InvalidInput(f"That question is already prompt #{same.number}.")
    prompt.question = question
    return PromptLine(prompt.number, prompt.question, None, prompt.bank_key is not None)


def retire_prompt(session: Session, team_id: str, user_id: str, number: int, *, now: datetime,
                  acting_is_coordinator: bool) -> PromptLine:
    insist_coordinator(acting_is_coordinator, "retire prompts")
    ensure_bank(session, team_id, now=now)
    prompt = numbered_prompt(session, team_id, number)
    if prompt.retired_at is not None:
        raise InvalidInput(f"Prompt #{number} is already retired. `/prompt restore {number}` brings it back.")
    prompt.retired_at = now
    return PromptLine(prompt.number, prompt.question, None, prompt.bank_key is not None)


def restore_prompt(session: Session, team_id: str, user_id: str, number: int, *, now: datetime,
                   acting_is_coordinator: bool) -> PromptLine:
    insist_coordinator(acting_is_coordinator, "restore prompts")
    ensure_bank(session, team_id, now=now)
    repo = PromptRepository(session)
    prompt = numbered_prompt(session, team_id, number)
    if prompt.retired_at is None:
        raise InvalidInput(f"Prompt #{number} is not retired.")
    prompt.retired_at = None
    prompt.position = repo.last_position(team_id) + 1
    return PromptLine(prompt.number, prompt.question, len(repo.active(team_id)), prompt.bank_key is not None)


_PLACE_WORDS = {"top": 1, "first": 1, "next": 1, "front": 1}
_LAST_WORDS = ("bottom", "last", "end", "back")
MOVE_EXAMPLE = "/prompt move 7 to 1"


def parse_move(text: str) -> tuple[int, str]:
    """`7 to 1`, `#7 to top`, `7 1` → (number, place word)."""
    words = [word for word in text.lower().split() if word not in ("to", "position", "place")]
    if len(words) != 2:
        raise InvalidInput("Say which prompt to move and where to in the queue (1 is sent next).",
                           example=MOVE_EXAMPLE)
    return parse_number(words[0], example=MOVE_EXAMPLE), words[1]


def move_prompt(session: Session, team_id: str, user_id: str, number: int, to: str, *, now: datetime,
                acting_is_coordinator: bool) -> PromptLine:
    """Put prompt `number` at place `to` in the queue (1 = sent next; `top`, `bottom` work too)."""
    insist_coordinator(acting_is_coordinator, "reorder prompts")
    ensure_bank(session, team_id, now=now)
    repo = PromptRepository(session)
    prompt = numbered_prompt(session, team_id, number)
    if prompt.retired_at is not None:
        raise InvalidInput(f"Prompt #{number} is retired; `/prompt restore {number}` puts it back in the queue first.")
    queue = [p for p in repo.active(team_id) if p.id != prompt.id]
    if to in _PLACE_WORDS:
        place = _PLACE_WORDS[to]
    elif to in _LAST_WORDS:
        place = len(queue) + 1
    elif to.lstrip("#").isdigit() and int(to.lstrip("#")) >= 1:
        place = min(int(to.lstrip("#")), len(queue) + 1)
    else:
        raise InvalidInput(f"“{to}” is not a place in the queue: use a number (1 is sent next), top or bottom.",
                           example=MOVE_EXAMPLE)
    queue.insert(place - 1, prompt)
    repo.reorder(queue)
    # Positions alone are rotation bookkeeping (`Prompt.not_edits`), but this prompt was moved by hand.
    prompt.updated_at = now
    return PromptLine(prompt.number, prompt.question, place, prompt.bank_key is not None)


@dataclass(frozen=True)
class ScheduleSet:
    schedule: Schedule
    first_day: date | None
    nudge_after_days: int | None


def set_schedule(session: Session, team_id: str, user_id: str, choice: ScheduleChoice, *, now: datetime,
                 home: ZoneInfo, acting_is_coordinator: bool) -> ScheduleSet:
    insist_coordinator(acting_is_coordinator, "change the prompt schedule")
    settings = ensure_bank(session, team_id, now=now)
    settings.cadence = choice.cadence
    settings.weekday = choice.weekday
    settings.send_at = choice.send_at
    settings.schedule_set_at = now
    settings.updated_by = user_id
    settings.anchor_on = None
    schedule = Schedule.of(settings)
    first = schedule.next_day(now, home)
    if choice.cadence == "fortnightly":
        settings.anchor_on = first
        schedule = Schedule.of(settings)
    return ScheduleSet(schedule, first, settings.nudge_after_days)


def parse_nudge(text: str) -> int | None:
    """`3`, `3 days`, `off` → days (None for off)."""
    words = [word for word in text.lower().split() if word not in ("after", "days", "day", "d")]
    example = "/prompt nudge 3"
    if len(words) != 1:
        raise InvalidInput("Say after how many days to nudge, or off.", example=example)
    word = words[0].removesuffix("d")
    if word in ("off", "never", "none", "no", "0"):
        return None
    if not word.isdigit():
        raise InvalidInput(f"“{words[0]}” is not a number of days: say after how many days to nudge, or off.",
                           example=example)
    if not 1 <= int(word) <= MAX_NUDGE_DAYS:
        raise InvalidInput(f"Nudges go out after 1 to {MAX_NUDGE_DAYS} days, or not at all (off).", example=example)
    return int(word)


def set_nudge(session: Session, team_id: str, user_id: str, days: int | None, *, now: datetime,
              acting_is_coordinator: bool) -> int | None:
    insist_coordinator(acting_is_coordinator, "change nudges")
    settings = ensure_bank(session, team_id, now=now)
    settings.nudge_after_days = days
    settings.updated_by = user_id
    return days
