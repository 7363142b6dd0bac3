"""The Procfile's processes, started as real subprocesses against the fake Slack."""

from __future__ import annotations

import html
import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.jobs import housekeeping
from bot.runtime import build_runtime
from bot.scheduler import start
from storage.db import Database
from storage.migrate import pending_revisions
from storage.repositories.ledger import EventLedger
from tests.harness.bot import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, TEAM_ID, bot_settings
from tests.harness.clock import ManualClock
from tests.harness.fake_slack import FakeSlack
from tests.harness.hosting import STATE_SECRET, get
from tests.harness.processes import clean_env, convene
from tests.harness.signed import SlackSender

pytestmark = pytest.mark.slow


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    return clean_env(tmp_path, **values)


def _convene(tmp_path: Path, *args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return convene(tmp_path, *args, env=env, timeout=timeout)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_check_fails_clearly_without_tokens(tmp_path: Path, db: Database) -> None:
    result = _convene(tmp_path, "check", env=_env(tmp_path, DATABASE_URL=db.url))
    assert result.returncode == 1
    assert "SLACK_BOT_TOKEN is not set" in result.stdout
    assert "Neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP mode) is set" in result.stdout
    assert "Convene is not ready" in result.stdout


def test_check_names_a_malformed_setting_in_one_line(tmp_path: Path) -> None:
    result = _convene(tmp_path, "check", env=_env(tmp_path, CONVENE_TIMEZONE="Atlantis/Capital"))
    assert result.returncode == 1
    problems = [line for line in result.stdout.splitlines() if "PROBLEM" in line]
    assert problems == ["  PROBLEM  CONVENE_TIMEZONE must be an IANA time zone such as Europe/London."]


def test_check_passes_against_the_fake_slack(tmp_path: Path, db: Database, fake: FakeSlack) -> None:
    env = _env(tmp_path, DATABASE_URL=db.url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN,
               SLACK_API_URL=fake.url, CONVENE_CHANNEL="CGROUP")
    result = _convene(tmp_path, "check", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SLACK_BOT_TOKEN works" in result.stdout and "Convene is ready" in result.stdout
    assert [call.method for call in fake.calls] == ["auth.test"]
    assert BOT_TOKEN not in result.stdout + result.stderr


def test_check_reports_a_refused_token(tmp_path: Path, db: Database, fake: FakeSlack) -> None:
    fake.fail_next("auth.test", error="invalid_auth")
    env = _env(tmp_path, DATABASE_URL=db.url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
               SLACK_API_URL=fake.url)
    result = _convene(tmp_path, "check", env=env)
    assert result.returncode == 1
    assert "SLACK_BOT_TOKEN was refused by Slack (invalid_auth)" in result.stdout


def test_run_refuses_to_start_without_the_app_token(tmp_path: Path) -> None:
    result = _convene(tmp_path, "run", env=_env(tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "convene: SLACK_APP_TOKEN is not set: it should hold the app-level token, xapp-…, for Socket Mode."
    )


def test_migrate_creates_the_schema_on_an_empty_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    result = _convene(tmp_path, "migrate", env=_env(tmp_path, DATABASE_URL=url))
    assert result.returncode == 0, result.stderr
    fresh = Database(url)
    try:
        assert pending_revisions(fresh.engine) == []
    finally:
        fresh.dispose()


@pytest.fixture
def web_process(tmp_path: Path, db: Database, fake: FakeSlack) -> Iterator[str]:
    yield from _web(tmp_path, db, fake, SLACK_BOT_TOKEN=BOT_TOKEN)


@pytest.fixture
def hosting_web_process(tmp_path: Path, db: Database, fake: FakeSlack) -> Iterator[str]:
    """`web` hosting many workspaces: no bot token, the three "Add to Slack" variables."""
    yield from _web(tmp_path, db, fake, SLACK_CLIENT_ID=fake.client_id, SLACK_CLIENT_SECRET=fake.client_secret,
                    SLACK_STATE_SECRET=STATE_SECRET)


def _web(tmp_path: Path, db: Database, fake: FakeSlack, **values: str) -> Iterator[str]:
    port = _free_port()
    env = _env(tmp_path, DATABASE_URL=db.url, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.url,
               PORT=str(port), WEB_CONCURRENCY="2", **values)
    process = subprocess.Popen([sys.executable, "-m", "bot", "web"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                # Refused, reset, or timed out: gunicorn listens before its workers have loaded the
                # app, and the connection waits in the backlog until one has.
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read() if process.stdout else ""
                pytest.fail(f"`python -m bot web` did not come up:\n{output}")
            time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_web_answers_signed_convene_help_under_gunicorn(web_process: str, fake: FakeSlack) -> None:
    sender = SlackSender(web_process, SIGNING_SECRET, team_id=TEAM_ID)
    response = sender.command("/convene", "help", user_id="UALICE")
    assert response.status == 200
    assert "/convene coordinators list" in json.dumps(response.json()["blocks"])
    assert sender.raw(b"command=%2Fconvene", "application/x-www-form-urlencoded", signature="v0=bad").status == 401


def test_web_hosting_many_workspaces_installs_them_and_serves_each(hosting_web_process: str, fake: FakeSlack,
                                                                   db: Database, tmp_path: Path) -> None:
    fake.redirect_uri = f"{hosting_web_process}/slack/oauth_redirect"
    for team_id in ("T0ALDER", "T0BIRCH"):
        # Two workers: the install page may come from one and the redirect reach the other.
        page = get(f"{hosting_web_process}/slack/install")
        link = html.unescape(re.search(r'href="([^"]*oauth/v2/authorize[^"]*)"', page.text).group(1))
        cookie = page.headers["set-cookie"].split(";", 1)[0]
        done = get(fake.approve(link, team_id, user_id="UINSTALLER"), cookie=cookie)
        assert done.status == 200 and "Convene is installed" in done.text, done.text
        sender = SlackSender(hosting_web_process, SIGNING_SECRET, team_id=team_id,
                             bot_user_id=fake.workspace(team_id)["bot_user_id"])
        response = sender.command("/convene", "help", user_id="UINSTALLER")
        assert response.status == 200 and "/convene coordinators list" in response.text
    stranger = SlackSender(hosting_web_process, SIGNING_SECRET, team_id="T0CEDAR")
    assert "/convene coordinators list" not in stranger.command("/convene", "help", user_id="UCEDAR").text

    env = _env(tmp_path, DATABASE_URL=db.url, SLACK_API_URL=fake.url, SLACK_CLIENT_ID=fake.client_id,
               SLACK_CLIENT_SECRET=fake.client_secret, SLACK_STATE_SECRET=STATE_SECRET)
    checked = _convene(tmp_path, "check", env=env)
    assert "2 workspace(s) have installed Convene" in checked.stdout, checked.stdout
    ran = _convene(tmp_path, "clock", "--once", env=env)
    assert ran.returncode == 0, ran.stderr
    assert "Traceback" not in ran.stderr, ran.stderr


def test_run_will_not_host_many_workspaces(tmp_path: Path) -> None:
    result = _convene(tmp_path, "run", env=_env(tmp_path, SLACK_CLIENT_ID="1111.2222", SLACK_APP_TOKEN=APP_TOKEN,
                                                 SLACK_CLIENT_SECRET="fake-client-secret",
                                                 SLACK_STATE_SECRET=STATE_SECRET))
    assert result.returncode == 2
    assert "hosting many workspaces needs HTTP mode" in result.stderr


def test_web_names_the_missing_add_to_slack_variable(tmp_path: Path) -> None:
    result = _convene(tmp_path, "web", env=_env(tmp_path, SLACK_CLIENT_ID="1111.2222",
                                                 SLACK_SIGNING_SECRET=SIGNING_SECRET))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("convene: SLACK_CLIENT_SECRET is not set")


def test_clock_once_runs_a_job_a_web_worker_stored(tmp_path: Path, db: Database, fake: FakeSlack) -> None:
    clock = ManualClock("2026-11-24T09:00:00+00:00")
    with db.unit_of_work() as session:
        EventLedger(session).record(TEAM_ID, "EvAncient", now=clock() - housekeeping.KEEP_EVENTS_FOR * 2)
    # A web worker's scheduler only writes jobs to the store; the clock runs them.
    worker = build_runtime(bot_settings(db.url, fake), scheduler_mode="store-only", clock=clock)
    start(worker.scheduler, worker.scheduler_mode)
    # The clock process reads the real time: the job fell due a minute ago.
    worker.jobs.at("test:prune", housekeeping.prune_processed_events, datetime.now(timezone.utc) - timedelta(minutes=1))
    worker.close()

    env = _env(tmp_path, DATABASE_URL=db.url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake.url)
    result = _convene(tmp_path, "clock", "--once", env=env)
    assert result.returncode == 0, result.stderr
    with db.unit_of_work() as session:
        assert EventLedger(session).record(TEAM_ID, "EvAncient", now=clock()) is True, "the old event was not pruned"
    assert "test:prune" not in _stored_job_ids(db)


def _stored_job_ids(db: Database) -> set[str]:
    with db.engine.connect() as connection:
        return set(connection.execute(text("SELECT id FROM apscheduler_jobs")).scalars())


def test_run_migrates_and_connects_in_socket_mode(tmp_path: Path, fake: FakeSlack) -> None:
    url = f"sqlite:///{tmp_path / 'run.sqlite3'}"
    env = _env(tmp_path, DATABASE_URL=url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN,
               SLACK_API_URL=fake.url, LOG_LEVEL="DEBUG")  # tokens stay out of even the most talkative logs
    process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        fake.wait_for(lambda: fake.calls_to("apps.connections.open"), timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    opened = fake.calls_to("apps.connections.open")[0]
    assert opened.token == APP_TOKEN
    assert process.returncode == 0, output
    assert BOT_TOKEN not in output and APP_TOKEN not in output
    assert {"housekeeping:wake", "housekeeping:prune-events"} <= _stored_job_ids(Database(url))


def test_check_on_a_fresh_install_says_run_will_migrate(tmp_path: Path, fake: FakeSlack) -> None:
    env = _env(tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN, SLACK_API_URL=fake.url)
    result = _convene(tmp_path, "check", env=env)
    assert result.returncode == 0, result.stdout
    assert "`python -m bot run` applies them as it starts" in result.stdout
    assert result.stderr == "", "check prints its report and nothing else"
