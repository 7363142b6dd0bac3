"""When members are usually free, when they are away, and what they can give.

A member's weekly pattern is kept in their own time zone (their override, else their Slack time
zone, else the group's), as parts of the day: what those mean in hours is defined once, here, in
`PARTS_OF_DAY`. `MemberAvailability.free_between()` and `who_is_free()` answer "who is free at
this instant / for this slot" and are what `/meet suggest` and the heat map are built on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.services.attribution import known_as
from bot.services.errors import InvalidInput
from bot.services.members import member_zone
from bot.services.personal_data import PersonalData
from storage.models.availability import MAX_HOURS_PER_MONTH, PART_NAMES
from storage.repositories.availability import AvailabilityRepository
from storage.repositories.workspaces import AbsenceRepository, MemberRepository


@dataclass(frozen=True)
class PartOfDay:
    """A part of the day in a member's local time: from `start` o'clock up to (not including) `end`."""

    name: str
    label: str
    start: int
    end: int

    @property
    def hours(self) -> str:
        return f"{self.start}:00–{self.end}:00"


MORNING = PartOfDay("morning", "Morning", 9, 12)
AFTERNOON = PartOfDay("afternoon", "Afternoon", 12, 17)
EVENING = PartOfDay("evening", "Evening", 17, 21)
PARTS_OF_DAY: tuple[PartOfDay, ...] = (MORNING, AFTERNOON, EVENING)
PARTS_BY_NAME = {part.name: part for part in PARTS_OF_DAY}
assert tuple(PARTS_BY_NAME) == PART_NAMES, "storage.models.availability.PART_NAMES must name PARTS_OF_DAY"

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAY_ABBREVIATIONS = tuple(day[:3] for day in WEEKDAYS)

Slot = tuple[int, str]
"""(weekday, part of the day): weekday 0 is Monday, the part is a `PartOfDay.name`."""

Interval = tuple[datetime, datetime]
"""[start, end) as UTC instants."""

ALL_SLOTS: tuple[Slot, ...] = tuple((weekday, part.name) for weekday in range(7) for part in PARTS_OF_DAY)

MAX_AWAY_RANGES = 15
MAX_AWAY_DAYS = 366
MAX_NOTE_LENGTH = 100
MAX_ORGANISATION_LENGTH = 140  # fits a select option's value (150) with its prefix
AWAY_LOOKAHEAD_DAYS = 28  # "who is away in the next four weeks"


@dataclass(frozen=True, order=True)
class DateRange:
    """Calendar dates away, both ends included."""

    start: date
    end: date
    note: str = field(default="", compare=False)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def overlaps(self, start: date, end: date) -> bool:
        return self.start <= end and self.end >= start

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class MemberAvailability:
    """What one member has said about when they are free, and where their clock is."""

    user_id: str
    zone: ZoneInfo
    slots: frozenset[Slot]
    away: tuple[DateRange, ...] = ()
    hours_per_month: int | None = None

    def is_away_on(self, day: date) -> bool:
        return any(absence.contains(day) for absence in self.away)

    def free_at(self, instant: datetime, *, mind_away: bool = True) -> bool:
        """Free at this instant: it falls in a part of the day they ticked, on a day they are not away."""
        local = instant.astimezone(self.zone)
        part = part_of_day_at(local.time())
        if part is None or (local.weekday(), part.name) not in self.slots:
            return False
        return not (mind_away and self.is_away_on(local.date()))

    def free_between(self, start: datetime, end: datetime, *, mind_away: bool = True) -> bool:
        """Free for the whole of [start, end): every moment falls in a ticked part of a day they are not away."""
        if end <= start:
            raise ValueError("a slot must end after it starts")
        return _covers(self.free_intervals(start, end, mind_away=mind_away), start, end)

    def free_intervals(self, start: datetime, end: datetime, *, mind_away: bool = True) -> list[Interval]:
        """The stretches of [start, end) when the member is free, merged, as UTC instants."""
        start, end = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
        intervals: list[Interval] = []
        day, last = start.astimezone(self.zone).date(), end.astimezone(self.zone).date()
        while day <= last:
            if not (mind_away and self.is_away_on(day)):
                for part in PARTS_OF_DAY:
                    if (day.weekday(), part.name) not in self.slots:
                        continue
                    part_start, part_end = _part_bounds(day, part, self.zone)
                    lo, hi = max(start, part_start), min(end, part_end)
                    if lo >= hi:
                        continue
                    if intervals and intervals[-1][1] >= lo:
                        intervals[-1] = (intervals[-1][0], max(intervals[-1][1], hi))
                    else:
                        intervals.append((lo, hi))
            day += timedelta(days=1)
        return intervals


def _covers(intervals: Sequence[Interval], start: datetime, end: datetime) -> bool:
    return any(lo <= start and hi >= end for lo, hi in intervals)


@dataclass(frozen=True)
class WhoIsFree:
    """Members sorted by whether they can make a slot."""

    free: tuple[str, ...]
    busy: tuple[str, ...]
    away: tuple[str, ...]


def part_of_day_at(moment: time) -> PartOfDay | None:
    for part in PARTS_OF_DAY:
        if part.start <= moment.hour < part.end:
            return part
    return None


def _part_bounds(day: date, part: PartOfDay, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """A part of a local day as UTC instants (UTC, so that subtraction is real elapsed time)."""
    start = datetime.combine(day, time(part.start), zone)
    end = datetime.combine(day, time(part.end), zone) if part.end < 24 else datetime.combine(
        day + timedelta(days=1), time(0), zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def who_is_free(members: Iterable[MemberAvailability], start: datetime, end: datetime | None = None, *,
                mind_away: bool = True) -> WhoIsFree:
    """Who can make [start, end) — or the instant `start` when `end` is None.

    Away means away on any local date the slot touches; busy means not away but not usually free
    for all of it. Members who never said when they are free are not in `members`; callers that know
    the whole audience can tell those apart.
    """
    free: list[str] = []
    busy: list[str] = []
    away: list[str] = []
    for member in members:
        if mind_away and _away_during(member, start, end):
            away.append(member.user_id)
            continue
        ok = member.free_at(start, mind_away=False) if end is None else member.free_between(start, end, mind_away=False)
        (free if ok else busy).append(member.user_id)
    return WhoIsFree(tuple(free), tuple(busy), tuple(away))


def _away_during(member: MemberAvailability, start: datetime, end: datetime | None) -> bool:
    first = start.astimezone(member.zone).date()
    last = first if end is None else (end - timedelta(microseconds=1)).astimezone(member.zone).date()
    return any(absence.overlaps(first, last) for absence in member.away)


# The group's week, as the heat map shows it


@dataclass(frozen=True)
class WeekGrid:
    """How many members are free in each part of each day of a week, in the viewer's time zone.

    A cell counts the most members free at the same moment within it (checked every `step`), so a
    member in another time zone who is free for part of the viewer's afternoon counts there. In a
    group on one clock that is simply how many ticked it.
    """

    zone: ZoneInfo
    week_start: date
    counts: tuple[tuple[int, ...], ...]  # counts[weekday][part index in PARTS_OF_DAY]
    total: int  # members who have said when they are free

    def count(self, weekday: int, part: str) -> int:
        return self.counts[weekday][PART_NAMES.index(part)]

    def best(self, limit: int = 3) -> list[tuple[int, PartOfDay, int]]:
        """The cells with the most people free, busiest first (ties in week order); empty cells left out."""
        cells = [(weekday, part, self.counts[weekday][index])
                 for weekday in range(7) for index, part in enumerate(PARTS_OF_DAY)]
        cells = [cell for cell in cells if cell[2] > 0]
        return sorted(cells, key=lambda cell: -cell[2])[:limit]


HEAT_MAP_STEP = timedelta(minutes=15)


def week_grid(members: Sequence[MemberAvailability], zone: ZoneInfo, week_start: date, *,
              step: timedelta = HEAT_MAP_STEP) -> WeekGrid:
    """The group's standing week (dates away are not counted) seen from `zone`, for the week from `week_start`.

    A concrete week is used so that each member's clock is converted with the right daylight
    saving offsets.
    """
    week_from, _ = _part_bounds(week_start, PARTS_OF_DAY[0], zone)
    _, week_to = _part_bounds(week_start + timedelta(days=6), PARTS_OF_DAY[-1], zone)
    free = [m.free_intervals(week_from, week_to, mind_away=False) for m in members]
    counts: list[tuple[int, ...]] = []
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        row: list[int] = []
        for part in PARTS_OF_DAY:
            start, end = _part_bounds(day, part, zone)
            peak, moment = 0, start
            while moment < end:
                window_end = min(moment + step, end)
                peak = max(peak, sum(1 for intervals in free if _covers(intervals, moment, window_end)))
                moment = window_end
            row.append(peak)
        counts.append(tuple(row))
    return WeekGrid(zone=zone, week_start=week_start, counts=tuple(counts), total=len(members))


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


# Reading what the member entered


def parse_hours(text: str | None) -> int | None:
    """Hours a month, a whole number from 0 to 744; None when left empty."""
    if text is None or not str(text).strip():
        return None
    cleaned = str(text).strip().lower().removesuffix("hours").removesuffix("h").strip()
    try:
        value = float(cleaned)
    except ValueError:
        raise InvalidInput(f"“{text}” is not a number of hours.", example="6") from None
    if value != int(value) or not 0 <= value <= MAX_HOURS_PER_MONTH:
        raise InvalidInput(f"Hours a month should be a whole number from 0 to {MAX_HOURS_PER_MONTH}.",
                           example="6")
    return int(value)


def parse_slots(values: Iterable[str]) -> frozenset[Slot]:
    """Checkbox values like `0:morning` (Monday morning) → slots; anything else is refused."""
    slots: set[Slot] = set()
    for value in values:
        weekday, _, part = value.partition(":")
        if not weekday.isdigit() or int(weekday) > 6 or part not in PARTS_BY_NAME:
            raise InvalidInput(f"“{value}” is not a part of a weekday.")
        slots.add((int(weekday), part))
    return frozenset(slots)


def slot_value(weekday: int, part: str) -> str:
    return f"{weekday}:{part}"


def new_away_range(start: date | None, end: date | None, note: str = "", *, today: date) -> DateRange:
    """A range of dates away as entered: both dates, or only the first for a single day."""
    if start is None and end is None:
        raise InvalidInput("Pick the first and last day you are away.")
    if start is None:
        raise InvalidInput("Pick the first day you are away too (or only that one, for a single day).")
    end = end or start
    if end < start:
        raise InvalidInput(f"The last day away ({_day(end)}) is before the first ({_day(start)}).")
    if end < today:
        raise InvalidInput(f"{_day(start)} – {_day(end)} is already over; pick dates from today on.")
    if (end - start).days + 1 > MAX_AWAY_DAYS:
        raise InvalidInput("A range of dates away can be at most a year; check the years.")
    return DateRange(start, end, _clean_note(note))


def add_away_range(ranges: Sequence[DateRange], new: DateRange) -> list[DateRange]:
    """The ranges with `new` added; ranges that overlap or touch it are merged into one."""
    merged = new
    kept: list[DateRange] = []
    for existing in ranges:
        if existing.start <= merged.end + timedelta(days=1) and merged.start <= existing.end + timedelta(days=1):
            notes = [n for n in dict.fromkeys([existing.note, merged.note]) if n]
            merged = DateRange(min(existing.start, merged.start), max(existing.end, merged.end),
                               _clean_note("; ".join(notes)))
        else:
            kept.append(existing)
    result = sorted([*kept, merged])
    if len(result) > MAX_AWAY_RANGES:
        raise InvalidInput(f"You can keep up to {MAX_AWAY_RANGES} ranges of dates away; remove one first.")
    return result


def remove_away_range(ranges: Sequence[DateRange], start: date, end: date) -> list[DateRange]:
    return [r for r in ranges if (r.start, r.end) != (start, end)]


def current_ranges(ranges: Iterable[DateRange], *, today: date) -> list[DateRange]:
    """Ranges not yet over, soonest first."""
    return sorted(r for r in ranges if r.end >= today)


def _clean_note(note: str) -> str:
    note = re.sub(r"\s+", " ", note or "").strip()
    return note[:MAX_NOTE_LENGTH]


def _day(day: date) -> str:
    return f"{WEEKDAY_ABBREVIATIONS[day.weekday()]} {day.day} {day:%b %Y}"


def organisation_key(name: str) -> str:
    """Names that differ only in case, spaces or punctuation are the same organisation."""
    return re.sub(r"[\W_]+", "", name.casefold())


def clean_organisation(text: str | None, existing: Iterable[str]) -> str | None:
    """The organisation as typed, spelled as others already spell it when it is the same one."""
    name = re.sub(r"\s+", " ", text or "").strip()
    if not name:
        return None
    if len(name) > MAX_ORGANISATION_LENGTH:
        raise InvalidInput(f"Keep the organisation's name under {MAX_ORGANISATION_LENGTH} characters.",
                           example="Riverside Food Bank")
    key = organisation_key(name)
    for known in existing:
        if organisation_key(known) == key:
            return known
    return name


def matching_organisations(existing: Iterable[str], query: str, *, limit: int = 20) -> list[str]:
    """Organisations already named that match what is being typed, those starting with it first."""
    q = organisation_key(query)
    names = sorted(set(existing), key=str.casefold)
    if not q:
        return names[:limit]
    starts = [n for n in names if organisation_key(n).startswith(q)]
    contains = [n for n in names if q in organisation_key(n) and n not in starts]
    return (starts + contains)[:limit]


# What a member has saved, and saving it


@dataclass(frozen=True)
class SavedAvailability:
    """Everything the `/availability` modal shows and saves for one member."""

    user_id: str
    has_answered: bool  # they have saved the modal at least once
    slots: frozenset[Slot]
    away: tuple[DateRange, ...]
    hours_per_month: int | None
    organisation: str | None
    tz_override: str | None
    slack_tz: str | None
    updated_at: datetime | None = None


def saved_availability(session: Session, team_id: str, user_id: str, *, today: date | None = None) -> SavedAvailability:
    """What the member saved; with `today`, only dates away that are not over yet."""
    repo = AvailabilityRepository(session)
    profile = repo.profile(team_id, user_id)
    member = MemberRepository(session).get(team_id, user_id)
    away = [DateRange(a.starts_on, a.ends_on, a.note or "") for a in AbsenceRepository(session).for_member(team_id, user_id)]
    if today is not None:
        away = current_ranges(away, today=today)
    return SavedAvailability(
        user_id=user_id,
        has_answered=profile is not None,
        slots=frozenset(repo.slots(team_id, [user_id]).get(user_id, set())),
        away=tuple(away),
        hours_per_month=profile.hours_per_month if profile else None,
        organisation=member.organisation if member else None,
        tz_override=member.tz_override if member else None,
        slack_tz=member.tz if member else None,
        updated_at=profile.updated_at if profile else None,
    )


@dataclass(frozen=True)
class AvailabilityDraft:
    """What the member submitted, already read and checked."""

    slots: frozenset[Slot]
    away: tuple[DateRange, ...]
    hours_per_month: int | None
    organisation: str | None
    tz_override: str | None


def save_availability(session: Session, team_id: str, user_id: str, draft: AvailabilityDraft, *,
                      now: datetime) -> None:
    """Replace everything the member said about their availability with `draft`, in one go.

    The member row is locked first, so two saves of the same member (two devices, a double
    click) run one after the other instead of interleaving their deletes and inserts.
    """
    repo = AvailabilityRepository(session)
    member = repo.lock_member(team_id, user_id)
    if member is None:
        raise InvalidInput("Convene does not know you yet; please try again in a moment.")
    organisation = clean_organisation(draft.organisation, MemberRepository(session).organisations(team_id))
    member.organisation = organisation
    member.tz_override = draft.tz_override
    repo.replace(team_id, user_id, slots=draft.slots, hours_per_month=draft.hours_per_month, now=now)
    repo.replace_absences(team_id, user_id, [(r.start, r.end, r.note) for r in draft.away])


def organisations(session: Session, team_id: str) -> list[str]:
    return MemberRepository(session).organisations(team_id)


def load_availability(session: Session, team_id: str, *, home: ZoneInfo,
                      user_ids: Iterable[str] | None = None) -> list[MemberAvailability]:
    """Every member (or those in `user_ids`) who has said when they are free, active accounts only."""
    ids = None if user_ids is None else list(dict.fromkeys(user_ids))
    repo = AvailabilityRepository(session)
    profiles = repo.profiles(team_id, ids)
    if not profiles:
        return []
    answered = [p.user_id for p in profiles]
    members = MemberRepository(session).many(team_id, answered)
    slots = repo.slots(team_id, answered)
    away = {user_id: [DateRange(a.starts_on, a.ends_on, a.note or "") for a in rows]
            for user_id, rows in repo.absences(team_id, answered).items()}
    found = []
    for profile in profiles:
        member = members.get(profile.user_id)
        if member is None or member.is_bot or member.deleted:
            continue
        found.append(MemberAvailability(
            user_id=profile.user_id,
            zone=member_zone(member, home),
            slots=frozenset(slots.get(profile.user_id, set())),
            away=tuple(sorted(away.get(profile.user_id, []))),
            hours_per_month=profile.hours_per_month,
        ))
    return found


@dataclass(frozen=True)
class Away:
    """A member away for some dates, for summaries and the digest: their name as plain text, so
    that nobody is @-mentioned (and notified) for being away."""

    user_id: str
    name: str
    start: date
    end: date


def away_between(session: Session, team_id: str, start: date, end: date) -> list[Away]:
    """Who is away at some point from `start` to `end` (inclusive), soonest first; active members only.

    The weekly digest uses this for "who is away" in the coming week.
    """
    return [Away(a.user_id, known_as(member), a.starts_on, a.ends_on)
            for a, member in AbsenceRepository(session).overlapping_with_members(team_id, start, end)
            if not member.is_bot and not member.deleted]


@dataclass(frozen=True)
class TeamWeek:
    """What `/availability team` shows: the heat map's numbers, who is away soon, and hours offered."""

    grid: WeekGrid
    away: list[Away]
    away_until: date
    hours_total: int
    hours_members: int  # members who said how many hours they can give


