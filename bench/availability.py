"""How long the group's week takes to compute and draw, and how fast sign-ups are counted.

    python -m bench.availability

Targets (a 40-member group, three time zones, on one modest core):
- the heat map's numbers in under 150 ms and its PNG in under 150 ms, so `/availability team`
  answers well within a second after Slack's 3 s ack;
- "who is free" for every 30-minute slot of a fortnight (what `/meet suggest` will ask) in under
  a second;
- 40 members racing for the last places of a call on SQLite: no overfilling, under 2 s in all.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.services import volunteering
from bot.services.availability import ALL_SLOTS, DateRange, MemberAvailability, week_grid, who_is_free
from bot.services.volunteering import CallRequest
from bot.views.heatmap import render_heat_map
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Member, Workspace

ZONES = [ZoneInfo("Europe/London"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")]
MONDAY = date(2026, 11, 23)


def _group(size: int = 40, seed: int = 7) -> list[MemberAvailability]:
    rng = random.Random(seed)
    members = []
    for n in range(size):
        slots = frozenset(slot for slot in ALL_SLOTS if rng.random() < 0.4)
        away = (DateRange(MONDAY + timedelta(days=rng.randrange(14)), MONDAY + timedelta(days=rng.randrange(14, 20))),)
        members.append(MemberAvailability(f"U{n:06d}", ZONES[n % len(ZONES)], slots, away, rng.randrange(0, 20)))
    return members


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


def _fortnight_of_slots(members: list[MemberAvailability]) -> int:
    start = datetime(2026, 11, 23, tzinfo=timezone.utc)
    best = 0
    for step in range(14 * 48):
        slot = start + timedelta(minutes=30 * step)
        best = max(best, len(who_is_free(members, slot, slot + timedelta(minutes=90)).free))
    return best


def _sign_up_race(people: int = 40, places: int = 5) -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as directory:
        db = Database(f"sqlite:///{Path(directory) / 'bench.sqlite3'}")
        upgrade(db.engine)
        now = datetime(2026, 11, 24, 9, tzinfo=timezone.utc)
        with db.unit_of_work() as session:
            session.add(Workspace(team_id="T", created_at=now, updated_at=now))
            session.flush()
            session.add_all(Member(team_id="T", user_id=f"U{n}", name=f"u{n}") for n in range(people))
        with db.unit_of_work() as session:
            call_id = volunteering.create_call(session, "T", "C", "U0", CallRequest("Bench", places, None), now=now).id
        barrier = threading.Barrier(people)

        def sign_up(user_id: str) -> None:
            barrier.wait()
            with db.unit_of_work() as session:
                volunteering.answer(session, "T", call_id, user_id, "help", now=now)

        threads = [threading.Thread(target=sign_up, args=(f"U{n}",)) for n in range(people)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        elapsed = time.perf_counter() - started
        with db.unit_of_work() as session:
            helpers = len(volunteering.call_state(session, "T", call_id).helpers)
        db.dispose()
        return helpers, elapsed


def main() -> int:
    members = _group()
    grid = week_grid(members, ZONES[0], MONDAY)
    results = [
        _timed("week grid, 40 members in 3 zones", 150, lambda: week_grid(members, ZONES[0], MONDAY)),
        _timed("heat map PNG", 150, lambda: render_heat_map(grid, title="bench", description="bench")),
        _timed("who is free for every 90-minute slot of a fortnight", 1000, lambda: _fortnight_of_slots(members), runs=3),
    ]
    tracemalloc.start()
    render_heat_map(grid, title="bench", description="bench")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"info heat map peak Python-side memory: {peak / 1024:.0f} KiB")

    helpers, elapsed = _sign_up_race()
    ok = helpers == 5 and elapsed < 2.0
    print(f"{'ok  ' if ok else 'FAIL'} 40 members racing for 5 places on SQLite: {helpers} signed up in {elapsed:.2f} s")
    results.append(ok)
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
