"""Who is who: coordinators, time zones, who is away."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from bot.services.errors import NotAllowed
from storage.models import Member, Workspace
from storage.repositories.workspaces import AbsenceRepository, CoordinatorRepository, MemberRepository


def zone(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    """The named IANA zone, or `fallback` when it is missing or unknown."""
    if not name:
        return fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def workspace_zone(workspace: Workspace | None, default: ZoneInfo) -> ZoneInfo:
    """The group's home time zone: set in Slack, else CONVENE_TIMEZONE."""
    return zone(workspace.timezone if workspace else None, default)


def member_zone(member: Member | None, home: ZoneInfo) -> ZoneInfo:
    """Where a member's clock is: their override, else their Slack profile, else the group's."""
    if member is None:
        return home
    return zone(member.tz_override, zone(member.tz, home))


def is_coordinator(
    session: Session, team_id: str, user_id: str, *, configured: Iterable[str] = ()
) -> bool:
    """Admins and owners, the IDs in CONVENE_COORDINATORS, and anyone added in Slack."""
    if user_id in set(configured):
        return True
    member = MemberRepository(session).get(team_id, user_id)
    if member is not None and (member.is_admin or member.is_owner):
        return True
    return CoordinatorRepository(session).contains(team_id, user_id)


def require_coordinator(session: Session, team_id: str, user_id: str, configured: Iterable[str] = (),
                        doing: str = "do that", *, looked_after: str | None = None) -> None:
    """NotAllowed unless the person is a coordinator: the one guard every area uses.

    `doing` completes "only a coordinator can …"; `looked_after` says first what coordinators look
    after ("The digest is looked after by coordinators").
    """
    insist_coordinator(is_coordinator(session, team_id, user_id, configured=configured), doing,
                       looked_after=looked_after)


def insist_coordinator(acting_is_coordinator: bool, doing: str, *, looked_after: str | None = None) -> None:
    """NotAllowed unless the person acting is a coordinator (as the request context found): the one
    refusal every area gives."""
    if not acting_is_coordinator:
        lead = f"{looked_after}: only" if looked_after else "Only"
        raise NotAllowed(f"{lead} a coordinator can {doing}. `/convene coordinators list` shows who they are.")


def coordinator_ids(session: Session, team_id: str, *, configured: Iterable[str] = ()) -> list[str]:
    """Every coordinator Convene knows of, configured first, then added, then admins."""
    ids = list(dict.fromkeys(configured))
    for user_id in CoordinatorRepository(session).user_ids(team_id):
        if user_id not in ids:
            ids.append(user_id)
    return ids


def present(session: Session, team_id: str, user_ids: Iterable[str], *, at: datetime, home: ZoneInfo) -> list[str]:
    """The members of `user_ids` who are not away at `at`, each judged by their own calendar date."""
    ids = list(dict.fromkeys(user_ids))
    members = MemberRepository(session).many(team_id, ids)
    absences = AbsenceRepository(session)
    by_day: dict[object, list[str]] = {}
    for user_id in ids:
        local_day = at.astimezone(member_zone(members.get(user_id), home)).date()
        by_day.setdefault(local_day, []).append(user_id)
    away: set[str] = set()
    for day, day_ids in by_day.items():
        away |= absences.away_on(team_id, day, day_ids)  # type: ignore[arg-type]
    return [user_id for user_id in ids if user_id not in away]
