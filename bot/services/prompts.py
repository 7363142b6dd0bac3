"""Prompts: the bank of questions, when they go out, and what members answer.

The rules, in pure Python. A prompt is sent in *rounds*: one per scheduled period (its key is the
scheduled day, which every member reaches at the scheduled time in their own time zone) or one per
`/prompt send now`. A round has one *delivery* per member, claimed in the database before the DM is
sent, so nothing is sent twice. Members answer in a modal or by writing in the DM; every answer,
skip, pause and nudge is stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.services import issues, paging
from bot.services.attribution import Surface, attribute
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.issues import IssuePrefill
from bot.services.members import is_coordinator, member_zone, present
from bot.services.personal_data import PersonalData
from storage.models import Member, Prompt, PromptAnswer, PromptDelivery, PromptRound, PromptSettings
from storage.models.prompts import CREDITS
from storage.repositories.prompts import (
    AnswerRepository,
    DeliveryRepository,
    PromptMemberRepository,
    PromptRepository,
    PromptSettingsRepository,
    RoundRepository,
)
from storage.repositories.workspaces import MemberRepository

# A member whose delivery moment passed more than this long ago (the clock was down) is not sent
# that period's prompt: a restart catches up, but nobody gets a stale question hours late.
DELIVERY_GRACE = timedelta(hours=6)
# The same for nudges, which matter less and can wait for the member's next working hours.
NUDGE_GRACE = timedelta(hours=12)
# A plain message in the DM answers the latest prompt sent this recently.
ANSWER_WINDOW = timedelta(days=14)
PAUSE_FOR = timedelta(weeks=4)
MAX_NUDGE_DAYS = 28
# Members who left this many prompts in a row unanswered are not nudged: a pace for volunteers.
QUIET_AFTER = 3
MIN_QUESTION = 10
MAX_QUESTION = 500
ANSWERS_PER_PAGE = 10
HOME_WAITING_LIMIT = 5
QUOTES_IN_DIGEST = 3

# Every time zone on Earth is within these offsets of UTC; a scheduled day reaches some member
# between the earliest and the latest.
_EARLIEST_ZONE = timezone(timedelta(hours=14))
_LATEST_ZONE = timezone(timedelta(hours=-12))

CREDIT_LABELS = {"named": "Named", "organisation": "Organisation only", "anonymous": "Anonymous"}

SCHEDULE_EXAMPLE = "/prompt schedule weekly Tue 10:00"


# ---- The bank shipped with Convene --------------------------------------------------------------


@dataclass(frozen=True)
class BankPrompt:
    key: str
    question: str


@lru_cache(maxsize=1)
def shipped_bank() -> tuple[BankPrompt, ...]:
    """The questions in bot/data/prompts.json, in order."""
    raw = resources.files("bot").joinpath("data/prompts.json").read_text(encoding="utf-8")
    return tuple(BankPrompt(item["key"], item["question"]) for item in json.loads(raw)["prompts"])


def ensure_bank(session: Session, team_id: str, *, now: datetime) -> PromptSettings:
    """The workspace's prompt settings, loading the shipped bank the first time prompts are used."""
    settings = PromptSettingsRepository(session).get_or_create(team_id, now=now, lock=True)
    if settings.bank_loaded_at is None:
        prompts = PromptRepository(session)
        for item in shipped_bank():
            prompts.add(team_id, item.question, now=now, bank_key=item.key)
        settings.bank_loaded_at = now
    return settings


# ---- Schedules ----------------------------------------------------------------------------------

_WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4, "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}
_CADENCE_WORDS = {
    "weekly": "weekly", "week": "weekly", "fortnightly": "fortnightly", "biweekly": "fortnightly",
    "fortnight": "fortnightly", "monthly": "monthly", "month": "monthly",
    "off": "off", "stop": "off", "none": "off", "never": "off",
}
_FILLER = {"on", "at", "every", "each", "the", "first", "of", "a", "in"}
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?(am|pm)?$")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class ScheduleChoice:
    """What a coordinator typed after `/prompt schedule`."""

    cadence: str
    weekday: int | None = None
    send_at: time | None = None


