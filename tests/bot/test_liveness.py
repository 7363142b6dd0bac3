"""Liveness: what a heartbeat says, what /healthz answers, and which old heartbeats are forgotten."""

from __future__ import annotations

import os
import socket
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.jobs import housekeeping
from bot.liveness import STALE_AFTER, Health, HealthServer, Liveness, describe, forget_dead, scheduler_running
from storage.db import Database
from storage.models import Heartbeat
from storage.repositories.processes import Heartbeats
from tests.harness.bot import BotUnderTest
from tests.harness.clock import ManualClock


def answer(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def scheduler():  # type: ignore[no-untyped-def]
    scheduler = BackgroundScheduler()
    scheduler.start()
    yield scheduler
    if scheduler.running:
        scheduler.shutdown(wait=False)


def test_health_names_each_thing_that_is_wrong() -> None:
    assert Health(socket_connected=True, scheduler_running=True, database_reachable=True).ok
    assert Health(socket_connected=None, scheduler_running=True, database_reachable=True).ok  # clock: no socket
    unwell = Health(socket_connected=False, scheduler_running=False, database_reachable=False)
    assert unwell.problems == ["Socket Mode is not connected", "the scheduler is not running",
                               "the database is unreachable"]


def test_a_paused_stopped_or_dead_scheduler_is_not_running(scheduler: BackgroundScheduler) -> None:
    assert scheduler_running(scheduler)
    scheduler.pause()
    assert not scheduler_running(scheduler)
    scheduler.resume()
    scheduler.shutdown(wait=False)
    assert not scheduler_running(scheduler)


def test_healthz_answers_200_only_when_all_three_hold() -> None:
    state = {"health": Health(socket_connected=True, scheduler_running=True, database_reachable=True)}
    server = HealthServer(0, lambda: state["health"], host="127.0.0.1")
    server.start()
    try:
        url = f"http://127.0.0.1:{server.port}/healthz"
        assert answer(url) == (200, "ok\n")
        state["health"] = Health(socket_connected=True, scheduler_running=False, database_reachable=True)
        assert answer(url) == (503, "the scheduler is not running\n")
        assert answer(f"http://127.0.0.1:{server.port}/slack/events")[0] == 404
    finally:
        server.stop()


def test_a_heartbeat_that_cannot_be_written_means_the_database_is_unreachable(
        tmp_path: Path, scheduler: BackgroundScheduler, db: Database) -> None:
    clock = ManualClock()
    broken = Database(f"sqlite:///{tmp_path / 'missing' / 'nowhere.sqlite3'}")
    liveness = Liveness("clock", db=broken, clock=clock, scheduler=scheduler)
    assert liveness.beat().problems == ["the database is unreachable"]

    working = Liveness("run", db=db, clock=clock, scheduler=scheduler, socket_connected=lambda: False)
    assert working.beat().problems == ["Socket Mode is not connected"]
    with db.unit_of_work() as session:
        [row] = Heartbeats(session).recent(since=clock() - timedelta(minutes=1))
        assert (row.process_id, row.socket_connected, row.detail) == (
            f"run:{socket.gethostname()}:{os.getpid()}", False, "Socket Mode is not connected")
    working.stop()
    with db.unit_of_work() as session:
        assert Heartbeats(session).recent(since=clock() - timedelta(days=1)) == []


def test_check_describes_well_unwell_and_stale_processes() -> None:
    now = ManualClock()()
    row = Heartbeat(process_id="run:host:7", kind="run", hostname="host", pid=7, started_at=now - timedelta(hours=1),
                    beat_at=now - timedelta(seconds=4), socket_connected=True, scheduler_running=True)
    assert describe(row, now=now) == (True, "`run` on host (pid 7): heartbeat 4 s ago: Socket Mode connected, "
                                            "scheduler running, database reachable.")
    row.socket_connected = False
    assert describe(row, now=now)[0] is False and "Socket Mode NOT connected" in describe(row, now=now)[1]
    row.beat_at = now - STALE_AFTER - timedelta(seconds=1)
    well, line = describe(row, now=now)
    assert not well and "stale" in line


def test_heartbeats_of_processes_that_are_gone_are_forgotten(db: Database) -> None:
    now = ManualClock()()
    here = socket.gethostname()
    with db.unit_of_work() as session:
        beats = Heartbeats(session)
        values = {"socket_connected": None, "scheduler_running": True, "started_at": now - timedelta(days=3)}
        beats.beat(f"clock:{here}:{os.getpid()}", kind="clock", hostname=here, pid=os.getpid(), now=now, **values)
        beats.beat(f"clock:{here}:999999999", kind="clock", hostname=here, pid=999_999_999, now=now, **values)
        beats.beat("clock:other:5", kind="clock", hostname="other", pid=5, now=now - timedelta(hours=2), **values)
        beats.beat("clock:other:6", kind="clock", hostname="other", pid=6, now=now - timedelta(days=2), **values)
    with db.unit_of_work() as session:
        assert forget_dead(session, now=now, hostname=here) == 2
    with db.unit_of_work() as session:
        left = {row.process_id for row in Heartbeats(session).recent(since=now - timedelta(days=30))}
    # This process is alive; another host's pids cannot be checked from here, so only age removes them.
    assert left == {f"clock:{here}:{os.getpid()}", "clock:other:5"}


def test_the_housekeeping_job_forgets_day_old_heartbeats(bot: BotUnderTest) -> None:
    now = bot.clock()
    with bot.runtime.db.unit_of_work() as session:
        beats = Heartbeats(session)
        for pid, age in ((5, timedelta(hours=2)), (6, timedelta(days=2))):
            beats.beat(f"run:other:{pid}", kind="run", hostname="other", pid=pid, started_at=now - age,
                       now=now - age, socket_connected=True, scheduler_running=True)
    housekeeping.prune_heartbeats()
    with bot.runtime.db.unit_of_work() as session:
        assert [row.pid for row in Heartbeats(session).recent(since=now - timedelta(days=30))] == [5]
