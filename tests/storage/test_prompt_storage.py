"""What the database guarantees for prompts, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.services import prompts as service
from storage.db import Database
from storage.models import Prompt, PromptAnswer, PromptDelivery, PromptRound
from storage.repositories.prompts import MAX_SEND_ATTEMPTS, AnswerRepository, DeliveryRepository, PromptRepository

TEAM = "T0STORE"
NOW = datetime(2026, 11, 24, 10, tzinfo=timezone.utc)


def _round(db: Database) -> PromptRound:
    with db.unit_of_work() as session:
        round_ = service.scheduled_round(session, TEAM, date(2026, 11, 24), now=NOW)
        assert round_ is not None
        return round_


def _together(work: Callable[[], None], times: int = 4) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []


def test_one_delivery_per_prompt_member_and_period_is_a_database_constraint(db: Database) -> None:
    round_ = _round(db)
    row = dict(team_id=TEAM, round_id=round_.id, prompt_id=round_.prompt_id, period_key=round_.period_key,
               user_id="U1", status="sent", attempts=1, due_at=NOW, claimed_at=NOW)
    with db.unit_of_work() as session:
        session.add(PromptDelivery(**row))
    with pytest.raises(IntegrityError):
        with db.unit_of_work() as session:
            session.add(PromptDelivery(**row))


def test_a_delivery_is_claimed_once_and_a_failed_one_retried_a_few_times(db: Database) -> None:
    round_ = _round(db)
    with db.unit_of_work() as session:
        deliveries = DeliveryRepository(session)
        first = deliveries.claim(round_, "U1", due_at=NOW, now=NOW)
        assert first is not None
        assert deliveries.claim(round_, "U1", due_at=NOW, now=NOW) is None
    for attempt in range(2, MAX_SEND_ATTEMPTS + 1):
        with db.unit_of_work() as session:
            DeliveryRepository(session).mark_failed(first, error="internal_error", permanent=False)
        with db.unit_of_work() as session:
            assert DeliveryRepository(session).claim(round_, "U1", due_at=NOW, now=NOW) == first
            assert DeliveryRepository(session).get(first).attempts == attempt
    with db.unit_of_work() as session:
        DeliveryRepository(session).mark_failed(first, error="internal_error", permanent=False)
    with db.unit_of_work() as session:
        assert DeliveryRepository(session).claim(round_, "U1", due_at=NOW, now=NOW) is None, "given up"
        second = DeliveryRepository(session).claim(round_, "U2", due_at=NOW, now=NOW)
        DeliveryRepository(session).mark_failed(second, error="user_not_found", permanent=True)
    with db.unit_of_work() as session:
        assert DeliveryRepository(session).claim(round_, "U2", due_at=NOW, now=NOW) is None
        assert DeliveryRepository(session).user_ids_in_round(round_) == {"U1", "U2"}


def test_many_processes_claiming_at_once_leave_one_winner(db: Database) -> None:
    round_ = _round(db)
    wins: list[int] = []

    def claim() -> None:
        with db.unit_of_work() as session:
            won = DeliveryRepository(session).claim(round_, "U1", due_at=NOW, now=NOW)
        if won is not None:
            wins.append(won)

    _together(claim, times=6)
    assert len(wins) == 1


def test_the_bank_and_a_periods_round_are_made_once_however_many_start_them(db: Database) -> None:
    def load_and_start() -> None:
        with db.unit_of_work() as session:
            service.scheduled_round(session, TEAM, date(2026, 12, 1), now=NOW)

    _together(load_and_start)
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Prompt)) == len(service.shipped_bank())
        assert session.scalar(select(func.count()).select_from(PromptRound)) == 1


def test_a_round_takes_the_front_of_the_queue_and_sends_it_to_the_back(db: Database) -> None:
    first = _round(db)
    with db.unit_of_work() as session:
        second = service.scheduled_round(session, TEAM, date(2026, 12, 1), now=NOW + timedelta(days=7))
        queue = [p.id for p in PromptRepository(session).active(TEAM)]
    assert second is not None and second.prompt_id != first.prompt_id
    assert queue[-2:] == [first.prompt_id, second.prompt_id]


def test_a_nudge_is_claimed_once(db: Database) -> None:
    round_ = _round(db)
    with db.unit_of_work() as session:
        delivery_id = DeliveryRepository(session).claim(round_, "U1", due_at=NOW, now=NOW)
    results: list[bool] = []

    def claim() -> None:
        with db.unit_of_work() as session:
            results.append(DeliveryRepository(session).claim_nudge(delivery_id, now=NOW))

    _together(claim)
    assert sorted(results) == [False, False, False, True]


def test_a_message_is_one_answer_however_often_slack_delivers_it(db: Database) -> None:
    round_ = _round(db)
    with db.unit_of_work() as session:
        delivery_id = DeliveryRepository(session).claim(round_, "U1", due_at=NOW, now=NOW)
    answer = dict(team_id=TEAM, delivery_id=delivery_id, prompt_id=round_.prompt_id, user_id="U1",
                  source_key="message:1.000100", channel_id="D1", message_ts="1.000100", text="Short contracts.",
                  credit="anonymous", shareable=False, created_at=NOW, updated_at=NOW)
    with db.unit_of_work() as session:
        assert AnswerRepository(session).add_once(PromptAnswer(**answer)) is True
        assert AnswerRepository(session).add_once(PromptAnswer(**answer)) is False
        assert len(AnswerRepository(session).for_delivery(delivery_id)) == 1