def parse_time(word: str) -> time | None:
    """`10:00`, `10`, `10am`, `2.30pm`, `14:30`, `noon` → a time; None when it is not one."""
    word = word.lower()
    if word in ("noon", "midday"):
        return time(12, 0)
    match = _TIME.match(word)
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_schedule(text: str) -> ScheduleChoice:
    """`weekly Tue 10:00`, `fortnightly Wednesday 9:30am`, `monthly Thu 2pm`, `off`."""
    words = re.sub(r"\s+(am|pm)\b", r"\1", text.strip().lower()).replace(",", " ").split()
    cadence: str | None = None
    weekday: int | None = None
    send_at: time | None = None
    for word in words:
        if word in _FILLER:
            continue
        if word in _CADENCE_WORDS and cadence is None:
            cadence = _CADENCE_WORDS[word]
            continue
        day = _WEEKDAYS.get(word) if word in _WEEKDAYS else _WEEKDAYS.get(word.removesuffix("s"))
        if day is not None and weekday is None:
            weekday = day
            continue
        parsed = parse_time(word)
        if parsed is not None and send_at is None:
            send_at = parsed
            continue
        if re.match(r"^\d", word):
            raise InvalidInput(f"I can't read “{word}” as a time of day.", example=SCHEDULE_EXAMPLE)
        raise InvalidInput(f"I don't understand “{word}” in a schedule.", example=SCHEDULE_EXAMPLE)
    if cadence is None:
        raise InvalidInput("Say how often prompts go out: weekly, fortnightly, monthly, or off.",
                           example=SCHEDULE_EXAMPLE)
    if cadence == "off":
        return ScheduleChoice("off")
    if weekday is None:
        raise InvalidInput("Say which day of the week prompts go out.", example=SCHEDULE_EXAMPLE)
    return ScheduleChoice(cadence, weekday, send_at or time(10, 0))


@dataclass(frozen=True)
class Schedule:
    """When a workspace's prompts go out: a day and a wall-clock time, in each member's own zone."""

    cadence: str = "off"
    weekday: int | None = None
    send_at: time | None = None
    anchor_on: date | None = None
    set_at: datetime | None = None

    @classmethod
    def of(cls, settings: PromptSettings | None) -> Schedule:
        if settings is None:
            return cls()
        return cls(settings.cadence, settings.weekday, settings.send_at, settings.anchor_on, settings.schedule_set_at)

    @property
    def active(self) -> bool:
        return self.cadence != "off" and self.weekday is not None and self.send_at is not None

    def occurs_on(self, day: date) -> bool:
        """Is `day` a scheduled day (in any member's own calendar)?"""
        if not self.active or day.weekday() != self.weekday:
            return False
        if self.cadence == "fortnightly":
            return self.anchor_on is None or (day - self.anchor_on).days % 14 == 0
        if self.cadence == "monthly":
            return day.day <= 7  # the first such weekday of the month
        return True

    def moment(self, day: date, zone: ZoneInfo | timezone) -> datetime:
        """The instant `day` at the scheduled time happens in `zone`, in UTC."""
        assert self.send_at is not None
        return datetime.combine(day, self.send_at, tzinfo=zone).astimezone(timezone.utc)

    def days_due_somewhere(self, now: datetime) -> list[date]:
        """Scheduled days whose delivery moment may have come for a member somewhere, within the grace."""
        if not self.active:
            return []
        days = [now.date() + timedelta(days=offset) for offset in (-2, -1, 0, 1)]
        return [
            day for day in days
            if self.occurs_on(day)
            and self.moment(day, _EARLIEST_ZONE) <= now < self.moment(day, _LATEST_ZONE) + DELIVERY_GRACE
            and (self.set_at is None or self.moment(day, _LATEST_ZONE) >= self.set_at)
        ]

    def next_day(self, after: datetime, zone: ZoneInfo) -> date | None:
        """The first scheduled day whose moment in `zone` is at or after `after`."""
        if not self.active:
            return None
        start = after.astimezone(zone).date()
        for offset in range(0, 800):
            day = start + timedelta(days=offset)
            if self.occurs_on(day) and self.moment(day, zone) >= after:
                return day
        return None


@dataclass(frozen=True)
class Recipient:
    user_id: str
    due_at: datetime


def due_recipients(schedule: Schedule, day: date, members: Iterable[tuple[str, ZoneInfo]], *,
                   now: datetime) -> list[Recipient]:
    """Members whose own moment for `day` has come, within the grace, and after the schedule was set."""
    due = []
    for user_id, zone in members:
        moment = schedule.moment(day, zone)
        if schedule.set_at is not None and moment < schedule.set_at:
            continue
        if moment <= now < moment + DELIVERY_GRACE:
            due.append(Recipient(user_id, moment))
    return due


def scheduled_period_key(day: date) -> str:
    return day.isoformat()


def manual_period_key(prompt: Prompt, *, now: datetime, home: ZoneInfo) -> str:
    """Sending the same prompt now twice on one day is one round: a double-click sends nothing twice."""
    return f"now:{now.astimezone(home).date().isoformat()}:{prompt.id}"


# ---- Coordinators' commands ---------------------------------------------------------------------


def require_coordinator(session: Session, team_id: str, user_id: str, configured: Iterable[str], doing: str) -> None:
    """NotAllowed unless the person is a coordinator."""
    if not is_coordinator(session, team_id, user_id, configured=configured):
        raise NotAllowed(f"Only a coordinator can {doing}. `/convene coordinators list` shows who they are.")


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


def _prompt(session: Session, team_id: str, number: int) -> Prompt:
    prompt = PromptRepository(session).by_number(team_id, number)
    if prompt is None:
        raise NotFound(f"There is no prompt #{number}. `/prompt list` shows them all.")
    return prompt


