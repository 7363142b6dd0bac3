"""How fast the register is with 10,000 issues and 50,000 +1s.

    .venv/bin/python -m bench.issues [--issues 10000] [--plus-ones 50000] [--runs 5]

Measures, on SQLite and (when reachable) PostgreSQL:
- the service calls behind `/issue list` (newest, top, by tag, a late page) and the similar-issue
  search run before an issue is added (it must fit inside Slack's 3 seconds for the form);
- building the export files (CSV and Markdown evidence pack);
- end to end through the real bot in HTTP mode against the fake Slack on loopback: `/issue list top`
  until the reply is posted, and `/issue export` until both files are uploaded.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text

from bench import timed
from bot.services import issues, issues_export
from bot.services.issues import COMMISSIONERS, STARTER_THEMES, ListQuery
from bot.views import issues as issue_views
from storage.db import Database
from storage.models import Issue, IssueCounter, IssueTag, IssueVote, Member, Workspace
from tests.harness import databases
from tests.harness.bot import TEAM_ID, start_bot
from tests.harness.clock import ManualClock
from tests.harness.fake_slack import FakeSlack

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
WORDS = ("lead provider contract commissioner monitoring payment results social value tender procurement "
         "framework consortium charity youth housing rural evidence impact risk funding grant council nhs icb "
         "reporting burden delay invoice relationship trust variation renewal cut price quality outcome").split()
MEMBERS = 200
TIME_LIMIT_SECONDS = 600


def seed(db: Database, *, issue_count: int, plus_ones: int) -> None:
    """Fill the register in bulk: issues with 0–3 tags, +1s spread unevenly over members."""
    rng = random.Random(7)
    tags = [theme.tag for theme in STARTER_THEMES + COMMISSIONERS] + [f"local-{i}" for i in range(30)]
    with db.unit_of_work() as session:
        session.add(Workspace(team_id=TEAM_ID, created_at=NOW, updated_at=NOW))
        session.flush()
        session.execute(insert(Member), [
            {"team_id": TEAM_ID, "user_id": f"U{i:08d}", "name": f"member{i}", "real_name": f"Member {i}",
             "display_name": "", "is_admin": False, "is_owner": False, "is_bot": False, "deleted": False,
             "organisation": f"Organisation {i % 40}", "refreshed_at": NOW}
            for i in range(MEMBERS)
        ])
        pairs: set[tuple[int, int]] = set()
        while len(pairs) < plus_ones:
            # A few issues draw most of the support, as in life.
            pairs.add((min(int(rng.paretovariate(1.2)), issue_count), rng.randrange(MEMBERS)))
            if len(pairs) < plus_ones:
                pairs.add((rng.randint(1, issue_count), rng.randrange(MEMBERS)))
        support = Counter(issue_id for issue_id, _member in pairs)
        issue_rows, tag_rows = [], []
        for number in range(1, issue_count + 1):
            title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 12))).capitalize()
            chosen = rng.sample(tags, rng.randint(0, 3))
            issue_rows.append({
                "id": number, "team_id": TEAM_ID, "number": number, "title": title,
                "detail": " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 80))),
                "credit": rng.choice(["named", "named", "organisation", "anonymous"]),
                "author_id": f"U{rng.randrange(MEMBERS):08d}", "organisation": "Organisation 1",
                "status": "open" if rng.random() < 0.8 else "closed", "terms": issues.issue_terms(title, chosen),
                "plus_ones": support[number], "revision": 1, "card_revision": 1,
                "created_at": NOW - timedelta(minutes=issue_count - number), "updated_at": NOW,
            })
            tag_rows += [{"issue_id": number, "tag": tag, "team_id": TEAM_ID} for tag in chosen]
        session.execute(insert(Issue), issue_rows)
        session.execute(insert(IssueTag), tag_rows)
        session.execute(insert(IssueCounter), [{"team_id": TEAM_ID, "last_number": issue_count}])
        session.execute(insert(IssueVote), [
            {"issue_id": issue_id, "user_id": f"U{member:08d}", "team_id": TEAM_ID, "created_at": NOW}
            for issue_id, member in pairs
        ])
    # A register that grew over months has planner statistics (PostgreSQL's autovacuum gathers them
    # as rows arrive); one bulk-loaded in a second has none until this.
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def report(name: str, result: tuple[float, float], extra: str = "") -> None:
    median, worst = result
    print(f"  {name:<46} median {median:8.1f} ms   worst {worst:8.1f} ms  {extra}")


def measure_services(db: Database, runs: int) -> None:
    def listing(query: ListQuery) -> Callable[[], Any]:
        def run() -> None:
            with db.unit_of_work() as session:
                page = issues.list_page(session, TEAM_ID, query, viewer="U00000001")
            issue_views.list_blocks(page)
        return run

    report("/issue list (newest, page 1)", timed(runs, listing(ListQuery())))
    report("/issue list top", timed(runs, listing(ListQuery(order="top"))))
    report("/issue list #contract-length top", timed(runs, listing(ListQuery(tag="contract-length", order="top"))))
    report("/issue list all, page 500", timed(runs, listing(ListQuery(status="all", page=500))))

    def similar() -> None:
        with db.unit_of_work() as session:
            issues.similar(session, TEAM_ID, "Lead provider contract pushes risk onto small charity")

    report("similar issues for a new title", timed(runs, similar))

    sizes: dict[str, int] = {}

    def export(full: bool) -> Callable[[], None]:
        def run() -> None:
            with db.unit_of_work() as session:
                rows = issues_export.export_rows(session, TEAM_ID, full=full)
            sizes["csv"] = len(issues_export.as_csv(rows, full=full).encode())
            sizes["md"] = len(issues_export.as_markdown(rows, generated_at=NOW, zone=ZoneInfo("Europe/London")).encode())
        return run

    report("export files (member)", timed(max(1, runs // 2), export(False)))
    report("export files (coordinator)", timed(max(1, runs // 2), export(True)),
           f"CSV {sizes['csv'] / 1e6:.1f} MB, Markdown {sizes['md'] / 1e6:.1f} MB")


def measure_end_to_end(db: Database, runs: int) -> None:
    fake = FakeSlack(team_id=TEAM_ID).start()
    fake.add_user("U00000001", name="member1", real_name="Member 1")
    bot = start_bot(db.url, fake, clock=ManualClock(NOW))
    try:
        def command(text: str, done: Callable[[], bool]) -> Callable[[], float]:
            def run() -> float:
                started = time.perf_counter()
                response = bot.slack.command("/issue", text, user_id="U00000001", channel_id="C0BENCH")
                acked = time.perf_counter() - started
                fake.wait_for(done, timeout=120)
                if acked > 3:
                    raise AssertionError(f"/issue {text} was acknowledged after {acked:.1f} s")
                assert response.status == 200
                return acked
            return run

        replies = lambda: len(fake.calls_to("response_url"))  # noqa: E731

        def until(count: Callable[[], int]) -> Callable[[], bool]:
            target = count() + 1
            return lambda: count() >= target

        acks: list[float] = []
        report("end to end: /issue list top", timed(runs, lambda: acks.append(
            command("list top", until(replies))())))
        report("end to end: /issue export (two files in a DM)", timed(max(1, runs // 2), lambda: acks.append(
            _export_once(bot, fake))))
        print(f"  slowest acknowledgement: {max(acks) * 1000:.0f} ms")
        if fake.problems:
            raise AssertionError("The fake Slack saw problems:\n" + "\n".join(fake.problems))
    finally:
        bot.drain(timeout=120)
        bot.stop()
        fake.stop()


def _export_once(bot: Any, fake: FakeSlack) -> float:
    before = len(fake.files)
    started = time.perf_counter()
    bot.slack.command("/issue", "export", user_id="U00000001", channel_id="C0BENCH")
    acked = time.perf_counter() - started
    fake.wait_for(lambda: len(fake.files) >= before + 2, timeout=120)
    bot.drain(timeout=120)
    return acked


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as directory, databases.fresh_sqlite(Path(directory)) as url:
        yield url


def bench(name: str, url: str, *, issue_count: int, plus_ones: int, runs: int) -> None:
    db = Database(url)
    try:
        started = time.perf_counter()
        seed(db, issue_count=issue_count, plus_ones=plus_ones)
        print(f"{name}: {issue_count:,} issues, {plus_ones:,} +1s (seeded in {time.perf_counter() - started:.1f} s)")
        measure_services(db, runs)
        measure_end_to_end(db, runs)
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--plus-ones", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    if args.plus_ones > args.issues * MEMBERS:
        parser.error(f"at most {args.issues * MEMBERS:,} +1s fit ({MEMBERS} members)")
    deadline = time.monotonic() + TIME_LIMIT_SECONDS
    with sqlite_database() as url:
        bench("SQLite", url, issue_count=args.issues, plus_ones=args.plus_ones, runs=args.runs)
    if time.monotonic() > deadline:
        print("PostgreSQL: skipped, out of time")
        return 0
    reason = databases.postgres_unreachable_reason()
    if reason:
        print(f"PostgreSQL: skipped ({reason})")
        return 0
    with databases.fresh_postgres() as url:
        bench("PostgreSQL", url, issue_count=args.issues, plus_ones=args.plus_ones, runs=args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
