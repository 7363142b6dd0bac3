"""The delivery ledger: events once, dispatches once, on both databases."""

from __future__ import annotations

import threading
from datetime import timedelta

from storage.db import Database
from storage.repositories.ledger import DispatchLedger, EventLedger
from tests.harness.clock import ManualClock


def test_an_event_is_recorded_once(db: Database, clock: ManualClock) -> None:
    with db.unit_of_work() as session:
        assert EventLedger(session).record("T1", "Ev001", now=clock()) is True
    with db.unit_of_work() as session:
        assert EventLedger(session).record("T1", "Ev001", now=clock()) is False
        assert EventLedger(session).record("T2", "Ev001", now=clock()) is True


def test_old_events_are_pruned(db: Database, clock: ManualClock) -> None:
    with db.unit_of_work() as session:
        EventLedger(session).record("T1", "EvOld", now=clock() - timedelta(days=8))
        EventLedger(session).record("T1", "EvNew", now=clock())
    with db.unit_of_work() as session:
        assert EventLedger(session).prune(before=clock() - timedelta(days=7)) == 1
    with db.unit_of_work() as session:
        assert EventLedger(session).record("T1", "EvNew", now=clock()) is False


def test_a_dispatch_is_claimed_once_and_a_failed_one_can_be_retried(db: Database, clock: ManualClock) -> None:
    with db.unit_of_work() as session:
        assert DispatchLedger(session).claim("T1", "reminder:1:U1", now=clock())
    with db.unit_of_work() as session:
        assert not DispatchLedger(session).claim("T1", "reminder:1:U1", now=clock())
        DispatchLedger(session).mark_failed("T1", "reminder:1:U1", error="channel_not_found")
    with db.unit_of_work() as session:
        assert DispatchLedger(session).claim("T1", "reminder:1:U1", now=clock())
        DispatchLedger(session).mark_sent("T1", "reminder:1:U1", channel_id="D1", ts="1.2", now=clock())
    with db.unit_of_work() as session:
        assert not DispatchLedger(session).claim("T1", "reminder:1:U1", now=clock())
        sent = DispatchLedger(session).get("T1", "reminder:1:U1")
        assert sent is not None and (sent.status, sent.ts, sent.error) == ("sent", "1.2", None)


def test_concurrent_claims_have_exactly_one_winner(db: Database, clock: ManualClock) -> None:
    winners: list[bool] = []
    barrier = threading.Barrier(8)

    def claim() -> None:
        barrier.wait()
        with db.unit_of_work() as session:
            winners.append(DispatchLedger(session).claim("T1", "digest:2026-W48", now=clock()))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(winners) == [False] * 7 + [True]


def test_old_dispatches_are_pruned(db: Database, clock: ManualClock) -> None:
    with db.unit_of_work() as session:
        DispatchLedger(session).claim("T1", "poll-reminder:1:U1", now=clock() - timedelta(days=200))
        DispatchLedger(session).claim("T1", "poll-reminder:2:U1", now=clock() - timedelta(days=2))
    with db.unit_of_work() as session:
        assert DispatchLedger(session).prune(before=clock() - timedelta(days=180)) == 1
        assert DispatchLedger(session).get("T1", "poll-reminder:2:U1") is not None


def test_forgetting_a_member_forgets_what_was_sent_to_them_only(db: Database, clock: ManualClock) -> None:
    with db.unit_of_work() as session:
        ledger = DispatchLedger(session)
        for key in ("poll-reminder:1:U1", "nudge:U1:2026-W48", "poll-reminder:1:U10", "digest:2026-11-27"):
            ledger.claim("T1", key, now=clock())
        ledger.claim("T2", "poll-reminder:1:U1", now=clock())
    with db.unit_of_work() as session:
        assert DispatchLedger(session).forget_member("T1", "U1") == 2
    with db.unit_of_work() as session:
        ledger = DispatchLedger(session)
        assert ledger.get("T1", "poll-reminder:1:U10") is not None and ledger.get("T1", "digest:2026-11-27") is not None
        assert ledger.get("T2", "poll-reminder:1:U1") is not None
