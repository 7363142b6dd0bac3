"""Weekly patterns, hours a month and, for the member editing them, their dates away."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.db import rows_changed
from storage.models import Absence, AvailabilityProfile, Member, WeeklySlot


class AvailabilityRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_member(self, team_id: str, user_id: str) -> Member | None:
        """The member row, locked until the transaction ends, so two saves of one member queue up."""
        return self.session.scalar(
            select(Member).where(Member.team_id == team_id, Member.user_id == user_id).with_for_update()
        )

    def profile(self, team_id: str, user_id: str) -> AvailabilityProfile | None:
        return self.session.get(AvailabilityProfile, (team_id, user_id))

    def profiles(self, team_id: str, user_ids: Iterable[str] | None = None) -> Sequence[AvailabilityProfile]:
        """Every member of the team who has said when they are free (or only those in `user_ids`)."""
        query = select(AvailabilityProfile).where(AvailabilityProfile.team_id == team_id)
        if user_ids is not None:
            query = query.where(AvailabilityProfile.user_id.in_(list(user_ids)))
        return self.session.scalars(query.order_by(AvailabilityProfile.user_id)).all()

    def slots(self, team_id: str, user_ids: Iterable[str] | None = None) -> dict[str, set[tuple[int, str]]]:
        """user_id → {(weekday, part)} for the team (or only `user_ids`)."""
        query = select(WeeklySlot.user_id, WeeklySlot.weekday, WeeklySlot.part).where(WeeklySlot.team_id == team_id)
        if user_ids is not None:
            query = query.where(WeeklySlot.user_id.in_(list(user_ids)))
        found: dict[str, set[tuple[int, str]]] = {}
        for user_id, weekday, part in self.session.execute(query):
            found.setdefault(user_id, set()).add((weekday, part))
        return found

    def replace(self, team_id: str, user_id: str, *, slots: Iterable[tuple[int, str]], hours_per_month: int | None,
                now: datetime) -> AvailabilityProfile:
        """Make the member's pattern exactly `slots` and their hours `hours_per_month`."""
        profile = self.profile(team_id, user_id)
        if profile is None:
            profile = AvailabilityProfile(team_id=team_id, user_id=user_id)
            self.session.add(profile)
        profile.hours_per_month = hours_per_month
        # The pattern itself lives in weekly_slots, so the profile may not change: stamp it anyway.
        profile.updated_at = now
        self.session.flush()
        self.session.execute(delete(WeeklySlot).where(WeeklySlot.team_id == team_id, WeeklySlot.user_id == user_id))
        self.session.add_all(
            WeeklySlot(team_id=team_id, user_id=user_id, weekday=weekday, part=part) for weekday, part in sorted(set(slots))
        )
        return profile

    def absences(self, team_id: str, user_ids: Iterable[str]) -> dict[str, list[Absence]]:
        """user_id → their dates away, soonest first, in one query."""
        ids = list(user_ids)
        found: dict[str, list[Absence]] = {user_id: [] for user_id in ids}
        if not ids:
            return found
        rows = self.session.scalars(
            select(Absence).where(Absence.team_id == team_id, Absence.user_id.in_(ids)).order_by(Absence.starts_on)
        )
        for absence in rows:
            found[absence.user_id].append(absence)
        return found

    def replace_absences(self, team_id: str, user_id: str, ranges: Iterable[tuple[date, date, str]]) -> None:
        """Make the member's dates away exactly `ranges` (start, end inclusive, note)."""
        self.session.execute(delete(Absence).where(Absence.team_id == team_id, Absence.user_id == user_id))
        self.session.add_all(
            Absence(team_id=team_id, user_id=user_id, starts_on=start, ends_on=end, note=note)
            for start, end, note in ranges
        )

    def forget(self, team_id: str, user_id: str) -> int:
        """Delete the member's pattern and hours; returns how many rows went."""
        slots = rows_changed(self.session.execute(
            delete(WeeklySlot).where(WeeklySlot.team_id == team_id, WeeklySlot.user_id == user_id)
        ))
        profiles = rows_changed(self.session.execute(
            delete(AvailabilityProfile).where(AvailabilityProfile.team_id == team_id,
                                              AvailabilityProfile.user_id == user_id)
        ))
        return slots + profiles
