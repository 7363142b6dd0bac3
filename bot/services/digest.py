"""The weekly digest: its schedule, its periods, and what goes in it.

A period ends at a scheduled moment (Friday 16:00 in the group's time zone by default) and starts
at the one before. The digest for a period is posted once, at its end (or earlier with
`/digest now`), and covers what happened during it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.services.errors import InvalidInput
from bot.services.members import insist_coordinator, workspace_zone
from bot.services.personal_data import Redraw
from bot.services.weektimes import WEEKDAY_NAMES, clock_time, weekday_by_prefix
from storage.repositories.digest import DigestRepository
from storage.repositories.prompts import AnswerRepository
from storage.repositories.workspaces import AbsenceRepository, WorkspaceRepository

DEFAULT_WEEKDAY, DEFAULT_HOUR, DEFAULT_MINUTE = 4, 16, 0  # Friday 16:00
# A digest missed while Convene was down is still posted if it comes back within this long.
CATCH_UP_GRACE = timedelta(hours=12)
WEEKDAYS = WEEKDAY_NAMES

SCHEDULE_EXAMPLE = "/digest schedule Fri 16:00"


@dataclass(frozen=True)
class Schedule:
    weekday: int
    hour: int
    minute: int
    zone: ZoneInfo
    enabled: bool
    channel_id: str | None  # where it is posted: the digest's own channel, else the group's

    @property
    def when(self) -> str:
        """`Fridays at 16:00`, in the group's time zone."""
        return f"{WEEKDAYS[self.weekday]}s at {self.hour:02d}:{self.minute:02d}"

    def describe(self) -> str:
        when = f"{self.when} ({self.zone.key})"
        return when if self.enabled else f"off (was {when})"


@dataclass(frozen=True)
class Period:
    key: str  # the local date the period ends on, e.g. "2026-11-27"
    start: datetime
    end: datetime


def _local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    # A wall-clock time that does not exist (spring forward) or exists twice (fall back) is
    # settled to one real instant by a round trip through UTC.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).astimezone(zone)


def due_at_or_before(schedule: Schedule, moment: datetime) -> datetime:
    """The latest scheduled moment at or before `moment`, in the schedule's zone."""
    local = moment.astimezone(schedule.zone)
    at = time(schedule.hour, schedule.minute)
    day = local.date() - timedelta(days=(local.weekday() - schedule.weekday) % 7)
    candidate = _local_moment(day, at, schedule.zone)
    if candidate > moment:
        candidate = _local_moment(day - timedelta(days=7), at, schedule.zone)
    return candidate


def period_ending(schedule: Schedule, end: datetime) -> Period:
    local_end = end.astimezone(schedule.zone)
    # Aware arithmetic within one zone is wall-clock arithmetic: a week earlier, same local time.
    start = _local_moment(local_end.date() - timedelta(days=7), local_end.time(), schedule.zone)
    return Period(key=local_end.date().isoformat(), start=start, end=local_end)


def last_due_period(schedule: Schedule, now: datetime) -> Period:
    """The period that ended most recently: its digest is due now, or overdue."""
    return period_ending(schedule, due_at_or_before(schedule, now))


def current_period(schedule: Schedule, now: datetime) -> Period:
    """The period under way: it ends at the next scheduled moment after `now`."""
    a_week_on = now.astimezone(schedule.zone) + timedelta(days=7)
    return period_ending(schedule, due_at_or_before(schedule, a_week_on))


def parse_schedule(text: str) -> tuple[int, int, int]:
    """`Fri 16:00`, `friday 4pm`, `Tue 9:30am` → (weekday, hour, minute)."""
    match = re.fullmatch(r"\s*([A-Za-z]+)\s+(\d{1,2})(?::(\d{2}))?\s*([ap]\.?m\.?)?\s*", text or "")
    if not match:
        raise InvalidInput(f"I can't read “{text.strip()}” as a day and a time.", example=SCHEDULE_EXAMPLE)
    word, hour_text, minute_text, meridiem = match.groups()
    weekday = weekday_by_prefix(word)
    if weekday is None:
        raise InvalidInput(f"“{word}” is not a day of the week.", example=SCHEDULE_EXAMPLE)
    hour, minute = int(hour_text), int(minute_text or 0)
    if meridiem and not 1 <= hour <= 12:
        raise InvalidInput(f"“{hour}{meridiem}” is not a time.", example=SCHEDULE_EXAMPLE)
    at = clock_time(hour, minute, meridiem[0].lower() if meridiem else None)
    if at is None:
        raise InvalidInput(f"“{text.strip()}” is not a time of day.", example=SCHEDULE_EXAMPLE)
    return weekday, at.hour, at.minute


