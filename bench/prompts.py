"""How long a prompt takes to reach a large group when Slack rate-limits us, and whether other jobs wait.

    .venv/bin/python -m bench.prompts [--members 500] [--share 0.15] [--retry-after 0] [--database-url URL]

Loopback only: a FakeSlack on 127.0.0.1 answers HTTP 429 (with `Retry-After`) to a share of every
Web API call; the bot's client really sleeps it out. `/prompt send now` is modelled exactly: the
fan-out job runs on the scheduler's fan-out executor in a background scheduler whose job store is
the database, while a probe job on the default executor ticks every 0.2 s. The run is bounded by
--timeout. It prints the time to deliver, calls and 429s, DMs per member (must be exactly one),
and the longest gap between probe runs (the scheduler's other jobs must keep running).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from itertools import pairwise
from pathlib import Path

from sqlalchemy import func, select

from bot import jobs
from bot.jobs import prompts as prompt_jobs
from bot.runtime import build_runtime
from bot.scheduler import FANOUT_EXECUTOR, start
from bot.services import prompts as service
from storage.db import Database
from storage.migrate import upgrade
from storage.models import PromptDelivery
from storage.repositories.workspaces import WorkspaceRepository
from tests.harness.bot import TEAM_ID, bot_settings
from tests.harness.fake_slack import FakeSlack

COORDINATOR = "UCOORD"
CHANNEL = "CBENCH"
PROBE_EVERY = 0.2
_probe_runs: list[float] = []


def probe() -> None:
    """A stand-in for every other scheduled job (poll closes, digests): records when it ran."""
    _probe_runs.append(time.monotonic())


def _prepare(url: str, fake: FakeSlack, members: int) -> list[str]:
    ids = [f"UB{index:05d}" for index in range(members)]
    zones = ("Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney")
    for index, user_id in enumerate(ids):
        fake.add_user(user_id, name=f"member{index}", tz=zones[index % len(zones)])
    fake.add_user(COORDINATOR, name="coordinator", tz="Europe/London", is_admin=True)
    fake.add_channel(CHANNEL, name="wg-bench", members=ids + [COORDINATOR])
    db = Database(url)
    try:
        upgrade(db.engine)
        with db.unit_of_work() as session:
            WorkspaceRepository(session).get_or_create(TEAM_ID, now=datetime.now(timezone.utc)).channel_id = CHANNEL
    finally:
        db.dispose()
    return ids


def run(members: int, share: float, retry_after: int, url: str, timeout: float) -> int:
    fake = FakeSlack().start()
    try:
        ids = _prepare(url, fake, members)
        runtime = build_runtime(bot_settings(url, fake), scheduler_mode="background")
        jobs.bind(runtime)
        start(runtime.scheduler, "background")
        try:
            runtime.directory.ensure(TEAM_ID, COORDINATOR)
            with runtime.db.unit_of_work() as session:
                started = service.start_manual_round(session, TEAM_ID, COORDINATOR, 1, now=runtime.clock(),
                                                     home=runtime.home_zone, acting_is_coordinator=True)
            runtime.jobs.every("bench:probe", probe, 1)  # replaced below with a sub-second trigger
            runtime.scheduler.reschedule_job("bench:probe", trigger="interval", seconds=PROBE_EVERY)
            fake.rate_limit_share(share, retry_after=retry_after, seed=7)
            calls_before = len(fake.calls)
            began = time.monotonic()
            runtime.jobs.at(f"prompts:round:{started.round_id}", prompt_jobs.deliver_round, runtime.clock(), TEAM_ID,
                            started.round_id, misfire_grace_time=None, executor=FANOUT_EXECUTOR)
            finished = _wait_for_report(fake, began + timeout)
            elapsed = time.monotonic() - began
            fake.rate_limit_share(0)
        finally:
            jobs.bind(None)
            runtime.close()
        with Database(url).engine.connect() as connection:
            statuses = dict(connection.execute(select(PromptDelivery.status, func.count())
                                               .group_by(PromptDelivery.status)).all())
        calls = fake.calls[calls_before:]
        dms = Counter(c.args.get("channel") for c in calls
                      if c.method == "chat.postMessage" and c.ok and "A question" in str(c.args.get("text", "")))
        limited = sum(1 for c in calls if c.status == 429)
        window = [t for t in _probe_runs if began <= t <= began + elapsed]
        gaps = [b - a for a, b in pairwise(window)]
        per_member = Counter(dms.get(user_id, 0) for user_id in ids + [COORDINATOR])
        print(f"members                 {members + 1} (the channel, including the coordinator)")
        print(f"429 share / Retry-After {share:.0%} of every call / {retry_after} s (+ up to 0.5 s jitter)")
        print(f"delivered in            {elapsed:.1f} s{'' if finished else ' (TIMED OUT)'}"
              f" = {sum(dms.values()) / max(elapsed, 1e-9):.0f} DMs/s")
        print(f"Web API calls           {len(calls)}, of which 429: {limited}")
        print(f"DMs per member          {dict(sorted(per_member.items()))}  (want {{1: {members + 1}}})")
        print(f"delivery rows           {statuses}")
        if gaps:
            print(f"probe job (every {PROBE_EVERY}s) ran {len(window)} times during the fan-out; "
                  f"longest gap {max(gaps):.2f} s, median {statistics.median(gaps):.2f} s")
        ok = finished and per_member == Counter({1: members + 1}) and (not gaps or max(gaps) < 2.0)
        print("OK" if ok else "PROBLEM")
        return 0 if ok else 1
    finally:
        fake.stop()


def _wait_for_report(fake: FakeSlack, deadline: float) -> bool:
    """The coordinator's "went to N members" DM is the fan-out's last act."""
    while time.monotonic() < deadline:
        if any("went to" in m["text"] for m in fake.messages(COORDINATOR)):
            return True
        time.sleep(0.05)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--share", type=float, default=0.15, help="share of Web API calls answered 429")
    parser.add_argument("--retry-after", type=int, default=0, help="seconds in each 429's Retry-After")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    parser.add_argument("--timeout", type=float, default=180.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        return run(args.members, args.share, args.retry_after, url, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