def team_week(session: Session, team_id: str, *, viewer_zone: ZoneInfo, home: ZoneInfo, now: datetime) -> TeamWeek:
    members = load_availability(session, team_id, home=home)
    today = now.astimezone(viewer_zone).date()
    until = today + timedelta(days=AWAY_LOOKAHEAD_DAYS - 1)
    offering = [m.hours_per_month for m in members if m.hours_per_month]
    return TeamWeek(
        grid=week_grid(members, viewer_zone, monday_of(today)),
        away=away_between(session, team_id, today, until),
        away_until=until,
        hours_total=sum(h for h in offering if h),
        hours_members=len(offering),
    )


def describe_pattern(slots: Iterable[Slot]) -> str:
    """“Mon–Fri mornings · Tue, Thu evenings”: a weekly pattern in a few words."""
    chosen = set(slots)
    parts = []
    for part in PARTS_OF_DAY:
        days = [weekday for weekday in range(7) if (weekday, part.name) in chosen]
        if len(days) == 7:
            parts.append(f"{part.label.lower()}s every day")
        elif days:
            parts.append(f"{_day_runs(days)} {part.label.lower()}s")
    return " · ".join(parts) if parts else "no regular free times"


def _day_runs(days: list[int]) -> str:
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    words = []
    for run in runs:
        if len(run) >= 3:
            words.append(f"{WEEKDAY_ABBREVIATIONS[run[0]]}–{WEEKDAY_ABBREVIATIONS[run[-1]]}")
        else:
            words.extend(WEEKDAY_ABBREVIATIONS[day] for day in run)
    return ", ".join(words)


