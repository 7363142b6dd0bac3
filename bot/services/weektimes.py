"""Reading days of the week and times of day as people type them, for every area.

`Tue`, `tues`, `Tuesdays`; `10`, `10am`, `2.30pm`, `14:30`, `noon`; day sets such as `Mon-Fri`,
`weekdays`, `Sat, Sun`, `every day`; and time ranges such as `18:00-21:00` or `6pm to 9pm`.
"""

from __future__ import annotations

import re
from datetime import time

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAY_SHORT = tuple(name[:3] for name in WEEKDAY_NAMES)
_WEEKDAY_WORDS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4, "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}
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
    word = word.strip().lower().rstrip(".,")
    if word in _WEEKDAY_WORDS:
        return _WEEKDAY_WORDS[word]
    return _WEEKDAY_WORDS.get(word.removesuffix("s"))


def parse_time(text: str) -> time | None:
    """`10:00`, `10`, `10am`, `2.30pm`, `14:30`, `noon`, `midnight` → a time; None when it is not one."""
    word = text.strip().lower()
    if word in ("noon", "midday"):
        return time(12, 0)
    if word == "midnight":
        return time(0, 0)
    match = _TIME.match(word)
    if not match:
        return None
    if match.group(3):
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match.group(3) == "p" else 0)
    else:
        hour, minute = int(match.group(4)), int(match.group(5) or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


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
