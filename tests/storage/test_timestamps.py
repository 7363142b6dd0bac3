"""created_at and updated_at come from the database's clock, and only edits move updated_at."""

from __future__ import annotations

from datetime import datetime, timezone

from storage.db import Database, insert_ignoring_conflicts
from storage.models import Poll, Workspace
from tests.harness.clock import ManualClock

T = "T1"
GIVEN = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _poll(db: Database) -> int:
    with db.unit_of_work() as session:
        session.add(Workspace(team_id=T))
        session.flush()
        poll = Poll(team_id=T, channel_id="C1", creator_id="UALICE", title="Lunch", timezone="Europe/London")
        session.add(poll)
        session.flush()
        return poll.id


def _stamps(db: Database, poll_id: int) -> tuple[datetime, datetime]:
    with db.unit_of_work() as session:
        poll = session.get(Poll, poll_id)
        assert poll is not None
        return poll.created_at, poll.updated_at


def test_a_new_row_is_stamped_on_the_clock(db: Database, clock: ManualClock) -> None:
    poll_id = _poll(db)
    assert _stamps(db, poll_id) == (clock(), clock())
    with db.unit_of_work() as session:
        workspace = session.get(Workspace, T)
        assert workspace is not None and workspace.created_at == workspace.updated_at == clock()


def test_a_value_given_is_kept(db: Database) -> None:
    with db.unit_of_work() as session:
        session.add(Workspace(team_id=T, created_at=GIVEN, updated_at=GIVEN))
    with db.unit_of_work() as session:
        workspace = session.get(Workspace, T)
        assert workspace is not None and (workspace.created_at, workspace.updated_at) == (GIVEN, GIVEN)


def test_an_edit_moves_updated_at_only(db: Database, clock: ManualClock) -> None:
    poll_id = _poll(db)
    created = clock()
    later = clock.advance(minutes=5)
    with db.unit_of_work() as session:
        poll = session.get(Poll, poll_id)
        assert poll is not None
        poll.title = "Dinner"
    assert _stamps(db, poll_id) == (created, later)


def test_bookkeeping_and_forgetting_a_member_are_not_edits(db: Database, clock: ManualClock) -> None:
    poll_id = _poll(db)
    created = clock()
    clock.advance(minutes=5)
    with db.unit_of_work() as session:
        poll = session.get(Poll, poll_id)
        assert poll is not None
        poll.message_ts = "1.000100"  # in Poll.not_edits
        poll.creator_id = None  # forget-me clearing a member's name
    assert _stamps(db, poll_id) == (created, created)


def test_a_core_insert_is_stamped_too(db: Database, clock: ManualClock) -> None:
    with db.unit_of_work() as session:
        assert insert_ignoring_conflicts(session, Workspace, {"team_id": T}, conflict_columns=["team_id"])
    with db.unit_of_work() as session:
        workspace = session.get(Workspace, T)
        assert workspace is not None and workspace.created_at == workspace.updated_at == clock()