def add_prompt(session: Session, team_id: str, user_id: str, text: str, *, now: datetime,
               configured_coordinators: Iterable[str]) -> PromptLine:
    require_coordinator(session, team_id, user_id, configured_coordinators, "add prompts")
    question = clean_question(text, example="/prompt add What would make monitoring worth the time it takes?")
    ensure_bank(session, team_id, now=now)
    repo = PromptRepository(session)
    same = repo.with_question(team_id, question)
    if same is not None:
        raise InvalidInput(f"That question is already prompt #{same.number}.")
    prompt = repo.add(team_id, question, now=now, created_by=user_id)
    place = len(repo.active(team_id))
    return PromptLine(prompt.number, prompt.question, place, False)


def edit_prompt(session: Session, team_id: str, user_id: str, number: int, text: str, *, now: datetime,
                configured_coordinators: Iterable[str]) -> PromptLine:
    require_coordinator(session, team_id, user_id, configured_coordinators, "edit prompts")
    question = clean_question(text, example=f"/prompt edit {number} What did your last commissioner ask for?")
    ensure_bank(session, team_id, now=now)
    prompt = _prompt(session, team_id, number)
    same = PromptRepository(session).with_question(team_id, question)
    if same is not None and same.id != prompt.id:
        raise InvalidInput(f"That question is already prompt #{same.number}.")
    prompt.question = question
    prompt.updated_at = now
    return PromptLine(prompt.number, prompt.question, None, prompt.bank_key is not None)


def retire_prompt(session: Session, team_id: str, user_id: str, number: int, *, now: datetime,
                  configured_coordinators: Iterable[str]) -> PromptLine:
    require_coordinator(session, team_id, user_id, configured_coordinators, "retire prompts")
    ensure_bank(session, team_id, now=now)
    prompt = _prompt(session, team_id, number)
    if prompt.retired_at is not None:
        raise InvalidInput(f"Prompt #{number} is already retired. `/prompt restore {number}` brings it back.")
    prompt.retired_at = now
    prompt.updated_at = now
    return PromptLine(prompt.number, prompt.question, None, prompt.bank_key is not None)


def restore_prompt(session: Session, team_id: str, user_id: str, number: int, *, now: datetime,
                   configured_coordinators: Iterable[str]) -> PromptLine:
    require_coordinator(session, team_id, user_id, configured_coordinators, "restore prompts")
    ensure_bank(session, team_id, now=now)
    repo = PromptRepository(session)
    prompt = _prompt(session, team_id, number)
    if prompt.retired_at is None:
        raise InvalidInput(f"Prompt #{number} is not retired.")
    prompt.retired_at = None
    prompt.updated_at = now
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
                configured_coordinators: Iterable[str]) -> PromptLine:
    """Put prompt `number` at place `to` in the queue (1 = sent next; `top`, `bottom` work too)."""
    require_coordinator(session, team_id, user_id, configured_coordinators, "reorder prompts")
    ensure_bank(session, team_id, now=now)
    repo = PromptRepository(session)
    prompt = _prompt(session, team_id, number)
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
    prompt.updated_at = now
    return PromptLine(prompt.number, prompt.question, place, prompt.bank_key is not None)


@dataclass(frozen=True)
class ScheduleSet:
    schedule: Schedule
    first_day: date | None
    nudge_after_days: int | None


def set_schedule(session: Session, team_id: str, user_id: str, choice: ScheduleChoice, *, now: datetime,
                 home: ZoneInfo, configured_coordinators: Iterable[str]) -> ScheduleSet:
    require_coordinator(session, team_id, user_id, configured_coordinators, "change the prompt schedule")
    settings = ensure_bank(session, team_id, now=now)
    settings.cadence = choice.cadence
    settings.weekday = choice.weekday
    settings.send_at = choice.send_at
    settings.schedule_set_at = now
    settings.updated_at = now
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
              configured_coordinators: Iterable[str]) -> int | None:
    require_coordinator(session, team_id, user_id, configured_coordinators, "change nudges")
    settings = ensure_bank(session, team_id, now=now)
    settings.nudge_after_days = days
    settings.updated_at = now
    settings.updated_by = user_id
    return days


# ---- Rounds -------------------------------------------------------------------------------------


def _rotate(session: Session, team_id: str, prompt: Prompt) -> None:
    """A prompt that has been asked goes to the back of the queue."""
    prompt.position = PromptRepository(session).last_position(team_id) + 1


def _new_round(session: Session, team_id: str, prompt: Prompt, *, period_key: str, kind: str, now: datetime,
               nominal_on: date | None = None, started_by: str | None = None) -> PromptRound:
    round_ = RoundRepository(session).add(PromptRound(
        team_id=team_id, period_key=period_key, kind=kind, prompt_id=prompt.id, question=prompt.question,
        nominal_on=nominal_on, started_at=now, started_by=started_by,
    ))
    _rotate(session, team_id, prompt)
    return round_


