"""How long `/meet suggest` takes for a 40-member group over a six-week window.

    .venv/bin/python -m bench.suggest

The group's members have marked availability across the whole week (mornings, afternoons and
evenings, Monday to Sunday, in their own zones), and the group's meeting hours are every day
09:00–21:00, so every part of the week is ranked.

Targets (40 members in three time zones, a few away, on one modest core):
- ranking every 90-minute slot of six weeks (`bot.services.suggest.suggest`) in under 100 ms;
- `/meet suggest 90m next 6 weeks` through the real bot (HTTP mode on loopback, fake Slack,
  SQLite): acknowledged in under a second (Slack allows 3 s), and the suggestions sent in under
  800 ms with the member directory cold (one paged `users.list`) and under 500 ms once it is warm.

Only loopback is used; nothing waits longer than 30 s.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.services.availability import ALL_SLOTS, AvailabilityDraft, DateRange, MemberAvailability, save_availability
from bot.services.meeting_hours import parse_meeting_hours
from bot.services.suggest import Window, suggest
from bot.startup import warm_up
from storage.db import Database
from storage.migrate import upgrade
from storage.repositories.workspaces import WorkspaceRepository
from tests.harness.bot import TEAM_ID, start_bot
from tests.harness.clock import ManualClock
from tests.harness.fake_slack import FakeSlack

ZONES = [ZoneInfo("Europe/London"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")]
NOW = datetime(2026, 11, 24, 9, tzinfo=timezone.utc)
TODAY = date(2026, 11, 24)
MEMBERS = 40
CHANNEL = "CBENCH"
WHOLE_WEEK = "every day 09:00-21:00"


def _pattern(rng: random.Random) -> frozenset[tuple[int, str]]:
    return frozenset(slot for slot in ALL_SLOTS if rng.random() < 0.5)


def _away(rng: random.Random) -> tuple[DateRange, ...]:
    if rng.random() < 0.3:
        start = TODAY + timedelta(days=rng.randrange(40))
        return (DateRange(start, start + timedelta(days=rng.randrange(1, 10))),)
    return ()


def _group(seed: int = 11) -> tuple[list[MemberAvailability], dict[str, str]]:
    rng = random.Random(seed)
    members, organisations = [], {}
    for n in range(MEMBERS):
        user_id = f"U{n:06d}"
        members.append(MemberAvailability(user_id, ZONES[n % len(ZONES)], _pattern(rng), _away(rng)))
        organisations[user_id] = f"Organisation {n % 15}"
    return members, organisations


def _timed(label: str, target_ms: float, work: Callable[[], object], runs: int = 5) -> bool:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    median = statistics.median(times)
    ok = median <= target_ms
    print(f"{'ok  ' if ok else 'SLOW'} {label}: median {median:.1f} ms over {runs} runs (target {target_ms:.0f} ms)")
    return ok


def _ranking() -> list[bool]:
    members, organisations = _group()
    window = Window(TODAY, TODAY + timedelta(days=42), "the next 6 weeks")

    def run() -> object:
        return suggest(members, audience=[m.user_id for m in members], organisations=organisations,
                       length=timedelta(minutes=90), window=window, now=NOW, zone=ZONES[0],
                       hours=parse_meeting_hours(WHOLE_WEEK))

    found = run()
    print(f"info {found.candidates} candidate slots ({WHOLE_WEEK}), best {found.slots[0].score()} free/organisations")
    ok = _timed(f"rank {MEMBERS} members over 6 weeks of 90-minute slots, whole week", 100, run)
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"info ranking peak Python-side memory: {peak / 1024:.0f} KiB")
    return [ok]


def _through_the_bot() -> list[bool]:
    members, organisations = _group()
    results: list[bool] = []
    with tempfile.TemporaryDirectory() as directory, FakeSlack(team_id=TEAM_ID) as fake:
        url = f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        upgrade(Database(url).engine)
        for n, member in enumerate(members):
            fake.add_user(member.user_id, name=f"member{n}", real_name=f"Member {n}", tz=member.zone.key)
        fake.add_channel(CHANNEL, name="wg-bench", members=[m.user_id for m in members])
        clock = ManualClock(NOW)
        bot = start_bot(url, fake, clock=clock)
        try:
            warm_up()
            bot.runtime.directory.ensure_many(TEAM_ID, [m.user_id for m in members])
            with bot.runtime.db.unit_of_work() as session:
                WorkspaceRepository(session).get_or_create(TEAM_ID, now=NOW).meeting_hours = (
                    parse_meeting_hours(WHOLE_WEEK).to_setting())
                for member in members:
                    save_availability(session, TEAM_ID, member.user_id, AvailabilityDraft(
                        slots=member.slots, away=member.away, hours_per_month=None,
                        organisation=organisations[member.user_id], tz_override=None), now=NOW)
            for label, advance in (("cold directory", timedelta(days=2)), ("warm directory", timedelta()),
                                   ("warm directory", timedelta())):
                clock.set(clock() + advance)  # two days on, every member is stale and is refreshed
                before = len(fake.calls_to("response_url"))
                started = time.perf_counter()
                response = bot.slack.command("/meet", "suggest 90m next 6 weeks", user_id=members[0].user_id,
                                             channel_id=CHANNEL)
                acked = time.perf_counter() - started
                fake.wait_for(lambda before=before: len(fake.calls_to("response_url")) > before, timeout=30)
                replied = time.perf_counter() - started
                bot.drain(30)
                reply = fake.calls_to("response_url")[-1].args
                fine = response.status == 200 and "suggest-actions" in str(reply.get("blocks"))
                target = 0.8 if label == "cold directory" else 0.5
                ok = fine and acked < 1.0 and replied < target
                print(f"{'ok  ' if ok else 'SLOW'} /meet suggest 90m next 6 weeks, {MEMBERS} members, {label}: "
                      f"acked in {acked * 1000:.0f} ms, suggestions sent in {replied * 1000:.0f} ms "
                      f"(target {target * 1000:.0f} ms)")
                results.append(ok)
        finally:
            bot.stop()
    return results


def main() -> int:
    results = _ranking() + _through_the_bot()
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
