"""Poll rules that live in the database: one vote per member per option, closing once, queries."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.services import polls
from storage.db import Database
from storage.models import Member, Poll, PollVote
from storage.repositories.polls import PollRepository

NOW = datetime(2026, 11, 24, 9, tzinfo=timezone.utc)
LONDON = ZoneInfo("Europe/London")
TEAM = "T1"


def make_poll(db: Database, *, deadline: datetime | None = None, creator: str = "UALICE") -> tuple[int, list[int]]:
    draft = polls.read_draft("First meeting", ["Tue 1 Dec 10am", "Wed 2 Dec 2-4pm", "Thu 3 Dec"], None,
                             now=NOW, zone=LONDON)
    draft = polls.PollDraft(draft.title, draft.options, deadline)
    with db.unit_of_work() as session:
        poll = polls.create_poll(session, TEAM, creator, "C1", draft, zone_name="Europe/London", now=NOW,
                                 reminder_lead=timedelta(hours=24))
        polls.set_message(session, TEAM, poll.id, "1.1")
        option_ids = [option.id for option in PollRepository(session).options(poll.id)]
        return poll.id, option_ids


def vote(db: Database, poll_id: int, option_id: int, user: str, choice: str) -> polls.VoteResult:
    with db.unit_of_work() as session:
        return polls.record_vote(session, TEAM, poll_id, option_id, user, choice, now=NOW)


def test_one_vote_per_member_per_option_is_a_database_constraint(db: Database) -> None:
    poll_id, (first, *_) = make_poll(db)
    vote(db, poll_id, first, "UBEN", "yes")
    with pytest.raises(IntegrityError):
        with db.unit_of_work() as session:
            session.add(PollVote(team_id=TEAM, poll_id=poll_id, option_id=first, user_id="UBEN", choice="no",
                                 voted_at=NOW, changed_at=NOW))


def test_only_known_answers_can_be_stored(db: Database) -> None:
    poll_id, (first, *_) = make_poll(db)
    with pytest.raises(IntegrityError):
        with db.unit_of_work() as session:
            session.add(PollVote(team_id=TEAM, poll_id=poll_id, option_id=first, user_id="UBEN", choice="perhaps",
                                 voted_at=NOW, changed_at=NOW))


def test_changing_a_vote_updates_the_row_and_the_same_answer_changes_nothing(db: Database) -> None:
    poll_id, (first, *_) = make_poll(db)
    assert vote(db, poll_id, first, "UBEN", "yes").changed
    assert not vote(db, poll_id, first, "UBEN", "yes").changed
    changed = vote(db, poll_id, first, "UBEN", "maybe")
    assert changed.changed and changed.revision == 2
    with db.unit_of_work() as session:
        assert session.scalars(select(PollVote.choice)).all() == ["maybe"]


def test_closing_at_the_deadline_happens_once_and_not_early(db: Database) -> None:
    deadline = NOW + timedelta(days=3)
    poll_id, _ = make_poll(db, deadline=deadline)
    with db.unit_of_work() as session:
        assert polls.close_at_deadline(session, TEAM, poll_id, now=deadline - timedelta(seconds=1)) is None
    with db.unit_of_work() as session:
        closed = polls.close_at_deadline(session, TEAM, poll_id, now=deadline)
        assert closed is not None and closed.status == "closed" and closed.closed_by is None
    with db.unit_of_work() as session:
        assert polls.close_at_deadline(session, TEAM, poll_id, now=deadline) is None


def test_a_closed_poll_takes_no_votes(db: Database) -> None:
    poll_id, (first, *_) = make_poll(db)
    with db.unit_of_work() as session:
        polls.close_poll(session, TEAM, poll_id, user_id="UALICE", is_coordinator=False, now=NOW)
    with pytest.raises(polls.PollClosed):
        vote(db, poll_id, first, "UBEN", "yes")


def test_polls_waiting_for_a_vote_and_response_rates(db: Database) -> None:
    poll_id, (first, *_) = make_poll(db)
    with db.unit_of_work() as session:
        polls.add_invitees(session, TEAM, poll_id, ["UALICE", "UBEN", "UCAROL"])
    vote(db, poll_id, first, "UBEN", "no")
    vote(db, poll_id, first, "UDAN", "yes")  # joined the channel after the poll was posted
    with db.unit_of_work() as session:
        assert [s.poll_id for s in polls.awaiting_vote(session, TEAM, "UCAROL")] == [poll_id]
        assert polls.awaiting_vote(session, TEAM, "UBEN") == []
        [summary] = polls.open_polls(session, TEAM, channel_id="C1")
    assert (summary.voters, summary.invited) == (2, 4)
    assert summary.response_rate == 0.5


def test_upcoming_meetings_for_the_digest(db: Database) -> None:
    poll_id, options = make_poll(db)
    with db.unit_of_work() as session:
        assert polls.next_meeting(session, TEAM, now=NOW) is None
        polls.decide_poll(session, TEAM, poll_id, options[2], user_id="UALICE", is_coordinator=False, now=NOW)
    with db.unit_of_work() as session:
        meeting = polls.next_meeting(session, TEAM, now=NOW)
        assert meeting is not None and meeting.all_day and meeting.title == "First meeting"
        this_week = polls.decided_since(session, TEAM, since=NOW - timedelta(days=7), now=NOW)
        assert [m.poll_id for m in this_week] == [poll_id]
        # A whole-day meeting is upcoming until its day is over.
        assert polls.next_meeting(session, TEAM, now=datetime(2026, 12, 3, 20, tzinfo=timezone.utc)) is not None
        assert polls.next_meeting(session, TEAM, now=datetime(2026, 12, 4, 1, tzinfo=timezone.utc)) is None


def test_forgetting_a_member_deletes_their_votes_and_unnames_their_polls(db: Database) -> None:
    poll_id, (first, second, _) = make_poll(db)
    other_id, (other_first, *_) = make_poll(db, creator="UBEN")
    vote(db, other_id, other_first, "UALICE", "yes")
    vote(db, poll_id, second, "UBEN", "yes")
    with db.unit_of_work() as session:
        session.add(Member(team_id=TEAM, user_id="UALICE", name="alice", real_name="", display_name="",
                           is_admin=False, is_owner=False, is_bot=False, deleted=False))
    with db.unit_of_work() as session:
        before = {poll.id: poll.revision for poll in session.scalars(select(Poll))}
        exported = polls.export_poll_data(session, TEAM, "UALICE")
    assert {r.get("vote") for r in exported.records} >= {"Yes"}
    assert any(r.get("created_poll") == "First meeting" for r in exported.records)
    with db.unit_of_work() as session:
        assert polls.forget_poll_data(session, TEAM, "UALICE") == 2
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(PollVote).where(PollVote.user_id == "UALICE")) == 0
        assert session.scalar(select(func.count()).select_from(PollVote)) == 1
        mine = session.get(Poll, poll_id)
        assert mine is not None and mine.creator_id is None
        after = {poll.id: poll.revision for poll in session.scalars(select(Poll))}
        assert after[poll_id] > before[poll_id] and after[other_id] > before[other_id]
        assert polls.export_poll_data(session, TEAM, "UALICE").records == []


def test_an_anonymous_polls_state_holds_counts_and_nothing_about_who(db: Database) -> None:
    poll_id, (first, second, _third) = make_poll(db)
    with db.unit_of_work() as session:
        session.add(Member(team_id=TEAM, user_id="UBEN", name="ben", real_name="Ben Brown",
                           organisation="Eastside Youth Project"))
        session.add(Member(team_id=TEAM, user_id="UCAROL", name="carol", real_name="Carol Cole",
                           organisation="Riverside Trust"))
        session.get(Poll, poll_id).anonymous = True
    vote(db, poll_id, first, "UBEN", "yes")
    vote(db, poll_id, first, "UCAROL", "yes")
    vote(db, poll_id, second, "UCAROL", "no")
    with db.unit_of_work() as session:
        state = polls.load_state(session, TEAM, poll_id)
        assert polls.unnamed_people(session, TEAM, poll_id) == ["UALICE"], "only the creator is ever named"
    assert state is not None
    option = state.option(first)
    assert (option.yes, option.organisation_count) == (2, 2)
    assert option.yes_names == () and option.organisations == ()
    assert "UBEN" not in repr(state) and "Ben" not in repr(state) and "Eastside" not in repr(state)
    with db.unit_of_work() as session:
        session.get(Poll, poll_id).anonymous = False
    with db.unit_of_work() as session:
        named = polls.load_state(session, TEAM, poll_id)
    assert named is not None and named.option(first).organisations == ("Eastside Youth Project", "Riverside Trust")