def scheduled_round(session: Session, team_id: str, day: date, *, now: datetime) -> PromptRound | None:
    """The round for scheduled `day`, started with the prompt at the front of the queue if need be.

    None when the bank has no active prompt. Holding the settings row makes two clocks agree on one
    round (and the unique period key would refuse a second anyway).
    """
    ensure_bank(session, team_id, now=now)
    key = scheduled_period_key(day)
    rounds = RoundRepository(session)
    existing = rounds.by_period(team_id, key)
    if existing is not None:
        return existing
    queue = PromptRepository(session).active(team_id)
    if not queue:
        return None
    return _new_round(session, team_id, queue[0], period_key=key, kind="scheduled", now=now, nominal_on=day)


@dataclass(frozen=True)
class RoundStarted:
    round_id: int
    number: int
    question: str
    new: bool


def start_manual_round(session: Session, team_id: str, user_id: str, number: int | None, *, now: datetime,
                       home: ZoneInfo, configured_coordinators: Iterable[str]) -> RoundStarted:
    """`/prompt send now [N]`: a round for prompt N (or the next in the queue), sent to everyone now."""
    require_coordinator(session, team_id, user_id, configured_coordinators, "send prompts")
    ensure_bank(session, team_id, now=now)
    if number is None:
        queue = PromptRepository(session).active(team_id)
        if not queue:
            raise InvalidInput("Every prompt is retired. Add one first.",
                               example="/prompt add What did your last tender cost you in staff time?")
        prompt = queue[0]
    else:
        prompt = _prompt(session, team_id, number)
        if prompt.retired_at is not None:
            raise InvalidInput(f"Prompt #{number} is retired. `/prompt restore {number}` brings it back.")
    key = manual_period_key(prompt, now=now, home=home)
    existing = RoundRepository(session).by_period(team_id, key)
    if existing is not None:
        return RoundStarted(existing.id, prompt.number, existing.question, False)
    round_ = _new_round(session, team_id, prompt, period_key=key, kind="manual", now=now, started_by=user_id)
    return RoundStarted(round_.id, prompt.number, round_.question, True)


def available(session: Session, team_id: str, user_ids: Iterable[str], *, at: datetime, home: ZoneInfo) -> list[str]:
    """Of `user_ids`, those neither away that day (in their own calendar) nor pausing prompts."""
    here = present(session, team_id, user_ids, at=at, home=home)
    paused = PromptMemberRepository(session).paused(team_id, here, at=at)
    return [user_id for user_id in here if user_id not in paused]


def member_zones(session: Session, team_id: str, user_ids: Sequence[str], *, home: ZoneInfo) -> list[tuple[str, ZoneInfo]]:
    members = MemberRepository(session).many(team_id, user_ids)
    return [(user_id, member_zone(members.get(user_id), home)) for user_id in user_ids]


# ---- Members answering, skipping, pausing ---------------------------------------------------------


def _own_delivery(session: Session, team_id: str, user_id: str, delivery_id: int) -> PromptDelivery:
    delivery = DeliveryRepository(session).get(delivery_id)
    if delivery is None or delivery.team_id != team_id:
        raise NotFound("I can't find that prompt any more.")
    if delivery.user_id != user_id:
        raise NotAllowed("That prompt was sent to someone else.")
    return delivery


def delivery_question(session: Session, delivery: PromptDelivery) -> str:
    round_ = RoundRepository(session).get(delivery.round_id)
    return round_.question if round_ is not None else ""


def _credit_defaults(session: Session, team_id: str, user_id: str) -> tuple[str | None, bool | None]:
    pref = PromptMemberRepository(session).get(team_id, user_id)
    return (pref.credit, pref.shareable) if pref is not None else (None, None)


def _organisation(session: Session, team_id: str, user_id: str) -> str | None:
    member = MemberRepository(session).get(team_id, user_id)
    return member.organisation if member is not None and member.organisation else None


@dataclass(frozen=True)
class AnswerForm:
    """What the Answer modal shows: the question, what they wrote before, how it is credited."""

    delivery_id: int
    question: str
    text: str
    message_answers: list[str]
    credit: str
    shareable: bool
    organisation: str | None


def answer_form(session: Session, team_id: str, user_id: str, delivery_id: int) -> AnswerForm:
    delivery = _own_delivery(session, team_id, user_id, delivery_id)
    answers = AnswerRepository(session).for_delivery(delivery.id)
    modal = next((a for a in answers if a.source_key == "modal"), None)
    latest = answers[-1] if answers else None
    pref_credit, pref_share = _credit_defaults(session, team_id, user_id)
    return AnswerForm(
        delivery_id=delivery.id,
        question=delivery_question(session, delivery),
        text=modal.text if modal else "",
        message_answers=[a.text for a in answers if a.source_key != "modal"],
        credit=latest.credit if latest else (pref_credit or "named"),
        # Being quoted in the channel's digest is opt-in.
        shareable=latest.shareable if latest else bool(pref_share),
        organisation=_organisation(session, team_id, user_id),
    )


