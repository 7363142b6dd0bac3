"""`/meet suggest`: times when most of a channel's members are usually free.

Reading `/meet suggest 90m next 2 weeks in #channel`, then ranking every slot of that length that
starts on the half hour within the group's meeting hours: most members free for the whole slot
(each judged on their own clock, from their weekly pattern and dates away), then most
organisations among them, then the earliest. Up to five are picked, never overlapping and, when
scores tie, on different days, so the group gets real choices. The picked times can become a
`/meet` poll (`poll_draft`).

Everything here is plain Python: `suggest()` takes `MemberAvailability` objects, so the rules are
tested without Slack or a database; `suggest_for_channel()` loads those for a channel's people.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.services import meeting_hours
from bot.services.availability import Interval, MemberAvailability, load_availability, organisation_key
from bot.services.errors import InvalidInput
from bot.services.meeting_hours import DEFAULT_MEETING_HOURS, MeetingHours
from bot.services.poll_dates import When, parse_when
from bot.services.polls import MAX_TITLE, PollDraft
from bot.text import unslack
from storage.repositories.workspaces import MemberRepository, WorkspaceRepository

EXAMPLE = "/meet suggest 90m next 2 weeks"
UNTIL_EXAMPLE = "/meet suggest 1h until Fri 11 Dec"
DEFAULT_LENGTH = timedelta(minutes=60)
MIN_LENGTH = timedelta(minutes=15)
MAX_LENGTH = timedelta(hours=8)
DEFAULT_WINDOW_DAYS = 14
MAX_WINDOW_DAYS = 42  # six weeks ahead
STEP = timedelta(minutes=30)  # slots start on the hour and the half hour
MAX_SUGGESTIONS = 5
DEFAULT_TITLE = "Meeting"
# The poll made from suggestions closes this long after it is started, or halfway to its first
# time if that comes sooner: people get time to answer and nobody answers for a time gone by.
POLL_ANSWER_TIME = timedelta(hours=48)


# Reading what was typed ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The calendar days (in the group's time zone, both ends included) to look in."""

    first_day: date
    last_day: date
    words: str  # how to say it back: "the next 2 weeks"


@dataclass(frozen=True)
class SuggestRequest:
    length: timedelta
    window: Window
    channel_id: str | None = None  # None: where it was typed (or the group's channel)
    title: str | None = None


_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_NUMBER = r"\d+(?:[.,]\d+)?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_HOURS_UNIT = r"(?:hours?|hrs?|h)(?![a-z])"
_MINUTES_UNIT = r"(?:minutes?|mins?|m)(?![a-z])"
_LENGTH = re.compile(
    rf"(?<![\w.,])(?:"
    rf"(?P<half>half\s+an\s+hour)"
    rf"|(?P<hours>{_NUMBER})\s*{_HOURS_UNIT}"
    rf"(?:(?P<attached>\d{{2}})(?![\w])|\s*(?:and\s+)?(?P<and_minutes>\d{{1,2}})\s*{_MINUTES_UNIT}"
    rf"|\s+and\s+a\s+(?P<and_half>half))?"
    rf"|(?P<minutes>\d+)\s*{_MINUTES_UNIT}"
    rf")",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)(?=\s|$)")
_TITLE = re.compile(r"[\"“”„]([^\"“”„]*)[\"“”„]")
_UNCLOSED_QUOTE = re.compile(r"[\"“”„]")
_CHANNEL = re.compile(r"(?:\b(?:in|for)\s+)?<#([CG][A-Z0-9]+)(?:\|[^>]*)?>", re.IGNORECASE)
_PLAIN_CHANNEL = re.compile(r"(?:\b(?:in|for)\s+)?(#[\w\-]+)", re.IGNORECASE)
_WINDOW_LEAD = re.compile(r"^(?:(?:over|in|within|during|for|across)\s+)?(?:the\s+)?", re.IGNORECASE)
_WINDOW_SPAN = re.compile(
    rf"^(?:next|coming|following)?\s*(?P<n>{_NUMBER})?\s*(?P<unit>days?|weeks?|fortnights?)$", re.IGNORECASE)
_WINDOW_UNTIL = re.compile(r"^(?P<word>until|till|til|to|through|thru|by|before)\s+(?P<date>.+)$", re.IGNORECASE)
_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14}


def _number(text: str) -> float:
    lowered = text.lower()
    if lowered in _NUMBER_WORDS:
        return _NUMBER_WORDS[lowered]
    return float(lowered.replace(",", "."))


