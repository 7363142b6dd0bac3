"""Reading the times people type into a poll: `Tue 1 Dec 10am`, `Wed 2 Dec 2-4pm`, `Thu 3 Dec`…

Everything is read in the typist's own time zone with dateparser (English, day-first, dates
preferred in the future, relative forms measured from the injected "now"), then stored as UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser

from bot.services.errors import InvalidInput
from bot.services.weektimes import NAMED_TIMES, WEEKDAY_NAMES, WEEKDAY_WORDS

MAX_OPTION_TEXT = 200
OPTION_EXAMPLE = "Tue 1 Dec 10am"
# A date typed without a year that dateparser put this far ahead was almost certainly meant for
# this year, and has passed ("23 Nov" typed on 24 Nov).
ROLLED_OVER_AFTER = timedelta(days=300)
WEEKDAYS = WEEKDAY_NAMES

_WORD = re.compile(r"[a-z]+")
_WEEKDAY_PATTERN = re.compile(
    r"\b(?:" + "|".join(sorted(WEEKDAY_WORDS, key=len, reverse=True)) + r")\b", re.IGNORECASE
)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_CLOCK = r"(?:(?:[01]?\d|2[0-3])(?:[:.][0-5]\d)?\s*(?:[ap]\.?m\.?)?|noon|midday|midnight)"
# A time range: `2-4pm`, `14:00-16:00`, `2pm to 4pm`, `from 10:30 until 12`. Never inside a
# date such as `1/12` or `2026-12-01` (the look-arounds), and one side must look like a time.
_RANGE = re.compile(
    rf"(?<![\w/:.\-])(?:from\s+)?(?P<start>{_CLOCK})\s*(?:-|–|—|to|until|till)\s*(?P<end>{_CLOCK})(?![\w/:\-])",
    re.IGNORECASE,
)
_CLOCK_PARTS = re.compile(r"^(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<meridiem>[ap])?", re.IGNORECASE)

_PARSER_SETTINGS: dict[str, Any] = {
    "PREFER_DATES_FROM": "future",
    "DATE_ORDER": "DMY",
    "RETURN_TIME_AS_PERIOD": True,
    # No bare numbers read as Unix timestamps or `1012` as a time of day.
    "PARSERS": ["relative-time", "custom-formats", "absolute-time"],
}


@dataclass(frozen=True)
class When:
    """A time read from what someone typed."""

    text: str  # as typed, tidied
    starts_at: datetime  # aware UTC; for a whole day, the start of that date in the zone it was read in
    duration: timedelta | None  # None: no end time given (and always for a whole day)
    all_day: bool

    def local_date(self, zone: ZoneInfo) -> date:
        return self.starts_at.astimezone(zone).date()


@dataclass(frozen=True)
class OptionProblem:
    """Why one typed option cannot be used."""

    line: int  # 1-based
    text: str
    reason: str


class OptionsInvalid(InvalidInput):
    """One or more typed options cannot be used; `problems` names each."""

    def __init__(self, problems: list[OptionProblem]) -> None:
        self.problems = problems
        listed = "\n".join(f"• “{p.text}”: {p.reason}" for p in problems)
        noun = "option needs" if len(problems) == 1 else "options need"
        super().__init__(f"{len(problems)} {noun} fixing (nothing was created):\n{listed}\n", example=OPTION_EXAMPLE)

    def per_line(self) -> str:
        """One line per problem, for the error under the modal's options field."""
        return "\n".join(f"Line {p.line} “{p.text}”: {p.reason}" for p in self.problems)


@dataclass(frozen=True)
class _Clock:
    hour: int
    minute: int
    meridiem: str | None  # "a", "p" or None (24-hour or unstated)

    def resolved(self, meridiem: str | None) -> time:
        hour = self.hour
        if meridiem == "p" and hour < 12:
            hour += 12
        elif meridiem == "a" and hour == 12:
            hour = 0
        return time(hour, self.minute)


def _clock(text: str) -> _Clock:
    lowered = text.strip().lower()
    if lowered in NAMED_TIMES:
        named = NAMED_TIMES[lowered]
        return _Clock(named.hour, named.minute, None)
    match = _CLOCK_PARTS.match(lowered)
    assert match is not None  # _RANGE only matches clock shapes
    meridiem = match.group("meridiem")
    return _Clock(int(match.group("hour")), int(match.group("minute") or 0), meridiem.lower() if meridiem else None)