def _remember_choice(session: Session, team_id: str, user_id: str, *, credit: str, shareable: bool,
                     now: datetime) -> None:
    pref = PromptMemberRepository(session).get_or_create(team_id, user_id, now=now)
    pref.credit = credit
    pref.shareable = shareable
    pref.updated_at = now


def save_modal_answer(session: Session, team_id: str, user_id: str, delivery_id: int, text: str, *,
                      credit: str, shareable: bool, now: datetime) -> PromptDelivery:
    """The Answer modal's answer: its text replaces what was typed there before; the credit choice
    applies to every answer the member gave this prompt, messages included."""
    if credit not in CREDITS:
        raise InvalidInput("Choose how your answer is credited.")
    delivery = _own_delivery(session, team_id, user_id, delivery_id)
    answers = AnswerRepository(session)
    text = text.strip()
    existing = answers.modal_answer(delivery.id)
    others = [a for a in answers.for_delivery(delivery.id) if a.source_key != "modal"]
    if not text and not others:
        raise InvalidInput("Write an answer first: a sentence or two is plenty.")
    organisation = _organisation(session, team_id, user_id)
    if existing is not None and text:
        existing.text = text
        existing.updated_at = now
    elif existing is not None:
        session.delete(existing)
    elif text:
        answers.add({
            "team_id": team_id, "delivery_id": delivery.id, "prompt_id": delivery.prompt_id, "user_id": user_id,
            "source_key": "modal", "text": text, "credit": credit, "organisation": organisation,
            "shareable": shareable, "created_at": now, "updated_at": now,
        })
    session.flush()
    answers.set_credit(delivery.id, credit=credit, organisation=organisation, shareable=shareable, now=now)
    _remember_choice(session, team_id, user_id, credit=credit, shareable=shareable, now=now)
    return delivery


# A short "thanks!" after answering is a pleasantry, not a second answer.
_PLEASANTRIES = {
    "thanks", "thank you", "thankyou", "thx", "ta", "cheers", "ok", "okay", "cool", "great", "nice", "done",
    "sure", "will do", "np", "no problem", "lovely", "perfect", "brilliant", "+1", ":+1:", ":thumbsup:",
    ":pray:", ":slightly_smiling_face:", ":smile:", ":white_check_mark:", "👍", "🙏", "🙂",
}


def is_pleasantry(text: str) -> bool:
    words = re.sub(r"[.!?,\s]+", " ", text.lower()).strip()
    return words in _PLEASANTRIES or words.replace(" ", "") in _PLEASANTRIES


@dataclass(frozen=True)
class MessageAnswer:
    """A DM message that answers a prompt."""

    delivery: PromptDelivery
    logged: bool  # False for a message already logged (Slack retried it) or a "thanks!" after answering
    first: bool  # the first answer to this delivery: worth a word about how it is credited
    credit: str
    shareable: bool


def _slack_text(text: str) -> str:
    """Message text as the member typed it: Slack escapes &, < and > in events."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def answered_delivery_for_message(session: Session, team_id: str, user_id: str, *, channel_id: str,
                                  thread_ts: str | None, now: datetime) -> PromptDelivery | None:
    """The delivery a DM message answers: the prompt whose thread it is in, else the latest prompt."""
    deliveries = DeliveryRepository(session)
    if thread_ts:
        delivery = deliveries.by_message(team_id, channel_id, thread_ts)
        if delivery is None:
            # A thread under one of their own answers (where the acknowledgement went) answers the same prompt.
            earlier = AnswerRepository(session).from_message(team_id, channel_id, thread_ts)
            delivery = deliveries.get(earlier.delivery_id) if earlier is not None else None
        if delivery is None or delivery.user_id != user_id:
            return None  # a thread under some other message: not an answer
        return delivery
    return deliveries.latest_sent(team_id, user_id, since=now - ANSWER_WINDOW)


def log_message_answer(session: Session, team_id: str, user_id: str, *, channel_id: str, ts: str,
                       thread_ts: str | None, text: str, now: datetime) -> MessageAnswer | None:
    """Log a member's DM message as their answer; None when it answers no prompt."""
    text = _slack_text(text)
    if not text:
        return None
    delivery = answered_delivery_for_message(session, team_id, user_id, channel_id=channel_id,
                                             thread_ts=thread_ts, now=now)
    if delivery is None:
        return None
    answers = AnswerRepository(session)
    before = answers.for_delivery(delivery.id)
    if before and is_pleasantry(text):
        return MessageAnswer(delivery, False, False, before[-1].credit, before[-1].shareable)
    if before:
        credit, shareable = before[-1].credit, before[-1].shareable
    else:
        pref_credit, pref_share = _credit_defaults(session, team_id, user_id)
        # Nobody chose how a plain reply is credited: keep it anonymous and out of the digest
        # until they say otherwise (the acknowledgement tells them how).
        credit, shareable = pref_credit or "anonymous", bool(pref_share)
    logged = answers.add({
        "team_id": team_id, "delivery_id": delivery.id, "prompt_id": delivery.prompt_id, "user_id": user_id,
        "source_key": f"message:{ts}", "channel_id": channel_id, "message_ts": ts, "text": text,
        "credit": credit, "organisation": _organisation(session, team_id, user_id), "shareable": shareable,
        "created_at": now, "updated_at": now,
    })
    return MessageAnswer(delivery, logged, not before, credit, shareable)


