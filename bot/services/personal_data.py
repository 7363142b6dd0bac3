"""Everything Convene stores about a member, to show them (`/convene my-data`) or forget it
(`/convene forget-me`). Each area lists an exporter and a forgetter in `bot.areas`."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.models import Absence, Coordinator, Member
from storage.repositories.ledger import DispatchLedger
from storage.repositories.workspaces import AbsenceRepository, MemberRepository


@dataclass(frozen=True)
class PersonalData:
    """One area's records about a member, as plain JSON-able dicts."""

    area: str
    records: list[dict[str, Any]] = field(default_factory=list)


Exporter = Callable[[Session, str, str], PersonalData]
Forgetter = Callable[[Session, str, str], int]
"""Deletes (or anonymises) a member's records in one area; returns how many rows it touched."""

def export_profile(session: Session, team_id: str, user_id: str) -> PersonalData:
    member = MemberRepository(session).get(team_id, user_id)
    records: list[dict[str, Any]] = []
    if member is not None:
        records.append({
            "user_id": member.user_id,
            "name": member.name,
            "real_name": member.real_name,
            "display_name": member.display_name,
            "slack_time_zone": member.tz,
            "time_zone_override": member.tz_override,
            "organisation": member.organisation,
            "is_admin": member.is_admin,
            "is_owner": member.is_owner,
            "refreshed_at": member.refreshed_at.isoformat() if member.refreshed_at else None,
        })
    for absence in AbsenceRepository(session).for_member(team_id, user_id):
        records.append({"away_from": absence.starts_on.isoformat(), "away_until": absence.ends_on.isoformat(),
                         "note": absence.note})
    if session.get(Coordinator, (team_id, user_id)) is not None:
        records.append({"coordinator": True})
    return PersonalData("Profile", records)


def collect(session: Session, team_id: str, user_id: str, exporters: list[Exporter]) -> list[PersonalData]:
    """Every area's records about the member."""
    return [export(session, team_id, user_id) for export in exporters]


def forget(session: Session, team_id: str, user_id: str, forgetters: list[tuple[str, Forgetter]]) -> dict[str, int]:
    """Delete or anonymise everything about the member, then their profile; rows touched per area."""
    touched = {area: forgetter(session, team_id, user_id) for area, forgetter in forgetters}
    profile = 0
    profile += session.execute(delete(Absence).where(Absence.team_id == team_id, Absence.user_id == user_id)).rowcount or 0
    profile += session.execute(delete(Coordinator).where(Coordinator.team_id == team_id, Coordinator.user_id == user_id)).rowcount or 0
    profile += session.execute(delete(Member).where(Member.team_id == team_id, Member.user_id == user_id)).rowcount or 0
    profile += DispatchLedger(session).forget_member(team_id, user_id)
    touched["Profile"] = profile
    return touched


def as_json(sections: list[PersonalData], *, team_id: str, user_id: str, exported_at: str) -> str:
    """The export file's content."""
    return json.dumps(
        {"team_id": team_id, "user_id": user_id, "exported_at": exported_at,
         "data": {section.area: section.records for section in sections}},
        indent=2, ensure_ascii=False, default=str,
    )