def _looks_like_times(start: str, end: str) -> bool:
    """`2-4pm` and `14:00-16:00` are times; `1-3` alone is too ambiguous to guess."""
    def timeish(part: str) -> bool:
        lowered = part.lower()
        return (lowered.strip() in NAMED_TIMES or ":" in lowered or "." in lowered
                or bool(re.search(r"[ap]\.?m", lowered)))
    return timeish(start) or timeish(end)


def _range_times(start_text: str, end_text: str) -> tuple[time, time]:
    """The two ends of a time range; a missing am/pm is borrowed from the other end."""
    start, end = _clock(start_text), _clock(end_text)
    if start.meridiem is None and end.meridiem is not None:
        # `2-4pm` is 14:00-16:00, but `11-1pm` is 11:00-13:00.
        end_time = end.resolved(end.meridiem)
        as_end = start.resolved(end.meridiem)
        start_time = as_end if as_end < end_time else start.resolved("a" if end.meridiem == "p" else "p")
        return start_time, end_time
    if end.meridiem is None and start.meridiem is not None:
        start_time = start.resolved(start.meridiem)
        end_time = end.resolved(start.meridiem)
        if end_time <= start_time and start.meridiem == "a":
            end_time = end.resolved("p")  # `10am-2` ends at 14:00
        return start_time, end_time
    return start.resolved(start.meridiem), end.resolved(end.meridiem)


def _read(text: str, *, local_now: datetime) -> tuple[datetime, str] | None:
    """dateparser's reading of `text` (naive local, or aware if the text named a zone) and its period."""
    parser = DateDataParser(languages=["en"], settings={**_PARSER_SETTINGS, "RELATIVE_BASE": local_now})
    data = parser.get_date_data(text)
    if data.date_obj is None:
        return None
    return data.date_obj, data.period or "day"