def edit_message_answer(session: Session, team_id: str, user_id: str, *, channel_id: str, ts: str, text: str,
                        now: datetime) -> PromptDelivery | None:
    """The member edited a message logged as an answer: the answer follows. None if it was not one."""
    answer = AnswerRepository(session).from_message(team_id, channel_id, ts)
    if answer is None or answer.user_id != user_id:
        return None
    text = _slack_text(text)
    if not text:
        return None
    answer.text = text
    answer.updated_at = now
    return DeliveryRepository(session).get(answer.delivery_id)


def retract_message_answer(session: Session, team_id: str, user_id: str | None, *, channel_id: str,
                           ts: str) -> PromptDelivery | None:
    """The member deleted a message logged as an answer: so is the answer."""
    answer = AnswerRepository(session).from_message(team_id, channel_id, ts)
    if answer is None or (user_id is not None and answer.user_id != user_id):
        return None
    delivery = DeliveryRepository(session).get(answer.delivery_id)
    session.delete(answer)
    return delivery


@dataclass(frozen=True)
class DeliveryState:
    """How a prompt's DM should look now."""

    delivery_id: int
    question: str
    kind: str
    channel_id: str | None
    ts: str | None
    answered: bool
    skipped: bool
    answered_at: datetime | None


def delivery_state(session: Session, delivery: PromptDelivery) -> DeliveryState:
    answers = AnswerRepository(session).for_delivery(delivery.id)
    round_ = RoundRepository(session).get(delivery.round_id)
    return DeliveryState(
        delivery_id=delivery.id,
        question=round_.question if round_ is not None else "",
        kind=round_.kind if round_ is not None else "manual",
        channel_id=delivery.channel_id,
        ts=delivery.ts,
        answered=bool(answers),
        skipped=delivery.skipped_at is not None,
        answered_at=max((a.updated_at for a in answers), default=None),
    )


def delivery_state_of(session: Session, delivery_id: int) -> DeliveryState | None:
    delivery = DeliveryRepository(session).get(delivery_id)
    return delivery_state(session, delivery) if delivery is not None else None


def skip(session: Session, team_id: str, user_id: str, delivery_id: int, *, now: datetime) -> PromptDelivery:
    delivery = _own_delivery(session, team_id, user_id, delivery_id)
    if delivery.skipped_at is None:
        delivery.skipped_at = now
    return delivery


def pause(session: Session, team_id: str, user_id: str, *, now: datetime) -> datetime:
    """No prompts or nudges for four weeks; returns when they start again."""
    member = PromptMemberRepository(session).get_or_create(team_id, user_id, now=now)
    member.paused_until = now + PAUSE_FOR
    member.updated_at = now
    return member.paused_until


def resume(session: Session, team_id: str, user_id: str, *, now: datetime) -> bool:
    """True when the member was paused."""
    member = PromptMemberRepository(session).get(team_id, user_id)
    if member is None or member.paused_until is None or member.paused_until <= now:
        return False
    member.paused_until = None
    member.updated_at = now
    return True


# ---- Nudges -------------------------------------------------------------------------------------


def quiet_lately(answered_before: Sequence[bool]) -> bool:
    """Skipped or ignored the last QUIET_AFTER prompts: then a nudge would only nag."""
    return len(answered_before) >= QUIET_AFTER and not any(answered_before[:QUIET_AFTER])


def nudge_candidates(session: Session, *, now: datetime, nudge_days: dict[str, int | None]) -> list[PromptDelivery]:
    """Deliveries whose nudge moment has come (within the grace), not answered, skipped or nudged."""
    days = {team: d for team, d in nudge_days.items() if d}
    if not days:
        return []
    shortest, longest = min(days.values()), max(days.values())
    found = DeliveryRepository(session).nudge_candidates(
        due_before=now - timedelta(days=shortest), due_after=now - timedelta(days=longest) - NUDGE_GRACE,
    )
    due = []
    for delivery in found:
        after = days.get(delivery.team_id)
        if after is None:
            continue
        moment = delivery.due_at + timedelta(days=after)
        if moment <= now < moment + NUDGE_GRACE:
            due.append(delivery)
    return due


def should_nudge(session: Session, delivery: PromptDelivery, *, now: datetime, home: ZoneInfo) -> bool:
    deliveries = DeliveryRepository(session)
    if deliveries.newer_exists(delivery):
        return False  # a newer prompt has arrived: nudging about the old one would only nag
    if not available(session, delivery.team_id, [delivery.user_id], at=now, home=home):
        return False
    return not quiet_lately(deliveries.answered_before(delivery, limit=QUIET_AFTER))


