"""Workspaces, members, coordinators and absences."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.db import add_once, insert_ignoring_conflicts, rows_changed
from storage.models import Absence, Base, Coordinator, Member, Workspace


class WorkspaceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, team_id: str) -> Workspace | None:
        return self.session.get(Workspace, team_id)

    def get_or_create(self, team_id: str, *, now: datetime) -> Workspace:
        """The workspace row, created on first sight (safely, if two requests race)."""
        workspace = self.session.get(Workspace, team_id)
        if workspace is None:
            insert_ignoring_conflicts(
                self.session,
                Workspace,
                {"team_id": team_id, "created_at": now, "updated_at": now},
                conflict_columns=["team_id"],
            )
            workspace = self.session.get(Workspace, team_id, populate_existing=True)
            assert workspace is not None
        return workspace

    def all_team_ids(self) -> list[str]:
        return list(self.session.scalars(select(Workspace.team_id).order_by(Workspace.team_id)))

    def uninstalled(self, team_ids: Iterable[str]) -> set[str]:
        """Those of `team_ids` that have uninstalled Convene (and not installed it again)."""
        ids = list(dict.fromkeys(team_ids))
        return set(self.session.scalars(select(Workspace.team_id).where(
            Workspace.team_id.in_(ids), Workspace.uninstalled_at.is_not(None))))

    def mark_uninstalled(self, team_id: str, *, now: datetime) -> None:
        workspace = self.get_or_create(team_id, now=now)
        if workspace.uninstalled_at is None:
            workspace.uninstalled_at = now

    def mark_installed(self, team_id: str, *, name: str | None, now: datetime) -> None:
        workspace = self.get_or_create(team_id, now=now)
        workspace.uninstalled_at = None
        if name:
            workspace.name = name

    def back_in_service(self, team_id: str, *, now: datetime) -> bool:
        """Clear an uninstall (Slack is sending from the workspace again); True when there was one.

        Asked on every request someone makes, so it reads first and writes only after an uninstall.
        """
        uninstalled_at = self.session.scalar(select(Workspace.uninstalled_at).where(Workspace.team_id == team_id))
        if uninstalled_at is None:
            return False
        self.session.execute(update(Workspace).where(Workspace.team_id == team_id)
                             .values(uninstalled_at=None, updated_at=now))
        return True

    def uninstalled_before(self, cutoff: datetime) -> list[str]:
        return list(self.session.scalars(select(Workspace.team_id).where(
            Workspace.uninstalled_at.is_not(None), Workspace.uninstalled_at <= cutoff).order_by(Workspace.team_id)))

    def delete_everything(self, team_id: str) -> int:
        """Delete every row of the workspace in every table Convene keeps (the workspace's own row
        last); how many rows went."""
        deleted = 0
        for table in reversed(Base.metadata.sorted_tables):
            if "team_id" in table.c:
                deleted += rows_changed(self.session.execute(delete(table).where(table.c.team_id == team_id)))
        return deleted


class MemberRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, team_id: str, user_id: str) -> Member | None:
        return self.session.get(Member, (team_id, user_id))

    def many(self, team_id: str, user_ids: Iterable[str]) -> dict[str, Member]:
        ids = list(dict.fromkeys(user_ids))
        if not ids:
            return {}
        rows = self.session.scalars(select(Member).where(Member.team_id == team_id, Member.user_id.in_(ids)))
        return {member.user_id: member for member in rows}

    def upsert_from_slack(self, team_id: str, user_id: str, profile: dict[str, object], *, now: datetime) -> Member:
        """Store what Slack says about a member, keeping what they told Convene themselves."""
        member = self.get(team_id, user_id)
        if member is None:
            insert_ignoring_conflicts(
                self.session,
                Member,
                {"team_id": team_id, "user_id": user_id, "name": "", "real_name": "", "display_name": "",
                 "is_admin": False, "is_owner": False, "is_bot": False, "deleted": False},
                conflict_columns=["team_id", "user_id"],
            )
            member = self.session.get(Member, (team_id, user_id), populate_existing=True)
            assert member is not None
        member.name = str(profile.get("name") or "")[:200]
        member.real_name = str(profile.get("real_name") or "")[:200]
        member.display_name = str(profile.get("display_name") or "")[:200]
        member.tz = (str(profile["tz"]) if profile.get("tz") else None)
        member.is_admin = bool(profile.get("is_admin"))
        member.is_owner = bool(profile.get("is_owner"))
        member.is_bot = bool(profile.get("is_bot"))
        member.deleted = bool(profile.get("deleted"))
        member.refreshed_at = now
        return member

    def organisations(self, team_id: str) -> list[str]:
        """Organisations members have named, for suggestions."""
        rows = self.session.scalars(
            select(Member.organisation)
            .where(Member.team_id == team_id, Member.organisation.is_not(None), Member.organisation != "")
            .distinct()
            .order_by(Member.organisation)
        )
        return [organisation for organisation in rows if organisation]


class CoordinatorRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def user_ids(self, team_id: str) -> list[str]:
        return list(
            self.session.scalars(
                select(Coordinator.user_id).where(Coordinator.team_id == team_id).order_by(Coordinator.added_at)
            )
        )

    def contains(self, team_id: str, user_id: str) -> bool:
        return self.session.get(Coordinator, (team_id, user_id)) is not None

    def add_once(self, coordinator: Coordinator) -> bool:
        """True when the member was not a coordinator before."""
        return add_once(self.session, coordinator, conflict_columns=["team_id", "user_id"])

    def remove(self, team_id: str, user_id: str) -> bool:
        result = self.session.execute(
            delete(Coordinator).where(Coordinator.team_id == team_id, Coordinator.user_id == user_id)
        )
        return bool(rows_changed(result))


class AbsenceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_member(self, team_id: str, user_id: str) -> Sequence[Absence]:
        return self.session.scalars(
            select(Absence)
            .where(Absence.team_id == team_id, Absence.user_id == user_id)
            .order_by(Absence.starts_on)
        ).all()

    def away_on(self, team_id: str, day: date, user_ids: Iterable[str] | None = None) -> set[str]:
        """Members away on `day`."""
        query = select(Absence.user_id).where(
            Absence.team_id == team_id, Absence.starts_on <= day, Absence.ends_on >= day
        )
        if user_ids is not None:
            query = query.where(Absence.user_id.in_(list(user_ids)))
        return set(self.session.scalars(query))

    def overlapping_with_members(self, team_id: str, start: date, end: date) -> list[tuple[Absence, Member]]:
        """`overlapping`, each absence with its member (absences of members Convene does not know are left out)."""
        rows = self.session.execute(
            select(Absence, Member)
            .join(Member, (Member.team_id == Absence.team_id) & (Member.user_id == Absence.user_id))
            .where(Absence.team_id == team_id, Absence.starts_on <= end, Absence.ends_on >= start)
            .order_by(Absence.starts_on, Absence.user_id)
        )
        return [(absence, member) for absence, member in rows]

    def overlapping(self, team_id: str, start: date, end: date) -> Sequence[Absence]:
        """Absences that touch the inclusive range start..end, soonest first."""
        return self.session.scalars(
            select(Absence)
            .where(Absence.team_id == team_id, Absence.starts_on <= end, Absence.ends_on >= start)
            .order_by(Absence.starts_on, Absence.user_id)
        ).all()