def schedule_for(session: Session, team_id: str, *, home: ZoneInfo, default_channel: str | None) -> Schedule:
    row, workspace = DigestRepository(session).settings_and_workspace(team_id)
    zone = workspace_zone(workspace, home)
    group_channel = (workspace.channel_id if workspace else None) or default_channel
    if row is None:
        return Schedule(DEFAULT_WEEKDAY, DEFAULT_HOUR, DEFAULT_MINUTE, zone, True, group_channel)
    return Schedule(row.weekday, row.hour, row.minute, zone, row.enabled, row.channel_id or group_channel)


# The digest is the coordinators' to preview, post and schedule; anyone may see when it goes out.
LOOKED_AFTER = "The digest is looked after by coordinators"
OPEN_TO_EVERYONE = frozenset({"", "status"})


def open_to_everyone(subcommand: str) -> bool:
    """Whether `/digest <subcommand>` is for any member (its status) rather than coordinators only."""
    return subcommand in OPEN_TO_EVERYONE


def change_schedule(session: Session, team_id: str, user_id: str, *, now: datetime, acting_is_coordinator: bool,
                    weekday: int | None = None, hour: int | None = None, minute: int | None = None,
                    enabled: bool | None = None, channel_id: str | None = None) -> None:
    """Change any of the schedule's parts, keeping the rest."""
    insist_coordinator(acting_is_coordinator, "change the digest", looked_after=LOOKED_AFTER)
    WorkspaceRepository(session).get_or_create(team_id, now=now)
    repo = DigestRepository(session)
    row = repo.settings(team_id)
    repo.save_settings(
        team_id,
        weekday=weekday if weekday is not None else (row.weekday if row else DEFAULT_WEEKDAY),
        hour=hour if hour is not None else (row.hour if row else DEFAULT_HOUR),
        minute=minute if minute is not None else (row.minute if row else DEFAULT_MINUTE),
        enabled=enabled if enabled is not None else (row.enabled if row else True),
        channel_id=channel_id if channel_id is not None else (row.channel_id if row else None),
        updated_by=user_id,
        now=now,
    )


# What goes in a digest


@dataclass(frozen=True)
class DigestLine:
    """One item: `label` is plain escaped text (a title, a task), shown as a link to the message
    at `channel_id`/`ts` when there is one; `detail` is mrkdwn that follows it."""

    label: str
    detail: str = ""
    channel_id: str | None = None
    ts: str | None = None


# Enough to scan in a minute; the rest is counted.
MAX_LINES_PER_SECTION = 10


@dataclass(frozen=True)
class DigestSection:
    """One part of the digest. `total` counts every item when more exist than are listed, so the
    digest can say "…and N more"."""

    key: str
    title: str
    lines: list[DigestLine] = field(default_factory=list)
    summary: str | None = None
    total: int | None = None
    more_hint: str | None = None  # where to see the rest, e.g. "`/issue list new`"
    news: bool = True  # False for what stands week after week (top issues, who is away)


@dataclass(frozen=True)
class Digest:
    team_id: str
    period: Period
    sections: list[DigestSection]

    @property
    def quiet(self) -> bool:
        """Nothing happened this period (standing sections such as top issues may still show)."""
        return not any(section.news for section in self.sections)


# Forgetting a member


# A digest names who is away in the week after it is posted, and quotes answers given during its period.
_AWAY_AHEAD = timedelta(days=8)


def redraw_after_forgetting(session: Session, team_id: str, user_id: str) -> Redraw:
    """Posted digests that may name the member: they were away in the week after, or were quoted."""
    away = AbsenceRepository(session).for_member(team_id, user_id)
    quoted = [answer.created_at for answer in AnswerRepository(session).for_member(team_id, user_id) if answer.shareable]
    found: set[tuple[str, str]] = set()
    for run in DigestRepository(session).posted(team_id):
        if run.channel_id is None or run.ts is None:
            continue
        first, last = run.period_end.date() - timedelta(days=1), (run.period_end + _AWAY_AHEAD).date()
        was_away = any(absence.starts_on <= last and absence.ends_on >= first for absence in away)
        was_quoted = any(run.period_start <= at <= run.period_end for at in quoted)
        if was_away or was_quoted:
            found.add((run.channel_id, run.ts))
    return Redraw(messages=found)