# ---- What coordinators read ---------------------------------------------------------------------


def credit_label(answer: PromptAnswer, member: Member | None, *, surface: Surface = Surface.CHANNEL) -> str:
    """How an answer's author is shown, as they chose (`bot.services.attribution`). Anonymous
    answers never name anyone, to coordinators neither."""
    shown = attribute(answer.credit, author_id=answer.user_id, author=member, organisation=answer.organisation,
                      surface=surface)
    if shown.credit.value == "named" and member is None:
        return f"A member ({answer.organisation})" if answer.organisation else "A member"
    return shown.label()


@dataclass(frozen=True)
class AnswerEntry:
    answer_id: int
    prompt_id: int
    text: str
    credited_as: str
    credit: str
    shareable: bool
    answered_at: datetime
    by_message: bool


@dataclass(frozen=True)
class AnswersPage:
    number: int
    question: str
    total: int
    page: int
    pages: int
    entries: list[AnswerEntry]


def _entries(session: Session, team_id: str, answers: Sequence[PromptAnswer]) -> list[AnswerEntry]:
    members = MemberRepository(session).many(team_id, [a.user_id for a in answers if a.credit == "named"])
    return [
        AnswerEntry(
            answer_id=a.id, prompt_id=a.prompt_id, text=a.text,
            credited_as=credit_label(a, members.get(a.user_id), surface=Surface.PRIVATE),
            credit=a.credit, shareable=a.shareable, answered_at=a.created_at, by_message=a.source_key != "modal",
        )
        for a in answers
    ]


def answers_page(session: Session, team_id: str, user_id: str, number: int, *, page: int = 1,
                 configured_coordinators: Iterable[str]) -> AnswersPage:
    require_coordinator(session, team_id, user_id, configured_coordinators, "read prompt answers")
    prompt = _prompt(session, team_id, number)
    answers = AnswerRepository(session)
    window = paging.window(answers.count_for_prompt(team_id, prompt.id), page, ANSWERS_PER_PAGE)
    rows = answers.page_for_prompt(team_id, prompt.id, offset=window.offset, limit=window.size)
    return AnswersPage(prompt.number, prompt.question, window.total, window.number, window.pages,
                       _entries(session, team_id, rows))


# ---- Answers that become issues -------------------------------------------------------------------


def answer_origin(answer_id: int) -> str:
    """How an issue made from an answer names where it came from (`bot.services.issues.created_from`)."""
    return f"prompt-answer:{answer_id}"


def latest_answer_id(session: Session, team_id: str, user_id: str, delivery_id: int) -> int:
    """The member's most recent answer to a prompt they were sent."""
    answers = [a for a in AnswerRepository(session).for_delivery(delivery_id)
               if a.team_id == team_id and a.user_id == user_id]
    if not answers:
        raise NotFound("There is no answer to that prompt yet: answer it first, then make it an issue.")
    return answers[-1].id


def issue_prefill_for_answer(session: Session, team_id: str, user_id: str, answer_id: int, *,
                             configured_coordinators: Iterable[str]) -> IssuePrefill:
    """The issue form for an answer: its words, its question, and the credit its author chose.

    The author may turn their answer into an issue; so may a coordinator, when the author
    allowed the answer to be shared. The issue stays linked to the answer.
    """
    answer = session.get(PromptAnswer, answer_id)
    if answer is None or answer.team_id != team_id:
        raise NotFound("That answer no longer exists.")
    if answer.user_id != user_id and not (
        answer.shareable and is_coordinator(session, team_id, user_id, configured=configured_coordinators)
    ):
        raise NotAllowed("Only whoever wrote an answer can make it an issue, or a coordinator when they allowed "
                         "it to be shared.")
    origin = answer_origin(answer.id)
    existing = issues.created_from(session, team_id, origin)
    if existing is not None:
        raise InvalidInput(f"That answer is already issue #{existing.number}: `/issue show {existing.number}`.")
    delivery = DeliveryRepository(session).get(answer.delivery_id)
    question = delivery_question(session, delivery) if delivery is not None else ""
    title = _answer_title(answer.text)
    detail = answer.text.strip() + (f"\n\nIn answer to: {question}" if question else "")
    return IssuePrefill(title=title, detail=detail, credit=issues.Credit(answer.credit),
                        organisation=answer.organisation, origin=origin, author_id=answer.user_id)


def _answer_title(text: str) -> str:
    """An answer's first sentence, as an issue's title (the whole answer goes in the detail)."""
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    sentence = re.split(r"(?<=[.!?])\s", first_line, maxsplit=1)[0]
    title, _rest = issues.split_title(sentence)
    return title


def issues_from_answers(session: Session, team_id: str, answer_ids: Iterable[int]) -> dict[int, int]:
    """answer ID → number of the issue made from it, for the answers that became issues."""
    found = {}
    for answer_id in answer_ids:
        issue = issues.created_from(session, team_id, answer_origin(answer_id))
        if issue is not None:
            found[answer_id] = issue.number
    return found