def describe_length(length: timedelta) -> str:
    """`45 min`, `90 min`, `1 hour`, `2 hours`, `2 h 30`: short words for a meeting's length."""
    minutes = int(length.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if not rest:
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    if minutes < 120:
        return f"{minutes} min"
    return f"{hours} h {rest:02d}"


def _length_of(match: re.Match[str]) -> timedelta:
    if match.group("half"):
        minutes = 30.0
    elif match.group("minutes"):
        minutes = float(match.group("minutes"))
    else:
        minutes = _number(match.group("hours")) * 60
        extra = match.group("attached") or match.group("and_minutes")
        if extra:
            if int(extra) >= 60:
                raise InvalidInput(f"“{match.group(0).strip()}” has more than 59 minutes after the hours.",
                                   example="/meet suggest 1h30 next 2 weeks")
            minutes += int(extra)
        if match.group("and_half"):
            minutes += 30
    if minutes != int(minutes):
        raise InvalidInput(f"“{match.group(0).strip()}” is not a whole number of minutes.", example=EXAMPLE)
    length = timedelta(minutes=int(minutes))
    if length < MIN_LENGTH:
        raise InvalidInput(f"A meeting of {int(minutes)} minutes is too short to suggest: "
                           f"the shortest is {int(MIN_LENGTH.total_seconds() // 60)} minutes.",
                           example="/meet suggest 30m next week")
    if length > MAX_LENGTH:
        raise InvalidInput(f"{describe_length(length)} is longer than a meeting Convene can suggest: "
                           f"the longest is {int(MAX_LENGTH.total_seconds() // 3600)} hours.",
                           example="/meet suggest 3h next 2 weeks")
    return length


def parse_window(text: str, *, today: date, now: datetime, zone: ZoneInfo) -> Window:
    """`next 2 weeks`, `next week`, `this week`, `next 10 days`, `until Fri 11 Dec`, `today`, `tomorrow`.

    Days are the group's (`today` is the group's today); a date after `until` is read in `zone`, the
    zone of whoever typed it. Empty means the next two weeks.
    """
    words = " ".join(text.split()).strip(" ,.")
    lowered = _WINDOW_LEAD.sub("", words.lower(), count=1).strip()
    if not lowered:
        return _span(today, DEFAULT_WINDOW_DAYS, "the next 2 weeks")
    if lowered in ("today",):
        return Window(today, today, "today")
    if lowered in ("tomorrow",):
        return Window(today + timedelta(days=1), today + timedelta(days=1), "tomorrow")
    if lowered in ("this week", "rest of the week", "rest of this week", "the rest of the week"):
        return Window(today, today + timedelta(days=6 - today.weekday()), "this week")
    if lowered in ("next week", "week after", "the week after"):
        monday = today + timedelta(days=7 - today.weekday())
        return Window(monday, monday + timedelta(days=6), "next week")
    span = _WINDOW_SPAN.match(lowered)
    if span:
        count = _number(span.group("n")) if span.group("n") else 1
        unit = span.group("unit").lower().rstrip("s")
        if count != int(count) or count < 1:
            raise InvalidInput(f"“{words}” is not a whole number of {unit}s.", example=EXAMPLE)
        days = int(count) * _UNIT_DAYS[unit]
        return _span(today, days, f"the next {int(count)} {unit}s" if count != 1 else f"the next {days} days")
    until = _WINDOW_UNTIL.match(lowered)
    if until:
        date_words = words[len(words) - len(until.group("date")):]
        try:
            when = parse_when(date_words, now=now, zone=zone)
        except InvalidInput as error:
            raise InvalidInput(f"“{date_words}”: {error.message}", example=UNTIL_EXAMPLE) from None
        last = when.local_date(zone)
        if until.group("word") == "before":
            last -= timedelta(days=1)
        if last < today:
            raise InvalidInput(f"There is nothing left before {date_words}.", example=UNTIL_EXAMPLE)
        _check_reach(today, last, words)
        return Window(today, last, f"until {_day(last)}")
    raise InvalidInput(
        f"I can't read “{words}” as when to look: say `next 2 weeks`, `next week`, `this week`, "
        "`next 10 days` or `until Fri 11 Dec`.", example=EXAMPLE)


def _span(today: date, days: int, words: str) -> Window:
    last = today + timedelta(days=days)
    _check_reach(today, last, words)
    return Window(today, last, words)


def _check_reach(today: date, last: date, words: str) -> None:
    if (last - today).days > MAX_WINDOW_DAYS:
        raise InvalidInput(f"“{words}” reaches too far ahead: Convene suggests times up to "
                           f"{MAX_WINDOW_DAYS // 7} weeks ahead, where standing availability still means something.",
                           example="/meet suggest 90m next 6 weeks")


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def parse_request(text: str, *, now: datetime, zone: ZoneInfo, home: ZoneInfo) -> SuggestRequest:
    """What follows `/meet suggest`, in any order: `[length] [window] [in #channel] ["Title"]`.

    `zone` is the typist's time zone (for a date after `until`), `home` the group's (whose days
    and meeting hours the slots are in).
    """
    rest = text.strip()
    title = None
    found_title = _TITLE.search(rest)
    if found_title:
        title = " ".join(unslack(found_title.group(1)).split())
        rest = rest[: found_title.start()] + " " + rest[found_title.end():]
        if not title:
            raise InvalidInput("The title in quotes is empty.", example=f'{EXAMPLE} "Steering group"')
        if len(title) > MAX_TITLE:
            raise InvalidInput(f"The title is {len(title)} characters long; keep it under {MAX_TITLE}.",
                               example=f'{EXAMPLE} "Steering group"')
    if _UNCLOSED_QUOTE.search(rest):
        raise InvalidInput("A quote is opened and never closed: put the title between two quotes.",
                           example=f'{EXAMPLE} "Steering group"')

    channel_id = None
    channels = list(_CHANNEL.finditer(rest))
    if len(channels) > 1:
        raise InvalidInput("Name one channel whose members should be fitted in.",
                           example=f"{EXAMPLE} in #wg-commissioning")
    if channels:
        channel_id = channels[0].group(1)
        rest = rest[: channels[0].start()] + " " + rest[channels[0].end():]
    elif (plain_channel := _PLAIN_CHANNEL.search(rest)) is not None:
        raise InvalidInput(f"I can't find the channel {plain_channel.group(1)}: pick it from Slack's list as you "
                           "type, so it turns into a link.", example=f"{EXAMPLE} in #wg-commissioning")

    length = DEFAULT_LENGTH
    lengths = list(_LENGTH.finditer(rest))
    if len(lengths) > 1:
        said = " and ".join(f"“{m.group(0).strip()}”" for m in lengths)
        raise InvalidInput(f"Give one length, not {said}.", example=EXAMPLE)
    if lengths:
        length = _length_of(lengths[0])
        rest = rest[: lengths[0].start()] + " " + rest[lengths[0].end():]

    today = now.astimezone(home).date()
    try:
        window = parse_window(rest, today=today, now=now, zone=zone)
    except InvalidInput:
        bare = None if lengths else _BARE_NUMBER.match(rest)
        if bare:  # `/meet suggest 90 next week`
            number = bare.group(1)
            unit = "m" if _number(number) >= MIN_LENGTH.total_seconds() // 60 else "h"
            raise InvalidInput(f"“{number}” minutes or hours? Put the unit after the number.",
                               example=f"/meet suggest {number}{unit} next 2 weeks") from None
        raise
    return SuggestRequest(length=length, window=window, channel_id=channel_id, title=title)


# Ranking --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One possible meeting and who could come."""

    starts_at: datetime  # aware UTC
    ends_at: datetime
    day: date  # in the group's time zone
    free: tuple[str, ...]  # user IDs, in the order members were given
    organisations: tuple[str, ...]  # distinct organisations among them, as first spelled

    def score(self) -> tuple[int, int]:
        """(people free, organisations among them): more is better."""
        return (len(self.free), len(self.organisations))

    def overlaps(self, other: Slot) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


@dataclass(frozen=True)
class Suggestions:
    """What `/meet suggest` found for one channel."""

    length: timedelta
    window: Window
    window_start: datetime  # the first moment looked at (now), UTC
    window_end: datetime  # the end of the window's last working day, UTC
    hours: MeetingHours
    zone: ZoneInfo  # the group's, where meeting hours are
    audience: tuple[str, ...]  # the channel's people
    known: tuple[str, ...]  # those who have said when they are usually free
    slots: tuple[Slot, ...]  # best first
    candidates: int  # slots of that length in the window's meeting hours

    @property
    def unknown(self) -> tuple[str, ...]:
        known = set(self.known)
        return tuple(user_id for user_id in self.audience if user_id not in known)


def candidate_slots(*, now: datetime, window: Window, length: timedelta, zone: ZoneInfo,
                    hours: MeetingHours = DEFAULT_MEETING_HOURS) -> list[tuple[datetime, datetime, date]]:
    """Every (start, end, day) of that length starting on the half hour within meeting hours, after `now`.

    Meeting hours are wall-clock times in `zone`, so a slot is at 18:00 there on either side of a
    daylight-saving change; starts and ends are UTC instants.
    """
    found: list[tuple[datetime, datetime, date]] = []
    day = window.first_day
    while day <= window.last_day:
        for opens, closes in hours.on(day.weekday()):
            close = datetime.combine(day, closes, zone).astimezone(timezone.utc)
            local = datetime.combine(day, opens)
            while True:
                start = local.replace(tzinfo=zone).astimezone(timezone.utc)
                end = start + length
                if end > close:
                    break
                if start > now:
                    found.append((start, end, day))
                local += STEP
        day += timedelta(days=1)
    return sorted(set(found))  # stretches of one day may overlap


def window_bounds(*, now: datetime, window: Window, zone: ZoneInfo,
                  hours: MeetingHours = DEFAULT_MEETING_HOURS) -> tuple[datetime, datetime]:
    end = datetime.combine(window.last_day, hours.latest_end, zone).astimezone(timezone.utc)
    return now.astimezone(timezone.utc), max(end, now.astimezone(timezone.utc))


class _FreeTimes:
    """One member's free stretches, for quick "free for all of [start, end)?" questions."""

    def __init__(self, intervals: list[Interval]) -> None:
        self.starts = [lo for lo, _ in intervals]
        self.intervals = intervals

    def covers(self, start: datetime, end: datetime) -> bool:
        index = bisect_right(self.starts, start) - 1
        return index >= 0 and self.intervals[index][1] >= end


def rank(members: Sequence[MemberAvailability], *, organisations: Mapping[str, str | None], length: timedelta,
         window: Window, now: datetime, zone: ZoneInfo, hours: MeetingHours = DEFAULT_MEETING_HOURS) -> list[Slot]:
    """Every candidate slot with at least one of `members` free for all of it, in time order.

    Each member is judged on their own clock (their weekly pattern, in their zone) and not on the
    days they are away, by their own calendar.
    """
    start, end = window_bounds(now=now, window=window, zone=zone, hours=hours)
    free_times = [(m.user_id, _FreeTimes(m.free_intervals(start, end) if end > start else [])) for m in members]
    orgs = {user_id: name.strip() for user_id, name in organisations.items() if name and name.strip()}
    slots: list[Slot] = []
    for slot_start, slot_end, day in candidate_slots(now=now, window=window, length=length, zone=zone, hours=hours):
        free = tuple(user_id for user_id, times in free_times if times.covers(slot_start, slot_end))
        if free:
            slots.append(Slot(slot_start, slot_end, day, free, _organisations_of(free, orgs)))
    return slots


def suggest(members: Sequence[MemberAvailability], *, audience: Sequence[str], organisations: Mapping[str, str | None],
            length: timedelta, window: Window, now: datetime, zone: ZoneInfo,
            hours: MeetingHours = DEFAULT_MEETING_HOURS, limit: int = MAX_SUGGESTIONS) -> Suggestions:
    """Up to `limit` slots where most of `audience` are free, best first (see `rank` and `pick`).

    `members` are those who have said when they are usually free; the others in `audience` count
    as unknown and are never counted free. `organisations` maps user IDs to their organisation.
    """
    people = set(audience)
    known = [m for m in members if m.user_id in people]
    start, end = window_bounds(now=now, window=window, zone=zone, hours=hours)
    slots = rank(known, organisations=organisations, length=length, window=window, now=now, zone=zone, hours=hours)
    candidates = candidate_slots(now=now, window=window, length=length, zone=zone, hours=hours)
    return Suggestions(
        length=length, window=window, window_start=start, window_end=end, hours=hours, zone=zone,
        audience=tuple(dict.fromkeys(audience)), known=tuple(m.user_id for m in known),
        slots=tuple(pick(slots, limit=limit)), candidates=len(candidates),
    )


def _organisations_of(user_ids: Iterable[str], organisations: Mapping[str, str]) -> tuple[str, ...]:
    names: dict[str, str] = {}
    for user_id in user_ids:
        name = organisations.get(user_id)
        if name:
            names.setdefault(organisation_key(name), name)
    return tuple(names.values())


def pick(slots: Sequence[Slot], *, limit: int = MAX_SUGGESTIONS) -> list[Slot]:
    """The best `limit` slots that do not overlap: most free, then most organisations; among
    equals a day not yet picked, then the earliest."""
    picked: list[Slot] = []
    remaining = [slot for slot in slots if slot.free]
    while len(picked) < limit:
        days = {slot.day for slot in picked}
        remaining = [slot for slot in remaining if not any(slot.overlaps(chosen) for chosen in picked)]
        if not remaining:
            break
        best = min(remaining, key=lambda s: (-s.score()[0], -s.score()[1], s.day in days, s.starts_at))
        picked.append(best)
    return picked


def suggest_for_channel(session: Session, team_id: str, audience: Sequence[str], request: SuggestRequest, *,
                        now: datetime, home: ZoneInfo) -> Suggestions:
    """`suggest()` for a channel's people, with their availability and organisations from the database."""
    members = load_availability(session, team_id, home=home, user_ids=audience)
    organisations = {user_id: member.organisation
                     for user_id, member in MemberRepository(session).many(team_id, audience).items()}
    workspace = WorkspaceRepository(session).get(team_id)
    hours = meeting_hours.from_setting(workspace.meeting_hours if workspace else None)
    return suggest(members, audience=audience, organisations=organisations, length=request.length,
                   window=request.window, now=now, zone=home, hours=hours)


# From suggestions to a poll -----------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """The suggested times as the *Start a poll* button carries them.

    `key` is made once per suggestion, so a double click (or two devices) starts one poll.
    """

    key: str
    channel_id: str
    length: timedelta
    starts: tuple[datetime, ...]
    title: str = DEFAULT_TITLE

    def to_value(self) -> str:
        return json.dumps({"k": self.key, "c": self.channel_id, "m": int(self.length.total_seconds() // 60),
                           "s": [int(start.timestamp()) for start in self.starts], "t": self.title},
                          separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_value(cls, value: str | None) -> Proposal:
        try:
            data = json.loads(value or "")
            key, channel_id, title = str(data["k"]), str(data["c"]), str(data["t"])
            length = timedelta(minutes=int(data["m"]))
            starts = tuple(datetime.fromtimestamp(int(s), timezone.utc) for s in data["s"])
        except (ValueError, KeyError, TypeError):
            raise InvalidInput("Those suggestions can no longer be read; run `/meet suggest` again.",
                               example=EXAMPLE) from None
        if not (key and re.fullmatch(r"[CG][A-Z0-9]+", channel_id) and starts
                and MIN_LENGTH <= length <= MAX_LENGTH and len(starts) <= MAX_SUGGESTIONS):
            raise InvalidInput("Those suggestions can no longer be read; run `/meet suggest` again.", example=EXAMPLE)
        return cls(key, channel_id, length, starts, title[:MAX_TITLE] or DEFAULT_TITLE)


def proposal(suggestions: Suggestions, *, key: str, channel_id: str, title: str | None) -> Proposal:
    return Proposal(key, channel_id, suggestions.length, tuple(slot.starts_at for slot in suggestions.slots),
                    title or DEFAULT_TITLE)


def option_label(start: datetime, length: timedelta, zone: ZoneInfo) -> str:
    """`Tue 1 Dec 14:00-15:30` in `zone`: what the poll stores as typed, and what `/meet`'s form reads back."""
    local, end = start.astimezone(zone), (start + length).astimezone(zone)
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M}-{end:%H:%M}"


