"""When prompts go out: reading a schedule, and which members a scheduled day reaches."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.services.errors import InvalidInput
from bot.services.weektimes import NAMED_TIMES, WEEKDAY_NAMES, clock_time, weekday_word
from storage.models import Prompt, PromptSettings

# A member whose delivery moment passed more than this long ago (the clock was down) is not sent
# that period's prompt: a restart catches up, but nobody gets a stale question hours late.
DELIVERY_GRACE = timedelta(hours=6)

# Every time zone on Earth is within these offsets of UTC; a scheduled day reaches some member
# between the earliest and the latest.
_EARLIEST_ZONE = timezone(timedelta(hours=14))
_LATEST_ZONE = timezone(timedelta(hours=-12))

SCHEDULE_EXAMPLE = "/prompt schedule weekly Tue 10:00"


_CADENCE_WORDS = {
    "weekly": "weekly", "week": "weekly", "fortnightly": "fortnightly", "biweekly": "fortnightly",
    "fortnight": "fortnightly", "monthly": "monthly", "month": "monthly",
    "off": "off", "stop": "off", "none": "off", "never": "off",
}
_FILLER = {"on", "at", "every", "each", "the", "first", "of", "a", "in"}
# A schedule's time is one word (`10`, `10am`, `2.30pm`, `14:30`): `10 am` is joined up first.
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?(am|pm)?$")
_NAMED_TIMES = ("noon", "midday")
DAY_NAMES = WEEKDAY_NAMES


@dataclass(frozen=True)
class ScheduleChoice:
    """What a coordinator typed after `/prompt schedule`."""

    cadence: str
    weekday: int | None = None
    send_at: time | None = None


def parse_time(word: str) -> time | None:
    """`10:00`, `10`, `10am`, `2.30pm`, `14:30`, `noon` → a time; None when it is not one."""
    word = word.lower()
    if word in _NAMED_TIMES:
        return NAMED_TIMES[word]
    match = _TIME.match(word)
    if not match:
        return None
    half = match.group(3)
    return clock_time(int(match.group(1)), int(match.group(2) or 0), half[0] if half else None)


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
        day = weekday_word(word)
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