# ---- What a member sees on App Home -------------------------------------------------------------


@dataclass(frozen=True)
class WaitingPrompt:
    delivery_id: int
    question: str
    sent_at: datetime


@dataclass(frozen=True)
class MemberPrompts:
    waiting: list[WaitingPrompt]  # one page of them
    paused_until: datetime | None
    window: paging.Window | None = None  # which page `waiting` is, of how many


def member_prompts(session: Session, team_id: str, user_id: str, *, now: datetime, page: int = 1,
                   size: int = HOME_WAITING_LIMIT) -> MemberPrompts:
    """The prompts waiting for the member's answer, a page at a time (newest first), and their pause."""
    deliveries = DeliveryRepository(session)
    window, waiting = paging.fetch_page(
        lambda offset, limit: deliveries.waiting(team_id, user_id, since=now - ANSWER_WINDOW, offset=offset,
                                                 limit=limit),
        page, size)
    pref = PromptMemberRepository(session).get(team_id, user_id)
    paused = pref.paused_until if pref is not None and pref.paused_until and pref.paused_until > now else None
    return MemberPrompts(
        [WaitingPrompt(d.id, delivery_question(session, d), d.sent_at or d.claimed_at) for d in waiting], paused,
        window,
    )


# ---- The weekly digest ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    text: str
    credited_as: str


@dataclass(frozen=True)
class PeriodPrompt:
    """This period's prompt for the digest: how many answered, and quotes their authors allowed."""

    number: int
    question: str
    started_at: datetime
    sent: int
    answered: int
    quotes: list[Quote]


def period_prompt(session: Session, team_id: str, *, start: datetime, end: datetime,
                  quotes: int = QUOTES_IN_DIGEST) -> PeriodPrompt | None:
    """The prompt sent between `start` and `end` (the scheduled one if both kinds were), or None.

    For the weekly digest: the question, how many it went to and how many answered, and up to
    `quotes` answers (one per author) whose authors allowed quoting, credited as they chose.
    """
    round_ = RoundRepository(session).latest(team_id, since=start, until=end)
    if round_ is None:
        return None
    prompt = PromptRepository(session).get(round_.prompt_id)
    sent, answered = DeliveryRepository(session).round_respondents(round_.id)
    shareable = AnswerRepository(session).shareable_for_round(round_.id)
    one_each: list[PromptAnswer] = []
    for answer in shareable:
        if answer.user_id not in {a.user_id for a in one_each}:
            one_each.append(answer)
    chosen = one_each[:quotes]
    members = MemberRepository(session).many(team_id, [a.user_id for a in chosen])
    return PeriodPrompt(
        number=prompt.number if prompt else 0, question=round_.question, started_at=round_.started_at,
        sent=sent, answered=answered,
        quotes=[Quote(a.text, credit_label(a, members.get(a.user_id))) for a in chosen],
    )


# ---- Personal data --------------------------------------------------------------------------------


def export_personal_data(session: Session, team_id: str, user_id: str) -> PersonalData:
    """Every prompt sent to the member, their skips, nudges and answers, and their pause."""
    records: list[dict[str, Any]] = []
    questions: dict[int, str] = {}
    for delivery in DeliveryRepository(session).for_member(team_id, user_id):
        questions[delivery.id] = delivery_question(session, delivery)
        records.append({
            "prompt": questions[delivery.id],
            "sent_at": delivery.sent_at.isoformat() if delivery.sent_at else None,
            "status": delivery.status,
            "skipped_at": delivery.skipped_at.isoformat() if delivery.skipped_at else None,
            "nudged_at": delivery.nudged_at.isoformat() if delivery.nudged_at else None,
        })
    for answer in AnswerRepository(session).for_member(team_id, user_id):
        records.append({
            "answer_to": questions.get(answer.delivery_id, ""),
            "answer": answer.text,
            "credited": CREDIT_LABELS[answer.credit].lower(),
            "organisation": answer.organisation,
            "may_be_quoted_in_digest": answer.shareable,
            "answered_at": answer.created_at.isoformat(),
            "updated_at": answer.updated_at.isoformat(),
        })
    pref = PromptMemberRepository(session).get(team_id, user_id)
    if pref is not None:
        records.append({
            "prompts_paused_until": pref.paused_until.isoformat() if pref.paused_until else None,
            "usual_credit": pref.credit,
            "usually_may_be_quoted": pref.shareable,
        })
    return PersonalData("Prompts", records)


def forget_personal_data(session: Session, team_id: str, user_id: str) -> int:
    """Delete the member's answers, deliveries and pause; prompts they wrote stay, unattributed."""
    touched = AnswerRepository(session).delete_for_member(team_id, user_id)
    touched += DeliveryRepository(session).delete_for_member(team_id, user_id)
    touched += PromptMemberRepository(session).delete(team_id, user_id)
    touched += PromptRepository(session).forget_author(team_id, user_id)
    touched += RoundRepository(session).forget_starter(team_id, user_id)
    return touched
