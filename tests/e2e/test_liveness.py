"""`run` and `clock` say when they are unwell: heartbeats that `python -m bot check` reads, and
`GET /healthz` on HEALTH_PORT."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import system_clock
from storage.db import Database
from storage.models import Heartbeat
from storage.repositories.processes import Heartbeats
from tests.e2e.socket_process import environment, free_port, get, running, wait_for_status
from tests.harness.bot import TEAM_ID
from tests.harness.fake_slack import FakeSlack

pytestmark = pytest.mark.slow


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(team_id=TEAM_ID).start()
    fake.add_user("UALICE", name="alice", real_name="Alice Adams", tz="Europe/London")
    fake.add_channel("CGROUP", name="wg-commissioning", members=["UALICE"])
    fake.enable_socket_mode()
    yield fake
    fake.stop()
    assert not fake.problems, "The bot sent Slack something it would reject:\n" + "\n".join(fake.problems)


def check(home: Path, fake: FakeSlack, database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "check"], cwd=home, capture_output=True, text=True,
                          env=environment(home, fake, database_url), timeout=60)


def heartbeats(db: Database) -> list[Heartbeat]:
    with db.unit_of_work() as session:
        return list(session.scalars(select(Heartbeat).order_by(Heartbeat.process_id)))


def wait_for_heartbeat(db: Database, condition, timeout: float = 10) -> Heartbeat:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        rows = [row for row in heartbeats(db) if condition(row)]
        if rows:
            return rows[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no such heartbeat within {timeout} s: {heartbeats(db)}")
        time.sleep(0.1)


def test_run_keeps_a_heartbeat_that_check_reports_and_serves_healthz(tmp_path: Path, slack: FakeSlack,
                                                                     db: Database) -> None:
    port = free_port()
    health = f"http://127.0.0.1:{port}/healthz"
    with running(tmp_path, slack, db.url, HEALTH_PORT=str(port)) as bot:
        assert wait_for_status(health, 200) == "ok\n"
        row = wait_for_heartbeat(db, lambda r: r.socket_connected)
        assert (row.kind, row.pid, row.hostname, row.scheduler_running) == ("run", bot.pid, socket.gethostname(), True)
        report = check(tmp_path, slack, db.url)
        assert report.returncode == 0, report.stdout
        assert (f"ok       `run` on {socket.gethostname()} (pid {bot.pid}): heartbeat" in report.stdout
                and "Socket Mode connected, scheduler running, database reachable." in report.stdout), report.stdout

        # Slack cannot be reached: the process says so, in /healthz at once and in its heartbeat.
        bot.socket.refuse_connections()
        bot.socket.reset()
        assert wait_for_status(health, 503) == "Socket Mode is not connected\n"
        wait_for_heartbeat(db, lambda r: r.socket_connected is False, timeout=5)
        report = check(tmp_path, slack, db.url)
        assert report.returncode == 1
        assert "PROBLEM  `run`" in report.stdout and "Socket Mode NOT connected" in report.stdout

        bot.socket.refuse_connections(False)
        assert wait_for_status(health, 200, timeout=40) == "ok\n"
        assert get(health.replace("/healthz", "/elsewhere"))[0] == 404
        code, _ = bot.terminate()
    assert code == 0
    assert heartbeats(db) == [], "a process that stopped cleanly left its heartbeat behind"
    assert "No `run` or `clock` process has a heartbeat" in check(tmp_path, slack, db.url).stdout


def test_clock_keeps_a_heartbeat_and_serves_healthz(tmp_path: Path, slack: FakeSlack, db: Database) -> None:
    port = free_port()
    env = environment(tmp_path, slack, db.url, HEALTH_PORT=str(port))
    process = subprocess.Popen([sys.executable, "-m", "bot", "clock"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_for_status(f"http://127.0.0.1:{port}/healthz", 200, timeout=30) == "ok\n"
        # The blocking scheduler starts just after the first heartbeat; the next one says so.
        row = wait_for_heartbeat(db, lambda r: r.kind == "clock" and r.scheduler_running)
        assert (row.pid, row.socket_connected) == (process.pid, None)
        report = check(tmp_path, slack, db.url)
        [line] = [line for line in report.stdout.splitlines() if "`clock` on" in line]
        assert line.startswith(f"  ok       `clock` on {socket.gethostname()} (pid {process.pid}): heartbeat ")
        assert line.endswith(": scheduler running, database reachable.")
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert heartbeats(db) == []


def test_check_says_when_a_heartbeat_is_stale_and_old_ones_do_not_pile_up(tmp_path: Path, slack: FakeSlack,
                                                                           db: Database) -> None:
    # The process under test reads the real clock, so the rows are placed relative to it.
    now = system_clock()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])  # a pid that is surely gone
    gone.wait()
    with db.unit_of_work() as session:
        rows = Heartbeats(session)
        common = {"scheduler_running": True, "socket_connected": True}
        rows.beat("run:elsewhere:41", kind="run", hostname="elsewhere", pid=41, started_at=now - timedelta(hours=2),
                  now=now - timedelta(minutes=10), **common)
        rows.beat("run:elsewhere:40", kind="run", hostname="elsewhere", pid=40, started_at=now - timedelta(days=3),
                  now=now - timedelta(days=2), **common)
        here = socket.gethostname()
        rows.beat(f"run:{here}:{gone.pid}", kind="run", hostname=here, pid=gone.pid,
                  started_at=now - timedelta(hours=1), now=now - timedelta(minutes=5), **common)
    report = check(tmp_path, slack, db.url)
    assert report.returncode == 1
    assert "PROBLEM  `run` on elsewhere (pid 41): last heartbeat 10 min ago, so it is stale" in report.stdout
    assert "pid 40" not in report.stdout, "a heartbeat days old is not news"

    with running(tmp_path, slack, db.url) as bot:
        row = wait_for_heartbeat(db, lambda r: r.pid == bot.pid)
        ids = {r.process_id for r in heartbeats(db)}
        # The crashed process on this host and the day-old one are forgotten; the other host's stays.
        assert ids == {row.process_id, "run:elsewhere:41"}
