"""The group's settings: its channel and home time zone, and who coordinates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.services import meeting_hours, privacy
from bot.services.errors import InvalidInput, NotAllowed
from bot.services.meeting_hours import MeetingHours
from bot.services.members import insist_coordinator, is_coordinator
from bot.services.proposals import Quorum, parse_quorum, quorum_from_setting
from storage.models import Coordinator, Member
from storage.repositories.workspaces import CoordinatorRepository, MemberRepository, WorkspaceRepository


@dataclass(frozen=True)
class GroupSettings:
    """The settings in force, and where each came from."""

    team_id: str
    channel_id: str | None
    channel_from_env: bool
    timezone: str
    timezone_from_env: bool
    meeting_hours: MeetingHours
    meeting_hours_default: bool
    quorum: Quorum | None = None  # what a proposal needs when it closes; None: no quorum


@dataclass(frozen=True)
class Coordinators:
    configured: tuple[str, ...]  # CONVENE_COORDINATORS
    added: tuple[str, ...]  # /convene coordinators add
    admins: tuple[str, ...]  # workspace admins and owners Convene has seen


def group_settings(session: Session, team_id: str, *, now: datetime, default_channel: str | None,
                   default_timezone: str) -> GroupSettings:
    workspace = WorkspaceRepository(session).get_or_create(team_id, now=now)
    return GroupSettings(
        team_id=team_id,
        channel_id=workspace.channel_id or default_channel,
        channel_from_env=workspace.channel_id is None and default_channel is not None,
        timezone=workspace.timezone or default_timezone,
        timezone_from_env=workspace.timezone is None,
        meeting_hours=meeting_hours.from_setting(workspace.meeting_hours),
        meeting_hours_default=workspace.meeting_hours is None,
        quorum=quorum_from_setting(workspace.quorum),
    )


def set_channel(session: Session, team_id: str, user_id: str, channel_id: str, *, now: datetime,
                acting_is_coordinator: bool) -> None:
    insist_coordinator(acting_is_coordinator, "change the group's channel")
    if not channel_id.startswith(("C", "G")):
        raise InvalidInput("That is not a channel I can post to.", example="/convene settings channel #wg-commissioning")
    workspace = WorkspaceRepository(session).get_or_create(team_id, now=now)
    workspace.channel_id = channel_id


def parse_timezone(text: str) -> str:
    """An IANA zone name, matched without regard to case; InvalidInput otherwise."""
    name = text.strip().replace(" ", "_")
    try:
        ZoneInfo(name)
        if name in available_timezones() or name == "UTC":
            return name
    except (ZoneInfoNotFoundError, ValueError):
        pass
    matches = [zone for zone in available_timezones() if zone.lower() == name.lower()]
    if matches:
        return matches[0]
    raise InvalidInput(f"I don't know the time zone “{text.strip()}”.", example="/convene settings timezone Europe/London")


def search_timezones(query: str, *, limit: int = 100) -> list[str]:
    """Zone names containing `query` (for the settings modal's type-ahead), best first."""
    q = query.strip().lower().replace(" ", "_")
    zones = sorted(z for z in available_timezones() if "/" in z or z == "UTC")
    starts = [z for z in zones if z.lower().split("/")[-1].startswith(q)]
    contains = [z for z in zones if q in z.lower() and z not in starts]
    return (starts + contains)[:limit]


def set_timezone(session: Session, team_id: str, user_id: str, zone_name: str, *, now: datetime,
                 acting_is_coordinator: bool) -> str:
    insist_coordinator(acting_is_coordinator, "change the group's time zone")
    zone_name = parse_timezone(zone_name)
    workspace = WorkspaceRepository(session).get_or_create(team_id, now=now)
    workspace.timezone = zone_name
    return zone_name


def set_meeting_hours(session: Session, team_id: str, user_id: str, text: str, *, now: datetime,
                      acting_is_coordinator: bool) -> MeetingHours:
    """Read and keep the group's meeting hours; `default` goes back to the default."""
    insist_coordinator(acting_is_coordinator, "change the group's meeting hours")
    reset = text.strip().lower() in ("default", "reset")
    hours = meeting_hours.DEFAULT_MEETING_HOURS if reset else meeting_hours.parse_meeting_hours(text)
    workspace = WorkspaceRepository(session).get_or_create(team_id, now=now)
    workspace.meeting_hours = None if reset else hours.to_setting()
    return hours


def set_quorum(session: Session, team_id: str, user_id: str, text: str, *, now: datetime,
               acting_is_coordinator: bool) -> Quorum | None:
    """Read and keep the quorum proposals need (`50% organisations`, `off`); None when there is none."""
    insist_coordinator(acting_is_coordinator, "change the quorum for proposals")
    quorum = parse_quorum(text)
    workspace = WorkspaceRepository(session).get_or_create(team_id, now=now)
    workspace.quorum = quorum.to_setting() if quorum else None
    return quorum


def coordinators(session: Session, team_id: str, *, configured: Iterable[str]) -> Coordinators:
    admins = session.scalars(
        select(Member.user_id)
        .where(Member.team_id == team_id, or_(Member.is_admin, Member.is_owner), ~Member.is_bot, ~Member.deleted)
        .order_by(Member.user_id)
    )
    return Coordinators(
        configured=tuple(sorted(configured)),
        added=tuple(CoordinatorRepository(session).user_ids(team_id)),
        admins=tuple(admins),
    )


def add_coordinator(session: Session, team_id: str, user_id: str, target_id: str, *, now: datetime,
                    acting_is_coordinator: bool, configured: Iterable[str]) -> bool:
    """True when `target_id` became a coordinator, False when they already were one."""
    insist_coordinator(acting_is_coordinator, "add coordinators")
    if privacy.is_forgotten(session, team_id, target_id):
        # They asked Convene to forget them: it stores nothing of theirs until they come back.
        raise InvalidInput(f"Convene doesn't know <@{target_id}> at the moment: ask them to use Convene "
                           "(`/convene help` will do), then add them.")
    target = MemberRepository(session).get(team_id, target_id)
    if target is not None and (target.is_bot or target.deleted):
        raise InvalidInput("Coordinators have to be people with an active account.")
    WorkspaceRepository(session).get_or_create(team_id, now=now)
    if is_coordinator(session, team_id, target_id, configured=configured):
        return False
    return CoordinatorRepository(session).add_once(
        Coordinator(team_id=team_id, user_id=target_id, added_by=user_id, added_at=now))


def remove_coordinator(session: Session, team_id: str, user_id: str, target_id: str, *,
                       acting_is_coordinator: bool, configured: Iterable[str]) -> bool:
    """True when `target_id` stopped being a coordinator (`configured`: CONVENE_COORDINATORS, which
    only whoever runs Convene can change)."""
    insist_coordinator(acting_is_coordinator, "remove coordinators")
    if target_id in set(configured):
        raise NotAllowed("That coordinator is named in CONVENE_COORDINATORS; whoever runs Convene can change that.")
    removed = CoordinatorRepository(session).remove(team_id, target_id)
    target = MemberRepository(session).get(team_id, target_id)
    if not removed and target is not None and (target.is_admin or target.is_owner):
        raise NotAllowed("Workspace admins and owners are always coordinators.")
    return removed
