"""Calls for volunteers on a real database: one answer per member, never more volunteers than asked."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from bot.services import volunteering
from bot.services.errors import InvalidInput, NotAllowed
from bot.services.volunteering import CallRequest
from storage.db import Database
from storage.models import Member, VolunteerCall, VolunteerResponse, Workspace

T = "T0CONVENE"
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


def _seed(db: Database, *user_ids: str) -> None:
    with db.unit_of_work() as session:
        session.add(Workspace(team_id=T, created_at=NOW, updated_at=NOW))
        session.flush()
        for user_id in user_ids:
            session.add(Member(team_id=T, user_id=user_id, name=user_id.lower()))


def _call(db: Database, needed: int, *, deadline: datetime | None = None, by: str = "UPOSTER") -> int:
    with db.unit_of_work() as session:
        call = volunteering.create_call(session, T, "CGROUP", by, CallRequest("Draft the scope", needed, deadline),
                                        now=NOW)
        volunteering.attach_message(session, T, call.id, "1700000000.000100")
    return call.id


def test_one_answer_per_member_per_call_is_a_database_constraint(db: Database) -> None:
    _seed(db, "UPOSTER", "UALICE")
    call_id = _call(db, 2)
    with pytest.raises(IntegrityError):
        with db.unit_of_work() as session:
            for _ in range(2):
                session.add(VolunteerResponse(team_id=T, call_id=call_id, user_id="UALICE", answer="help",
                                              answered_at=NOW))
                session.flush()


def test_a_call_needs_one_to_a_hundred_people(db: Database) -> None:
    _seed(db, "UPOSTER")
    with pytest.raises(IntegrityError):
        with db.unit_of_work() as session:
            session.add(VolunteerCall(team_id=T, channel_id="C1", task="x", needed=0, created_by="UPOSTER",
                                      created_at=NOW, status="open", version=1))


def test_signing_up_twice_counts_once_and_the_last_place_closes_the_call(db: Database) -> None:
    _seed(db, "UPOSTER", "UALICE", "UBEN", "UCAROL")
    call_id = _call(db, 2)

    def answer(user_id: str, given: str = "help") -> volunteering.Answered:
        with db.unit_of_work() as session:
            return volunteering.answer(session, T, call_id, user_id, given, now=NOW)  # type: ignore[arg-type]

    assert answer("UALICE").outcome == "signed_up"
    assert answer("UALICE").outcome == "already_signed_up"
    last = answer("UBEN")
    assert last.outcome == "signed_up" and last.filled_now
    assert last.state.status == "closed" and last.state.close_reason == "filled"
    assert last.state.helpers == ("UALICE", "UBEN")
    assert answer("UCAROL").outcome == "full"
    assert answer("UALICE", "cant").outcome == "closed"  # too late to withdraw from a filled call
    with db.unit_of_work() as session:
        assert volunteering.call_state(session, T, call_id).helpers == ("UALICE", "UBEN")


def test_cant_this_time_withdraws_a_sign_up_while_the_call_is_open(db: Database) -> None:
    _seed(db, "UPOSTER", "UALICE", "UBEN")
    call_id = _call(db, 3)
    with db.unit_of_work() as session:
        volunteering.answer(session, T, call_id, "UALICE", "help", now=NOW)
    with db.unit_of_work() as session:
        assert volunteering.answer(session, T, call_id, "UALICE", "cant", now=NOW).outcome == "withdrew"
    with db.unit_of_work() as session:
        assert volunteering.answer(session, T, call_id, "UBEN", "cant", now=NOW).outcome == "declined"
    with db.unit_of_work() as session:
        state = volunteering.call_state(session, T, call_id)
    assert state.helpers == () and set(state.cant) == {"UALICE", "UBEN"}


def test_concurrent_last_place_sign_ups_never_overfill_the_call(db: Database) -> None:
    people = [f"UPERSON{n}" for n in range(8)]
    _seed(db, "UPOSTER", *people)
    call_id = _call(db, 2)
    with db.unit_of_work() as session:
        volunteering.answer(session, T, call_id, people[0], "help", now=NOW)
    # Seven people race for the one place left.
    start = threading.Barrier(len(people) - 1)
    outcomes: list[volunteering.Answered] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def sign_up(user_id: str) -> None:
        try:
            start.wait(timeout=10)
            with db.unit_of_work() as session:
                result = volunteering.answer(session, T, call_id, user_id, "help", now=NOW)
            with lock:
                outcomes.append(result)
        except BaseException as error:  # collected and re-raised below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=sign_up, args=(user_id,)) for user_id in people[1:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(o.outcome for o in outcomes) == ["full"] * 6 + ["signed_up"]
    assert sum(o.filled_now for o in outcomes) == 1
    with db.unit_of_work() as session:
        state = volunteering.call_state(session, T, call_id)
    assert len(state.helpers) == 2 and state.status == "closed"


def test_only_the_poster_or_a_coordinator_closes_or_extends(db: Database) -> None:
    _seed(db, "UPOSTER", "UALICE", "UBEN")
    call_id = _call(db, 1)
    with pytest.raises(NotAllowed, match="UPOSTER"):
        with db.unit_of_work() as session:
            volunteering.close_call(session, T, call_id, "UALICE", is_coordinator=False, now=NOW)
    with db.unit_of_work() as session:
        state, closed = volunteering.close_call(session, T, call_id, "UALICE", is_coordinator=True, now=NOW)
    assert closed and state.close_reason == "closed" and state.closed_by == "UALICE"
    with db.unit_of_work() as session:
        assert volunteering.close_call(session, T, call_id, "UPOSTER", is_coordinator=False, now=NOW)[1] is False


def test_extending_reopens_a_filled_call_and_cannot_drop_below_the_sign_ups(db: Database) -> None:
    _seed(db, "UPOSTER", "UALICE", "UBEN")
    call_id = _call(db, 1)
    with db.unit_of_work() as session:
        assert volunteering.answer(session, T, call_id, "UALICE", "help", now=NOW).filled_now
    later = NOW + timedelta(days=3)
    with db.unit_of_work() as session:
        state, closed = volunteering.extend_call(session, T, call_id, "UPOSTER", needed=2, deadline=later,
                                                 is_coordinator=False, now=NOW)
    assert state.is_open and not closed and state.deadline == later and state.places_left == 1
    with db.unit_of_work() as session:
        volunteering.answer(session, T, call_id, "UBEN", "help", now=NOW)
        volunteering.extend_call(session, T, call_id, "UPOSTER", needed=3, deadline=None, is_coordinator=False,
                                 now=NOW)
    with pytest.raises(InvalidInput, match="ask for at least 2"):
        with db.unit_of_work() as session:
            volunteering.extend_call(session, T, call_id, "UPOSTER", needed=1, deadline=None, is_coordinator=False,
                                     now=NOW)
    with db.unit_of_work() as session:
        state, closed = volunteering.extend_call(session, T, call_id, "UPOSTER", needed=2, deadline=None,
                                                 is_coordinator=False, now=NOW)
    assert closed and state.close_reason == "filled"


def test_the_deadline_closes_an_open_call_once(db: Database) -> None:
    _seed(db, "UPOSTER")
    deadline = NOW + timedelta(hours=2)
    call_id = _call(db, 2, deadline=deadline)
    with db.unit_of_work() as session:
        assert volunteering.close_at_deadline(session, T, call_id, now=NOW)[1] is False  # not yet
    with db.unit_of_work() as session:
        state, closed = volunteering.close_at_deadline(session, T, call_id, now=deadline)
    assert closed and state is not None and state.close_reason == "deadline"
    with db.unit_of_work() as session:
        assert volunteering.close_at_deadline(session, T, call_id, now=deadline)[1] is False


def test_open_calls_for_the_digest_and_forgetting_a_member(db: Database) -> None:
    _seed(db, "UPOSTER", "UALICE")
    open_id = _call(db, 2)
    closed_id = _call(db, 1)
    with db.unit_of_work() as session:
        volunteering.answer(session, T, open_id, "UALICE", "help", now=NOW)
        volunteering.answer(session, T, closed_id, "UALICE", "help", now=NOW)
    with db.unit_of_work() as session:
        assert [c.id for c in volunteering.open_calls(session, T)] == [open_id]
        exported = volunteering.export_personal_data(session, T, "UALICE")
        assert [r["answer"] for r in exported.records] == ["I'll help", "I'll help"]
        assert len(volunteering.export_personal_data(session, T, "UPOSTER").records) == 2
    with db.unit_of_work() as session:
        assert volunteering.forget_personal_data(session, T, "UALICE") == 2
        assert volunteering.forget_personal_data(session, T, "UPOSTER") == 2
    with db.unit_of_work() as session:
        state = volunteering.call_state(session, T, open_id)
    assert state.helpers == () and state.created_by is None