def describe_range(away: DateRange | Away) -> str:
    """`Mon 21 Dec – Sun 3 Jan` (the year only when it is not obvious)."""
    start, end = away.start, away.end
    if start == end:
        return _short_day(start)
    with_year = start.year != end.year
    return f"{_short_day(start, with_year=with_year)} – {_short_day(end, with_year=with_year)}"


def _short_day(day: date, *, with_year: bool = False) -> str:
    text = f"{WEEKDAY_ABBREVIATIONS[day.weekday()]} {day.day} {day:%b}"
    return f"{text} {day.year}" if with_year else text


# Personal data (listed in `bot.areas`)


def export_personal_data(session: Session, team_id: str, user_id: str) -> PersonalData:
    """The weekly pattern and hours (organisation, time zone and dates away are in the profile)."""
    saved = saved_availability(session, team_id, user_id)
    records: list[dict[str, object]] = []
    if saved.has_answered:
        records.append({
            "usually_free": [f"{WEEKDAYS[weekday]} {PARTS_BY_NAME[part].label.lower()}"
                             for weekday, part in sorted(saved.slots, key=lambda s: (s[0], PART_NAMES.index(s[1])))],
            "hours_per_month": saved.hours_per_month,
            "updated_at": saved.updated_at.isoformat() if saved.updated_at else None,
        })
    return PersonalData("Availability", records)


def forget_personal_data(session: Session, team_id: str, user_id: str) -> int:
    return AvailabilityRepository(session).forget(team_id, user_id)