def poll_deadline(starts: Iterable[datetime], *, now: datetime) -> datetime:
    """48 hours from now, or halfway to the first time if that is sooner; to the minute."""
    first = min(starts)
    deadline = min(now + POLL_ANSWER_TIME, now + (first - now) / 2)
    whole_minute = deadline.replace(second=0, microsecond=0)
    return whole_minute if whole_minute > now else deadline


def upcoming_starts(proposed: Proposal, *, now: datetime) -> list[datetime]:
    """The proposal's times not yet begun, earliest first; InvalidInput when every one has."""
    starts = sorted(start for start in proposed.starts if start > now)
    if not starts:
        raise InvalidInput("Those suggested times have all begun or passed. Run `/meet suggest` again for new ones.",
                           example=EXAMPLE)
    return starts


def poll_draft(proposed: Proposal, *, now: datetime, zone: ZoneInfo) -> PollDraft:
    """The poll the *Start a poll* button posts: the times still ahead, earliest first, in `zone`'s words."""
    starts = upcoming_starts(proposed, now=now)
    options = [When(option_label(start, proposed.length, zone), start, proposed.length, all_day=False)
               for start in starts]
    return PollDraft(proposed.title, options, poll_deadline(starts, now=now))


def deadline_label(deadline: datetime, zone: ZoneInfo) -> str:
    """`Thu 26 Nov 09:00`: the deadline as `/meet`'s form reads it back."""
    local = deadline.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M}"
