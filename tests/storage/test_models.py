"""Schema rules the domain relies on."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy.exc import IntegrityError, StatementError

from storage.db import Database
from storage.models import Absence, Workspace
from storage.repositories.workspaces import AbsenceRepository, MemberRepository, WorkspaceRepository
from tests.harness.clock import ManualClock


def test_timestamps_come_back_aware_and_in_utc(db: Database) -> None:
    moment = datetime(2026, 11, 24, 10, 30, tzinfo=timezone.utc)
    with db.unit_of_work() as session:
        WorkspaceRepository(session).get_or_create("T1", now=moment)
    with db.unit_of_work() as session:
        stored = session.get(Workspace, "T1")
        assert stored is not None
        assert stored.created_at == moment and stored.created_at.tzinfo is not None


def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(StatementError, match="time-zone-aware"):
        with db.unit_of_work() as session:
            session.add(Workspace(team_id="T1", created_at=datetime(2026, 1, 1), updated_at=datetime(2026, 1, 1)))


def test_members_keep_what_they_told_convene_across_refreshes(db: Database, clock: ManualClock) -> None:
    with db.unit_of_work() as session:
        WorkspaceRepository(session).get_or_create("T1", now=clock())
        member = MemberRepository(session).upsert_from_slack("T1", "U1", {"name": "alice", "tz": "Europe/London"}, now=clock())
        member.organisation = "Food Bank Network"
    with db.unit_of_work() as session:
        member = MemberRepository(session).upsert_from_slack("T1", "U1", {"name": "alice", "tz": "Europe/Paris", "is_admin": True}, now=clock())
        assert (member.organisation, member.tz, member.is_admin) == ("Food Bank Network", "Europe/Paris", True)


def test_an_absence_must_end_after_it_starts(db: Database, clock: ManualClock) -> None:
    with db.unit_of_work() as session:
        WorkspaceRepository(session).get_or_create("T1", now=clock())
        MemberRepository(session).upsert_from_slack("T1", "U1", {"name": "alice"}, now=clock())
    with pytest.raises(IntegrityError):
        with db.unit_of_work() as session:
            session.add(Absence(team_id="T1", user_id="U1", starts_on=date(2026, 12, 5), ends_on=date(2026, 12, 1)))


def test_who_is_away_on_a_day(db: Database, clock: ManualClock) -> None:
    with db.unit_of_work() as session:
        WorkspaceRepository(session).get_or_create("T1", now=clock())
        for user_id in ("U1", "U2"):
            MemberRepository(session).upsert_from_slack("T1", user_id, {"name": user_id}, now=clock())
        session.add(Absence(team_id="T1", user_id="U1", starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 3)))
    with db.unit_of_work() as session:
        absences = AbsenceRepository(session)
        assert absences.away_on("T1", date(2026, 12, 3)) == {"U1"}
        assert absences.away_on("T1", date(2026, 12, 4)) == set()
        assert [a.user_id for a in absences.overlapping("T1", date(2026, 11, 30), date(2026, 12, 1))] == ["U1"]