def _to_utc(moment: datetime, zone: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(timezone.utc)


def _named_weekdays(text: str) -> set[int]:
    return {WEEKDAY_WORDS[word] for word in _WORD.findall(text.lower()) if word in WEEKDAY_WORDS}


def _describe(day: date) -> str:
    return f"{day.day} {day.strftime('%b %Y')}"


def tidy(text: str) -> str:
    """One line, single spaces, dashes made plain."""
    return " ".join(text.replace("–", "-").replace("—", "-").split())


def parse_when(text: str, *, now: datetime, zone: ZoneInfo) -> When:
    """Read one option as its author meant it, or raise InvalidInput saying why not.

    `now` is an aware instant (the injected clock); relative forms such as `tomorrow` or
    `next Tuesday` are measured from it in `zone`.
    """
    typed = tidy(text)
    if not typed:
        raise InvalidInput("That is empty.", example=OPTION_EXAMPLE)
    if len(typed) > MAX_OPTION_TEXT:
        raise InvalidInput(f"That is longer than {MAX_OPTION_TEXT} characters.", example=OPTION_EXAMPLE)
    local_now = now.astimezone(zone).replace(tzinfo=None)

    span: tuple[time, time] | None = None
    date_text = typed
    match = _RANGE.search(typed)
    if match and not _looks_like_times(match.group("start"), match.group("end")):
        raise InvalidInput(f"Is “{match.group(0)}” a time? Add am or pm, or use 24-hour times.",
                           example="Wed 2 Dec 2-4pm")
    if match:
        span = _range_times(match.group("start"), match.group("end"))
        date_text = tidy(typed[: match.start()] + " " + typed[match.end():])
        # Read the date with the start time, so `today 2-4pm` at 3pm is still today.
        date_text = tidy(f"{date_text} {span[0].strftime('%H:%M')}")

    read = _read(date_text, local_now=local_now)
    if read is None:
        raise InvalidInput("I can't read that as a date and time.", example=OPTION_EXAMPLE)
    moment, period = read
    if period not in ("time", "day"):
        raise InvalidInput("That is not one day: name the day.", example="Thu 3 Dec")

    local = moment.astimezone(zone).replace(tzinfo=None) if moment.tzinfo else moment
    if not _YEAR.search(typed) and local - local_now > ROLLED_OVER_AFTER:
        this_year = local.replace(year=local.year - 1) if not (local.month == 2 and local.day == 29) else local
        if this_year < local_now:
            raise InvalidInput(f"{_describe(this_year.date())} is in the past (for next year, add the year).",
                               example=OPTION_EXAMPLE)

    named = _named_weekdays(typed)
    if named and local.weekday() not in named:
        said = " or ".join(WEEKDAYS[day] for day in sorted(named))
        right = WEEKDAYS[local.weekday()][:3]
        corrected = re.sub(_WEEKDAY_PATTERN, right, typed, count=1)
        raise InvalidInput(f"{_describe(local.date())} is a {WEEKDAYS[local.weekday()]}, not a {said}.",
                           example=corrected)

    if span is not None:
        starts = _to_utc(datetime.combine(local.date(), span[0]), zone)
        end_day = local.date() + timedelta(days=1 if span[1] <= span[0] else 0)  # `10pm-1am`
        ends = _to_utc(datetime.combine(end_day, span[1]), zone)
        when = When(typed, starts, ends - starts, all_day=False)
    elif period == "day":
        when = When(typed, _to_utc(datetime.combine(local.date(), time()), zone), None, all_day=True)
    else:
        when = When(typed, _to_utc(moment, zone), None, all_day=False)

    if when.all_day:
        if when.local_date(zone) < local_now.date():
            raise InvalidInput(f"{_describe(when.local_date(zone))} is in the past.", example=OPTION_EXAMPLE)
    elif when.starts_at <= now:
        raise InvalidInput("That time is in the past.", example=OPTION_EXAMPLE)
    return when


def parse_options(lines: list[str], *, now: datetime, zone: ZoneInfo, limit: int) -> list[When]:
    """Every option read, in the order typed; blank lines are skipped.

    Raises OptionsInvalid naming every option that cannot be used (unreadable, past, weekday
    and date disagreeing, the same time twice, more than `limit`); nothing is half-accepted.
    """
    typed = [(number, tidy(line)) for number, line in enumerate(lines, start=1) if line.strip()]
    if not typed:
        raise InvalidInput("Give at least one date or time to choose from.", example=OPTION_EXAMPLE)
    problems: list[OptionProblem] = []
    if len(typed) > limit:
        problems.append(OptionProblem(typed[limit][0], typed[limit][1],
                                      f"a poll can show at most {limit} options and this is number {limit + 1}."))
    read: list[When] = []
    seen: dict[tuple[datetime, timedelta | None, bool], str] = {}
    for number, text in typed[:limit]:
        try:
            when = parse_when(text, now=now, zone=zone)
        except InvalidInput as error:
            reason = error.message
            if error.example and error.example != OPTION_EXAMPLE:
                reason += f" Try “{error.example}”."
            problems.append(OptionProblem(number, text, reason))
            continue
        key = (when.starts_at, when.duration, when.all_day)
        if key in seen:
            problems.append(OptionProblem(number, text, f"that is the same time as “{seen[key]}”."))
            continue
        seen[key] = text
        read.append(when)
    if problems:
        raise OptionsInvalid(sorted(problems, key=lambda p: p.line))
    return read


def parse_deadline(text: str, *, now: datetime, zone: ZoneInfo) -> datetime:
    """A deadline as a UTC instant; a bare date means the end of that day."""
    when = parse_when(text, now=now, zone=zone)
    if when.duration is not None:
        raise InvalidInput("A deadline is one moment, not a range.", example="Fri 27 Nov 5pm")
    if when.all_day:
        day = when.local_date(zone)
        return _to_utc(datetime.combine(day, time(23, 59)), zone)
    return when.starts_at


def warm() -> None:
    """Load dateparser's English data now rather than on the first `/meet`."""
    reference = datetime(2026, 1, 1, 9, 0)
    for sample in ("Tue 1 Dec 10am", "next Tuesday 2pm", "tomorrow at noon", "1/12 14:00"):
        _read(sample, local_now=reference)
