"""One Convene hosting many groups: does one clock keep up, and do web workers stay small?

    .venv/bin/python -m bench.hosting [--workspaces 200] [--members 40] [--weeks 2] [--database-url URL]

Seeds WORKSPACES installed workspaces of MEMBERS members each (members spread over five time zones,
each group in its own zone), every one with a weekly prompt at 10:00 on its own weekday and a
weekly digest at 16:00 on another, on PostgreSQL (a fresh database on the local server unless
--database-url is given). The fake Slack on loopback keeps every workspace apart, each with its own
token, and refuses any call made with one workspace's token about another's channel.

The clock is driven through each moment something falls due over WEEKS weeks, as the standing
prompt tick and the digests' cron jobs would run it (digests eight at a time, like the scheduler's
thread pool). It prints, per round: how long after the moment the last workspace's last DM went
(rounds must not queue behind each other), the most messages any one DM channel got in a second
(Slack allows one) and the most Web API calls one workspace made in a minute; the process's RSS
after each week (it must stay flat); and the idle RSS of one `python -m bot web` worker hosting
them all, beside a bare Bolt app's on the same machine.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from slack_sdk.oauth.installation_store import Installation

from bot import jobs
from bot.jobs import digest as digest_jobs
from bot.jobs import prompts as prompt_jobs
from bot.runtime import build_runtime
from bot.scheduler import start
from bot.services import prompts as prompt_service
from storage.db import Database
from storage.migrate import upgrade
from storage.models import PromptDelivery
from storage.repositories.digest import DigestRepository
from storage.repositories.workspaces import WorkspaceRepository
from tests.harness import databases
from tests.harness.bot import SIGNING_SECRET, bot_settings
from tests.harness.clock import ManualClock
from tests.harness.fake_slack import FakeSlack
from tests.harness.hosting import STATE_SECRET

ROOT = Path(__file__).resolve().parents[1]
ZONES = ("Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "Europe/Berlin")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
MONDAY = datetime(2026, 11, 30, tzinfo=timezone.utc)  # the first simulated week
WEB_RSS_LIMIT_MB = 150


def _team(index: int) -> str:
    return f"T{index:05d}"


def _member(index: int, number: int) -> str:
    return f"U{index:05d}M{number:03d}"


def _rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def _database(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    reason = databases.postgres_unreachable_reason()
    if reason is None:
        with databases.fresh_postgres() as fresh:
            yield fresh
        return
    print(f"PostgreSQL unreachable ({reason}): measuring on SQLite instead")
    with tempfile.TemporaryDirectory() as directory, databases.fresh_sqlite(Path(directory)) as fresh:
        yield fresh


def _seed(url: str, fake: FakeSlack, clock: ManualClock, workspaces: int, members: int) -> None:
    db = Database(url)
    try:
        upgrade(db.engine)
        from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

        store = SQLAlchemyInstallationStore(client_id=fake.client_id, engine=db.engine)
        for index in range(workspaces):
            team_id, zone = _team(index), ZONES[index % len(ZONES)]
            added = fake.add_workspace(team_id, team_name=f"Group {index}", bot_user_id=f"UBOT{index:05d}")
            ids = [_member(index, number) for number in range(members)]
            for number, user_id in enumerate(ids):
                fake.add_user(user_id, name=f"m{index}-{number}", tz=ZONES[(index + number) % len(ZONES)],
                              is_admin=number == 0, team_id=team_id)
            channel = f"C{index:05d}"
            fake.add_channel(channel, name=f"group-{index}", members=ids, team_id=team_id)
            store.save(Installation(app_id="A0CONVENE", enterprise_id=None, team_id=team_id,
                                    team_name=added["team_name"], bot_token=added["bot_token"],
                                    bot_id=added["bot_id"], bot_user_id=added["bot_user_id"],
                                    bot_scopes="commands,chat:write", user_id=ids[0]))
            now = clock()
            with db.unit_of_work() as session:
                workspace = WorkspaceRepository(session).get_or_create(team_id, now=now)
                workspace.channel_id, workspace.timezone = channel, zone
                workspace.created_at = now - timedelta(days=30)
                prompt_service.set_schedule(
                    session, team_id, ids[0], prompt_service.parse_schedule(f"weekly {DAYS[index % 5]} 10:00"),
                    now=now, home=ZoneInfo(zone), acting_is_coordinator=True)
                DigestRepository(session).save_settings(team_id, weekday=(index + 2) % 5, hour=16, minute=0,
                                                        enabled=True, channel_id=None, updated_by=ids[0], now=now)
    finally:
        db.dispose()


def _moments(workspaces: int, weeks: int) -> list[tuple[datetime, str, list[str]]]:
    """(moment, "prompts" | "digest", the teams whose digest is due) in time order."""
    events: dict[tuple[datetime, str], list[str]] = defaultdict(list)
    for week in range(weeks):
        monday = MONDAY + timedelta(weeks=week)
        for day in range(5):
            for zone in ZONES:
                local = datetime.combine((monday + timedelta(days=day)).date(), datetime.min.time(), ZoneInfo(zone))
                ten = local.replace(hour=10).astimezone(timezone.utc)
                events[(ten, "prompts")] = []
                events[(ten + timedelta(seconds=prompt_jobs.TICK_SECONDS), "prompts")] = []
        for index in range(workspaces):
            zone = ZoneInfo(ZONES[index % len(ZONES)])
            day = (monday + timedelta(days=(index + 2) % 5)).date()
            four = datetime.combine(day, datetime.min.time(), zone).replace(hour=16).astimezone(timezone.utc)
            events[(four, "digest")].append(_team(index))
    return [(moment, kind, teams) for (moment, kind), teams in sorted(events.items())]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _web_worker_rss(url: str, fake: FakeSlack) -> float:
    """Idle RSS of one gunicorn worker of `python -m bot web` hosting every workspace."""
    port = _free_port()
    env = {"PATH": os.environ["PATH"], "HOME": tempfile.gettempdir(), "PYTHONPATH": str(ROOT), "DATABASE_URL": url,
           "SLACK_API_URL": fake.url, "SLACK_CLIENT_ID": fake.client_id, "SLACK_CLIENT_SECRET": fake.client_secret,
           "SLACK_STATE_SECRET": STATE_SECRET, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "PORT": str(port),
           "WEB_CONCURRENCY": "1", "LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryDirectory() as cwd:
        process = subprocess.Popen([sys.executable, "-m", "bot", "web"], cwd=cwd, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/slack/install", timeout=2):
                        break
                except OSError:
                    time.sleep(0.2)
            time.sleep(2)
            workers = _children(process.pid)
            return max((_rss_mb(pid) for pid in workers), default=0.0)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def _bare_bolt_rss() -> float:
    code = ("from slack_bolt import App\n"
            "app = App(token='xoxb-bench', signing_secret='bench', token_verification_enabled=False)\n"
            "import sys, time\nprint('ready', flush=True)\ntime.sleep(30)\n")
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        process.stdout.readline()
        return _rss_mb(process.pid)
    finally:
        process.kill()
        process.wait()


def run(workspaces: int, members: int, weeks: int, url: str | None) -> int:
    clock = ManualClock(MONDAY - timedelta(days=1))
    fake = FakeSlack(clock=lambda: clock().timestamp()).start()
    ok = True
    try:
        with _database(url) as database_url:
            began = time.monotonic()
            _seed(database_url, fake, clock, workspaces, members)
            print(f"seeded {workspaces} workspaces x {members} members in {time.monotonic() - began:.0f} s "
                  f"({database_url.split(':', 1)[0]})")
            settings = bot_settings(database_url, fake, slack_bot_token=None, slack_client_id=fake.client_id,
                                    slack_client_secret=fake.client_secret, slack_state_secret=STATE_SECRET)
            runtime = build_runtime(settings, scheduler_mode="store-only", clock=clock, sleep=time.sleep)
            start(runtime.scheduler, runtime.scheduler_mode)
            jobs.bind(runtime)
            lags: list[float] = []
            week_rss: list[float] = []
            worst_channel_second = worst_team_minute = 0
            digests = 0
            try:
                moments = _moments(workspaces, weeks)
                week_end = MONDAY + timedelta(weeks=1)
                for moment, kind, teams in moments:
                    if moment >= week_end:
                        week_rss.append(_rss_mb())
                        week_end += timedelta(weeks=1)
                    clock.set(moment)
                    fake.reset()  # the fake keeps what it was sent; only Convene's memory is measured
                    started = time.monotonic()
                    if kind == "prompts":
                        prompt_jobs.tick()
                    else:
                        with ThreadPoolExecutor(max_workers=8) as pool:
                            list(pool.map(digest_jobs.post_due_digest, teams))
                    calls = fake.calls
                    posts = [c for c in calls if c.method == "chat.postMessage" and c.ok]
                    if kind == "digest":
                        digests += len(posts)
                    last_per_team: dict[str, float] = {}
                    for call in posts:
                        if call.team_id:
                            last_per_team[call.team_id] = max(last_per_team.get(call.team_id, 0.0), call.at)
                    if last_per_team:
                        lag = max(last_per_team.values()) - started
                        lags.append(lag)
                        print(f"  {moment:%a %d %b %H:%M} UTC {kind:8} {len(last_per_team):3} workspaces, "
                              f"{len(posts):5} messages, last sent {lag:5.2f} s after the moment")
                    per_channel = Counter((c.args.get("channel"), int(c.at)) for c in posts)
                    per_team = Counter((c.team_id, int(c.at // 60)) for c in calls if c.team_id)
                    worst_channel_second = max([worst_channel_second, *per_channel.values()])
                    worst_team_minute = max([worst_team_minute, *per_team.values()])
                    if fake.problems:
                        print("PROBLEMS from the fake Slack:", *fake.problems[:5], sep="\n  ")
                        ok = False
                week_rss.append(_rss_mb())
            finally:
                jobs.bind(None)
                runtime.close()
            db = Database(database_url)
            try:
                with db.engine.connect() as connection:
                    from sqlalchemy import func, select

                    sent = connection.execute(select(func.count()).select_from(PromptDelivery)
                                              .where(PromptDelivery.status == "sent")).scalar() or 0
            finally:
                db.dispose()
            expected = workspaces * members * weeks
            print(f"prompts delivered       {sent} (want {expected}: each member once a week)")
            print(f"digests posted          {digests} (want {workspaces * weeks})")
            print(f"slowest round           {max(lags):.2f} s from the moment to the last workspace's last DM")
            print(f"busiest DM channel      {worst_channel_second} message(s) in one second (Slack allows 1)")
            print(f"busiest workspace       {worst_team_minute} Web API calls in one minute "
                  "(Slack's tiers allow 20-100+ per method per minute)")
            print("RSS after each week     " + ", ".join(f"{rss:.0f} MB" for rss in week_rss))
            growth = week_rss[-1] - week_rss[0] if len(week_rss) > 1 else 0.0
            web = _web_worker_rss(database_url, fake)
            floor = _bare_bolt_rss()
            print(f"web worker RSS, idle    {web:.0f} MB (limit {WEB_RSS_LIMIT_MB} MB); a bare Bolt app "
                  f"{floor:.0f} MB; ratio {web / max(floor, 1e-9):.2f}")
            ok = (ok and sent == expected and digests == workspaces * weeks and worst_channel_second <= 1
                  and 0 < web < WEB_RSS_LIMIT_MB and growth < max(20.0, 0.1 * week_rss[0]))
            print("OK" if ok else "PROBLEM")
    finally:
        fake.stop()
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspaces", type=int, default=200)
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--weeks", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    return run(args.workspaces, args.members, args.weeks, args.database_url)


if __name__ == "__main__":
    sys.exit(main())
