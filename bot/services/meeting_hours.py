"""The group's meeting hours: when `/meet suggest` may propose a meeting, in the group's time zone.

A coordinator sets them with `/convene settings meeting-hours weekdays 18:00-21:00; Sat 10:00-13:00`.
The default covers weekday daytime and evenings, because most members are volunteers with day jobs.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import time

from bot.services.errors import InvalidInput
from bot.services.weektimes import WEEKDAYS, describe_days, parse_days, parse_time_range

logger = logging.getLogger(__name__)

EXAMPLE = "/convene settings meeting-hours weekdays 18:00-21:00; Sat 10:00-13:00"
MAX_WINDOWS = 14
MIN_WINDOW_MINUTES = 15
_CLOCK = r"(?:\d{1,2}(?:[:.h]\d{2})?\s*(?:[ap]\.?m\.?)?|noon|midday)"
_RANGE = re.compile(rf"{_CLOCK}\s*(?:-|–|—|\bto\b|\buntil\b|\btill\b)\s*{_CLOCK}", re.IGNORECASE)


@dataclass(frozen=True)
class MeetingWindow:
    """Some days of the week, from `start` to `end` on each."""

    days: frozenset[int]  # 0 is Monday
    start: time
    end: time

    def describe(self) -> str:
        return f"{describe_days(self.days)} {self.start:%H:%M}–{self.end:%H:%M}"

    def to_setting(self) -> str:
        return f"{','.join(str(day) for day in sorted(self.days))} {self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class MeetingHours:
    windows: tuple[MeetingWindow, ...]

    def on(self, weekday: int) -> list[tuple[time, time]]:
        """The (start, end) stretches open on that day of the week, earliest first."""
        return sorted((w.start, w.end) for w in self.windows if weekday in w.days)

    @property
    def latest_end(self) -> time:
        return max(window.end for window in self.windows)

    def describe(self) -> str:
        """`weekdays 09:00–21:00`, `weekdays 18:00–21:00 and Sat 10:00–13:00`."""
        parts = [window.describe() for window in self.windows]
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]

    def as_typed(self) -> str:
        """`weekdays 18:00-21:00; Sat 10:00-13:00`: what `parse_meeting_hours` reads back."""
        return "; ".join(f"{describe_days(w.days)} {w.start:%H:%M}-{w.end:%H:%M}" for w in self.windows)

    def to_setting(self) -> str:
        """How the workspace row keeps them: `0,1,2,3,4 09:00-21:00; 5 10:00-13:00`."""
        return "; ".join(window.to_setting() for window in self.windows)


DEFAULT_MEETING_HOURS = MeetingHours((MeetingWindow(WEEKDAYS, time(9, 0), time(21, 0)),))


def parse_meeting_hours(text: str) -> MeetingHours:
    """`weekdays 18:00-21:00; Sat 10:00-13:00`, `Mon-Thu 9am-5pm, Tue 6-9pm`, `every day 10:00-20:00`."""
    words = " ".join(text.split())
    if not words:
        raise InvalidInput("Say which days and times meetings can be, or `default`.", example=EXAMPLE)
    windows: list[MeetingWindow] = []
    cursor = 0
    for found in _RANGE.finditer(words):
        days_text = words[cursor:found.start()].strip(" ,;&").removeprefix("and ").strip()
        cursor = found.end()
        if not days_text:
            days_text = "every day" if not windows else ""
        if not days_text:
            raise InvalidInput(f"Say which days “{found.group(0)}” is for.", example=EXAMPLE)
        days = parse_days(days_text)
        if days is None:
            raise InvalidInput(f"I can't read “{days_text}” as days of the week: say `weekdays`, `Mon-Thu`, "
                               "`Sat`, `weekends` or `every day`.", example=EXAMPLE)
        times = parse_time_range(found.group(0))
        if times is None:
            raise InvalidInput(f"I can't read “{found.group(0)}” as a time range.", example=EXAMPLE)
        start, end = times
        if (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute) < MIN_WINDOW_MINUTES:
            raise InvalidInput(f"“{found.group(0)}” has to end at least {MIN_WINDOW_MINUTES} minutes after it "
                               "starts, on the same day.", example=EXAMPLE)
        windows.append(MeetingWindow(days, start, end))
    leftover = words[cursor:].strip(" ,;.")
    if leftover or not windows:
        said = leftover or words
        raise InvalidInput(f"I can't read “{said}” as meeting hours: give days, then a time range.", example=EXAMPLE)
    if len(windows) > MAX_WINDOWS:
        raise InvalidInput(f"That is {len(windows)} stretches; keep it to {MAX_WINDOWS}.", example=EXAMPLE)
    return MeetingHours(tuple(windows))


def from_setting(stored: str | None) -> MeetingHours:
    """The workspace's meeting hours as stored by `to_setting()`; the default when none are set."""
    if not stored:
        return DEFAULT_MEETING_HOURS
    windows = []
    try:
        for part in stored.split(";"):
            days_text, range_text = part.strip().split(" ")
            start_text, end_text = range_text.split("-")
            windows.append(MeetingWindow(frozenset(int(day) for day in days_text.split(",")),
                                         time.fromisoformat(start_text), time.fromisoformat(end_text)))
    except ValueError:
        logger.exception("Stored meeting hours %r cannot be read; using the default", stored)
        return DEFAULT_MEETING_HOURS
    return MeetingHours(tuple(windows))
