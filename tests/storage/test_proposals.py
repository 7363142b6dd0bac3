"""Proposal rules that live in the database: one position per member per proposal, numbering,
closing once with what it froze, outcomes and the queries the rest of Convene reads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from bot.services import issues, proposals
from bot.services.errors import NotAllowed
from storage.db import Database
from storage.models import Issue, Member, ProposalIssue, ProposalPosition
from storage.repositories.proposals import ProposalRepository
from storage.repositories.workspaces import WorkspaceRepository

NOW = datetime(2026, 11, 24, 9, tzinfo=timezone.utc)
LONDON = ZoneInfo("Europe/London")
TEAM = "T1"


def members(db: Database, organisations: dict[str, str | None]) -> None:
    with db.unit_of_work() as session:
        WorkspaceRepository(session).get_or_create(TEAM, now=NOW)
        for user_id, organisation in organisations.items():
            session.add(Member(team_id=TEAM, user_id=user_id, name=user_id.lower(), real_name="", display_name="",
                               organisation=organisation, refreshed_at=NOW))


def make(db: Database, *, author: str = "UALICE", audience: tuple[str, ...] = ("UALICE", "UBEN", "UCAROL"),
         issue_ids: tuple[int, ...] = ()) -> int:
    draft = proposals.read_draft("We ask for five-year contracts", [], "Fri 27 Nov 5pm", now=NOW, zone=LONDON)
    with db.unit_of_work() as session:
        proposal = proposals.create_proposal(session, TEAM, author, "C1", draft, issues=issue_ids,
                                             zone_name="Europe/London", now=NOW, reminder_lead=timedelta(hours=24),
                                             audience=audience)
        proposals.set_message(session, TEAM, proposal.id, f"{proposal.id}.1")
        return proposal.id


def take(db: Database, proposal_id: int, user: str, stance: str, **extra: object) -> proposals.PositionResult:
    with db.unit_of_work() as session:
        return proposals.record_position(session, TEAM, proposal_id, user, stance, now=NOW, **extra)


def state(db: Database, proposal_id: int) -> proposals.ProposalState:
    with db.unit_of_work() as session:
        found = proposals.load_state(session, TEAM, proposal_id)
    assert found is not None
    return found


def test_one_position_per_member_per_proposal_is_a_database_constraint(db: Database) -> None:
    members(db, {"UALICE": None})
    proposal_id = make(db)
    take(db, proposal_id, "UBEN", "agree")
    with pytest.raises(IntegrityError):
        with db.unit_of_work() as session:
            session.add(ProposalPosition(team_id=TEAM, proposal_id=proposal_id, user_id="UBEN", stance="block",
                                         credit="named", created_at=NOW, changed_at=NOW))


def test_only_known_stances_and_credits_can_be_stored(db: Database) -> None:
    members(db, {"UALICE": None})
    proposal_id = make(db)
    for stance, credit in (("maybe", "named"), ("agree", "everyone")):
        with pytest.raises(IntegrityError):
            with db.unit_of_work() as session:
                session.add(ProposalPosition(team_id=TEAM, proposal_id=proposal_id, user_id="UBEN", stance=stance,
                                             credit=credit, created_at=NOW, changed_at=NOW))


def test_proposals_are_numbered_one_after_another_even_when_made_at_once(db: Database) -> None:
    members(db, {"UALICE": None})
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: make(db), range(8)))
    with db.unit_of_work() as session:
        numbers = sorted(p.number for p in ProposalRepository(session).page(TEAM, which="all", offset=0,
                                                                           limit=100)[0])
    assert numbers == list(range(1, 9))


def test_positions_change_in_place_and_saying_the_same_again_changes_nothing(db: Database) -> None:
    members(db, {"UALICE": None})
    proposal_id = make(db)
    first = take(db, proposal_id, "UBEN", "disagree", reason="Too soon", credit="organisation")
    again = take(db, proposal_id, "UBEN", "disagree")
    changed = take(db, proposal_id, "UBEN", "agree")
    assert first.changed and not again.changed and changed.changed and changed.previous == "disagree"
    assert changed.reason == "Too soon" and changed.credit == "organisation", "a click keeps the reason and credit"
    cleared = take(db, proposal_id, "UBEN", "agree", reason="  ")
    assert cleared.changed and cleared.reason is None
    assert state(db, proposal_id).counts == {"agree": 1, "abstain": 0, "disagree": 0, "block": 0}


def test_closing_freezes_organisations_and_the_quorum_once(db: Database) -> None:
    members(db, {"UALICE": "Riverside", "UBEN": "Youth Hub", "UCAROL": "Food Bank"})
    with db.unit_of_work() as session:
        WorkspaceRepository(session).get(TEAM).quorum = "50 organisations"
    proposal_id = make(db)
    take(db, proposal_id, "UBEN", "agree")
    take(db, proposal_id, "UCAROL", "abstain")
    with db.unit_of_work() as session:
        assert proposals.close_at_closing_time(session, TEAM, proposal_id, now=NOW) is None  # not yet
    closes = datetime(2026, 11, 27, 17, tzinfo=timezone.utc)
    with db.unit_of_work() as session:
        closed = proposals.close_at_closing_time(session, TEAM, proposal_id, now=closes)
    assert closed is not None and closed.quorum_met is True and closed.organisations.represented == 3
    with db.unit_of_work() as session:
        assert proposals.close_at_closing_time(session, TEAM, proposal_id, now=closes) is None  # once
        session.get(Member, (TEAM, "UBEN")).organisation = "Somewhere Else"
        WorkspaceRepository(session).get(TEAM).quorum = "100 organisations"
    after = state(db, proposal_id)
    assert after.organisations.agreeing_names == ("Youth Hub",), "the record keeps the organisation it had"
    assert after.quorum_met is True and after.quorum == proposals.Quorum(50)


def test_recording_an_outcome_marks_the_issues_it_addresses_changed(db: Database) -> None:
    members(db, {"UALICE": None})
    with db.unit_of_work() as session:
        made = [issues.create_issue(session, TEAM, issues.IssueDraft(title=f"Issue number {n}"), author_id="UALICE",
                                    now=NOW) for n in (1, 2)]
        ids = [issue.id for issue in made]
        before = {issue.id: issue.revision for issue in made}
    proposal_id = make(db, issue_ids=tuple(ids))
    with db.unit_of_work() as session:
        with pytest.raises(NotAllowed):
            proposals.record_outcome(session, TEAM, proposal_id, user_id="UBEN", is_coordinator=False,
                                     outcome="agreed", statement="Agreed.", block_resolution=None, now=NOW)
    with db.unit_of_work() as session:
        decided = proposals.record_outcome(session, TEAM, proposal_id, user_id="UALICE", is_coordinator=False,
                                           outcome="agreed", statement="Agreed.", block_resolution=None, now=NOW)
    assert decided.changed and decided.issue_ids == tuple(ids) and decided.sequence == 1
    with db.unit_of_work() as session:
        assert all(session.get(Issue, i).revision == before[i] + 1 for i in ids)
        shown = issues.card(session, TEAM, ids[0])
    assert shown is not None and [(d.number, d.outcome) for d in shown.summary.decisions] == [(1, "agreed")]


def test_an_issue_removed_from_the_register_leaves_the_proposal(db: Database) -> None:
    members(db, {"UALICE": None})
    with db.unit_of_work() as session:
        issue_id = issues.create_issue(session, TEAM, issues.IssueDraft(title="Issue number 1"), author_id="UALICE",
                                       now=NOW).id
    proposal_id = make(db, issue_ids=(issue_id,))
    with db.unit_of_work() as session:
        session.execute(delete(Issue).where(Issue.id == issue_id))
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(ProposalIssue)) == 0
    assert state(db, proposal_id).issues == ()


def test_waiting_for_a_position_and_response_counts(db: Database) -> None:
    members(db, {"UALICE": None})
    first, second = make(db), make(db, audience=("UBEN",))
    take(db, first, "UBEN", "agree")
    with db.unit_of_work() as session:
        waiting = proposals.awaiting_position(session, TEAM, "UBEN")
        counts = ProposalRepository(session).response_counts([first, second])
    assert [item.id for item in waiting] == [second]
    assert counts == {first: (1, 3), second: (0, 1)}


def test_forgetting_a_member_removes_their_positions_and_unlinks_what_they_made(db: Database) -> None:
    members(db, {"UALICE": "Riverside"})
    proposal_id = make(db)
    take(db, proposal_id, "UALICE", "agree", reason="My reason")
    take(db, proposal_id, "UBEN", "abstain")
    revision = state(db, proposal_id).revision
    with db.unit_of_work() as session:
        exported = proposals.export_personal_data(session, TEAM, "UALICE")
        touched = proposals.forget_personal_data(session, TEAM, "UALICE")
    assert {record.get("position") for record in exported.records} >= {"Agree"} and touched == 2
    after = state(db, proposal_id)
    assert after.author_id is None and after.counts["agree"] == 0 and after.counts["abstain"] == 1
    assert after.revision > revision, "its message is redrawn without them"
    with db.unit_of_work() as session:
        assert ProposalRepository(session).invitee_ids(proposal_id) == {"UBEN", "UCAROL"}
        assert proposals.export_personal_data(session, TEAM, "UALICE").records == []
