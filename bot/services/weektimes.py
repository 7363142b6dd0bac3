"""Reading days of the week and times of day as people type them, for every area.

`Tue`, `tues`, `Tuesdays`; `10`, `10am`, `2.30pm`, `14:30`, `noon`; day sets such as `Mon-Fri`,
`weekdays`, `Sat, Sun`, `every day`; and time ranges such as `18:00-21:00` or `6pm to 9pm`.

Each area reads its own sentence shape (a prompt schedule, a digest schedule, a poll option), but
the words for days and named times, and how an hour with am/pm becomes a time of day, are
decided here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAY_SHORT = tuple(name[:3] for name in WEEKDAY_NAMES)
WEEKDAY_WORDS: Mapping[str, int] = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4, "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}
NAMED_TIMES: Mapping[str, time] = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}
WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})
EVERY_DAY = frozenset(range(7))
_DAY_SET_WORDS = {
    "weekdays": WEEKDAYS, "weekday": WEEKDAYS, "workdays": WEEKDAYS, "weekends": WEEKEND, "weekend": WEEKEND,
    "every day": EVERY_DAY, "everyday": EVERY_DAY, "daily": EVERY_DAY, "all week": EVERY_DAY, "any day": EVERY_DAY,
}
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*([ap])\.?m\.?$|^(\d{1,2})(?:[:.h](\d{2}))?$")
_RANGE = re.compile(r"^(?P<start>.+?)\s*(?:-|–|—|to|until|till)\s*(?P<end>.+)$")


def weekday_of(word: str) -> int | None:
    """0 for `mon`, `Monday`, `Mondays`…; None when the word is not a day of the week."""
    return weekday_word(word.strip().lower().rstrip(".,"))


def weekday_word(word: str) -> int | None:
    """`weekday_of` for a word already lower-cased and trimmed: `tue`, `tuesday`, `tuesdays` → 1."""
    if word in WEEKDAY_WORDS:
        return WEEKDAY_WORDS[word]
    return WEEKDAY_WORDS.get(word.removesuffix("s"))


def weekday_by_prefix(word: str) -> int | None:
    """The one day whose name starts with `word` (`fr`, `Frid`, `Th` → 4, 4, 3; at least two letters);
    None when no day does, or more than one (`T`, `S`)."""
    days = [day for day, name in enumerate(WEEKDAY_NAMES) if name.lower().startswith(word.lower())]
    return days[0] if len(word) >= 2 and len(days) == 1 else None


def clock_time(hour: int, minute: int, meridiem: str | None = None) -> time | None:
    """`hour`:`minute`, on the 12-hour clock when `meridiem` is `a` or `p`; None when there is no such
    time of day (`13pm`, `0am`, `24:00`, `10:60`)."""
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_time(text: str) -> time | None:
    """`10:00`, `10`, `10am`, `2.30pm`, `14:30`, `noon`, `midnight` → a time; None when it is not one."""
    word = text.strip().lower()
    if word in NAMED_TIMES:
        return NAMED_TIMES[word]
    match = _TIME.match(word)
    if not match:
        return None
    if match.group(3):
        return clock_time(int(match.group(1)), int(match.group(2) or 0), match.group(3))
    return clock_time(int(match.group(4)), int(match.group(5) or 0))


def parse_days(text: str) -> frozenset[int] | None:
    """`Mon-Fri`, `weekdays`, `weekends`, `every day`, `Mon, Wed and Thu`, `Sat` → weekdays (0 is
    Monday); None when the text is not a set of days."""
    words = " ".join(text.strip().lower().split())
    if words in _DAY_SET_WORDS:
        return _DAY_SET_WORDS[words]
    days: set[int] = set()
    for part in re.split(r"\s*(?:,|\band\b|&|\+|/)\s*|\s+", words):
        if not part:
            continue
        span = re.fullmatch(r"([a-z]+)\s*(?:-|–|to)\s*([a-z]+)", part)
        if span:
            first, last = weekday_of(span.group(1)), weekday_of(span.group(2))
            if first is None or last is None:
                return None
            day = first
            days.add(day)
            while day != last:  # `Fri-Mon` wraps over the weekend
                day = (day + 1) % 7
                days.add(day)
            continue
        if part in _DAY_SET_WORDS:
            days |= _DAY_SET_WORDS[part]
            continue
        single = weekday_of(part)
        if single is None:
            return None
        days.add(single)
    return frozenset(days) or None


def parse_time_range(text: str) -> tuple[time, time] | None:
    """`18:00-21:00`, `6pm to 9pm`, `9am–5.30pm`, `6-9pm` → (start, end); None when it is not one.

    A bare end with am/pm lends it to a bare start (`6-9pm` is 18:00–21:00) when that keeps the
    start before the end.
    """
    match = _RANGE.match(" ".join(text.strip().lower().split()))
    if not match:
        return None
    start_text, end_text = match.group("start").strip(), match.group("end").strip()
    end = parse_time(end_text)
    start = parse_time(start_text)
    meridiem = re.search(r"([ap])\.?m\.?$", end_text)
    if meridiem and start is not None and not re.search(r"[ap]\.?m\.?$|:|\.|h", start_text):
        lent = parse_time(start_text + meridiem.group(1) + "m")
        if lent is not None and end is not None and lent < end:
            start = lent
    if start is None or end is None:
        return None
    return start, end


def describe_days(days: frozenset[int]) -> str:
    """`weekdays`, `every day`, `weekends`, `Mon–Thu`, `Mon, Wed, Fri`."""
    if days == EVERY_DAY:
        return "every day"
    if days == WEEKDAYS:
        return "weekdays"
    if days == WEEKEND:
        return "weekends"
    ordered = sorted(days)
    if len(ordered) >= 3 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{WEEKDAY_SHORT[ordered[0]]}–{WEEKDAY_SHORT[ordered[-1]]}"
    return ", ".join(WEEKDAY_SHORT[day] for day in ordered)
