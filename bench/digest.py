"""How long the weekly digest takes to build for a workspace with two years of history.

    .venv/bin/python -m bench.digest [--runs 5] [--members 50] [--issues 5000] [--answers 50000] [--polls 500]

Seeds, in bulk, two years of a busy group (issues with tags and +1s, weekly prompts and their
answers, decided and open polls, calls for volunteers, dates away), then measures on SQLite and
(when reachable) PostgreSQL: gathering the digest (and how many SQL statements that takes),
rendering it, and posting it end to end through the real bot against the fake Slack on loopback.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, insert, text

from bench import timed
from bot import areas
from bot.areas import DigestContext
from bot.jobs import digest as digest_jobs
from bot.services import digest as digests
from bot.services import issues as issue_service
from bot.views import digest as digest_view
from storage.db import Database
from storage.models import (
    Absence,
    Issue,
    IssueCounter,
    IssueTag,
    IssueVote,
    Member,
    Poll,
    PollInvitee,
    PollOption,
    PollVote,
    Prompt,
    PromptAnswer,
    PromptDelivery,
    PromptRound,
    VolunteerCall,
    VolunteerResponse,
    Workspace,
)
from tests.harness import databases
from tests.harness.bot import TEAM_ID, start_bot
from tests.harness.clock import ManualClock
from tests.harness.fake_slack import FakeSlack

NOW = datetime(2026, 11, 27, 16, 0, tzinfo=timezone.utc)  # a Friday, when the digest is due
WEEKS = 104
CHANNEL = "CBENCH"
WORDS = ("lead provider contract commissioner monitoring payment results social value tender procurement "
         "framework consortium charity youth housing rural evidence impact risk funding grant council nhs "
         "reporting burden delay invoice relationship trust variation renewal cut price quality outcome").split()
TAGS = ("lead-provider-model", "contract-length", "monitoring-and-reporting", "social-value", "evidence-of-impact",
        "procurement-process", "nhs", "local-authority")


def seed_history(db: Database, *, members: int, issue_count: int, plus_ones: int, answer_count: int,
                 poll_count: int, now: datetime = NOW, weeks: int = WEEKS, seed: int = 7) -> None:
    """Two years of a group's life, inserted in bulk; `now` is when the digest is built."""
    rng = random.Random(seed)
    start = now - timedelta(weeks=weeks)
    users = [f"UM{i:07d}" for i in range(members)]

    def words(low: int, high: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))).capitalize()

    def moment(i: int, total: int) -> datetime:
        return start + (now - start) * (i + 0.5) / max(total, 1)

    with db.unit_of_work() as session:
        session.add(Workspace(team_id=TEAM_ID, channel_id=CHANNEL, created_at=start, updated_at=start))
        session.flush()
        session.execute(insert(Member), [
            {"team_id": TEAM_ID, "user_id": user, "name": user.lower(), "real_name": f"Member {i}", "display_name": "",
             "tz": rng.choice(["Europe/London", "Europe/London", "America/New_York"]), "is_admin": i == 0,
             "is_owner": False, "is_bot": False, "deleted": False, "organisation": f"Organisation {i % 15}",
             "refreshed_at": now} for i, user in enumerate(users)])

        # Issues, their tags and +1s.
        session.execute(insert(Issue), [
            {"id": n, "team_id": TEAM_ID, "number": n, "title": (title := words(4, 10)), "detail": words(0, 40),
             "credit": rng.choice(["named", "organisation", "anonymous"]), "author_id": rng.choice(users),
             "organisation": "Organisation 1", "status": "open" if rng.random() < 0.8 else "closed",
             "terms": issue_service.issue_terms(title, ()), "plus_ones": 0, "revision": 1, "card_revision": 1,
             "channel_id": CHANNEL, "message_ts": f"{int(moment(n, issue_count).timestamp())}.{n:06d}",
             "created_at": moment(n, issue_count), "updated_at": moment(n, issue_count)}
            for n in range(1, issue_count + 1)])
        session.execute(insert(IssueTag), [{"issue_id": n, "tag": tag, "team_id": TEAM_ID}
                                           for n in range(1, issue_count + 1)
                                           for tag in rng.sample(TAGS, rng.randint(0, 2))])
        session.execute(insert(IssueCounter), [{"team_id": TEAM_ID, "last_number": issue_count}])
        votes = {(rng.randint(1, issue_count), rng.choice(users)) for _ in range(plus_ones)}
        session.execute(insert(IssueVote), [{"issue_id": n, "user_id": u, "team_id": TEAM_ID, "created_at": now}
                                            for n, u in votes])
        session.execute(text("UPDATE issues SET plus_ones = (SELECT count(*) FROM issue_votes "
                             "WHERE issue_votes.issue_id = issues.id)"))

        # A prompt a week to everyone, and the answers.
        session.execute(insert(Prompt), [
            {"id": p, "team_id": TEAM_ID, "number": p, "position": p, "question": words(8, 16) + "?",
             "created_at": start, "updated_at": start} for p in range(1, 23)])
        rounds = [{"id": w + 1, "team_id": TEAM_ID, "period_key": f"week-{w}", "kind": "scheduled",
                   "prompt_id": w % 22 + 1, "question": f"Question of week {w}?",
                   "started_at": start + timedelta(weeks=w, hours=1)} for w in range(weeks)]
        session.execute(insert(PromptRound), rounds)
        deliveries = [{"id": w * members + i + 1, "team_id": TEAM_ID, "round_id": w + 1, "prompt_id": w % 22 + 1,
                       "period_key": f"week-{w}", "user_id": user, "status": "sent",
                       "due_at": rounds[w]["started_at"], "claimed_at": rounds[w]["started_at"],
                       "sent_at": rounds[w]["started_at"]} for w in range(weeks) for i, user in enumerate(users)]
        session.execute(insert(PromptDelivery), deliveries)
        session.execute(insert(PromptAnswer), [
            {"team_id": TEAM_ID, "delivery_id": (d := deliveries[a % len(deliveries)])["id"],
             "prompt_id": d["prompt_id"], "user_id": d["user_id"], "source_key": f"{a}.000100",
             "channel_id": "D" + d["user_id"][1:], "message_ts": f"{a}.000100", "text": words(10, 60),
             "credit": rng.choice(["named", "organisation", "anonymous"]), "organisation": "Organisation 2",
             "shareable": rng.random() < 0.5, "created_at": d["sent_at"] + timedelta(hours=2),
             "updated_at": d["sent_at"] + timedelta(hours=2)} for a in range(answer_count)])

        # Polls: most decided long ago, the latest few still open.
        option_rows, vote_rows, invitee_rows, poll_rows = [], [], [], []
        for p in range(1, poll_count + 1):
            created = moment(p, poll_count)
            is_open = p > poll_count - 5
            first_option = (p - 1) * 3 + 1
            poll_rows.append({
                "id": p, "team_id": TEAM_ID, "channel_id": CHANNEL, "message_ts": f"{int(created.timestamp())}.{p:06d}",
                "creator_id": users[p % members], "title": f"Meeting {p}: {words(2, 5)}", "timezone": "Europe/London",
                "deadline": now + timedelta(days=3) if is_open else created + timedelta(days=3),
                "status": "open" if is_open else "decided", "decided_option_id": None if is_open else first_option,
                "decided_at": None if is_open else created + timedelta(days=3), "created_at": created,
                "updated_at": created})
            # The last poll decided is for a meeting still to come.
            first_day = now + timedelta(days=5) if p == poll_count - 5 else created + timedelta(days=7)
            for o in range(3):
                option_rows.append({"id": first_option + o, "team_id": TEAM_ID, "poll_id": p, "position": o,
                                    "label": f"Option {o}", "starts_at": first_day + timedelta(days=o),
                                    "duration_minutes": 90, "all_day": False})
            for user in rng.sample(users, min(members, 12)):
                invitee_rows.append({"team_id": TEAM_ID, "poll_id": p, "user_id": user})
                vote_rows.append({"team_id": TEAM_ID, "poll_id": p, "option_id": first_option + rng.randrange(3),
                                  "user_id": user, "choice": rng.choice(["yes", "maybe", "no"]),
                                  "voted_at": created, "changed_at": created})
        session.execute(insert(Poll), poll_rows)
        session.execute(insert(PollOption), option_rows)
        session.execute(insert(PollInvitee), invitee_rows)
        session.execute(insert(PollVote), vote_rows)

        # Calls for volunteers (a few open) and dates away.
        calls = [{"id": c, "team_id": TEAM_ID, "channel_id": CHANNEL, "message_ts": f"{c}.000200",
                  "task": words(3, 8), "needed": 3, "created_by": users[c % members], "created_at": moment(c, 200),
                  "status": "open" if c > 195 else "closed", "version": 1} for c in range(1, 201)]
        session.execute(insert(VolunteerCall), calls)
        session.execute(insert(VolunteerResponse), [
            {"team_id": TEAM_ID, "call_id": c["id"], "user_id": user, "answer": "help", "answered_at": c["created_at"]}
            for c in calls for user in rng.sample(users, 2)])
        today = now.date()
        session.execute(insert(Absence), [
            {"team_id": TEAM_ID, "user_id": users[i], "starts_on": today + timedelta(days=rng.randint(-300, 20)),
             "ends_on": today + timedelta(days=rng.randint(21, 40)), "note": ""} for i in range(0, members, 5)])
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))


def build(db: Database, *, now: datetime = NOW) -> tuple[digests.Digest, int]:
    """Gather the digest due at `now`; returns it and the number of SQL statements it took."""
    statements = 0

    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.unit_of_work() as session:
            schedule = digests.schedule_for(session, TEAM_ID, home=ZoneInfo("Europe/London"), default_channel=None)
            period = digests.last_due_period(schedule, now)
            built = areas.build_digest(session, DigestContext(TEAM_ID, period, now, schedule.zone),
                                       areas.DIGEST_SECTIONS)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return built, statements


@contextmanager
def _database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as directory, databases.fresh_sqlite(Path(directory)) as url:
            yield url
    else:
        with databases.fresh_postgres() as url:
            yield url


def run(backend: str, args: argparse.Namespace) -> None:
    with _database(backend) as url:
        db = Database(url)
        started = time.perf_counter()
        seed_history(db, members=args.members, issue_count=args.issues, plus_ones=args.plus_ones,
                     answer_count=args.answers, poll_count=args.polls)
        print(f"{backend}: seeded in {time.perf_counter() - started:.1f} s")
        built, statements = build(db)
        gather = timed(args.runs, lambda: build(db))
        render = timed(args.runs, lambda: digest_view.digest_blocks(built))
        blocks = digest_view.digest_blocks(built)
        print(f"  gather the digest      median {gather[0]:7.1f} ms  worst {gather[1]:7.1f} ms  "
              f"({statements} SQL statements)")
        print(f"  render it              median {render[0]:7.1f} ms  worst {render[1]:7.1f} ms  "
              f"({len(blocks)} blocks, sections: {', '.join(s.key for s in built.sections)})")
        with FakeSlack(team_id=TEAM_ID) as fake:
            fake.add_channel(CHANNEL, name="wg-bench", members=[])
            bot = start_bot(url, fake, clock=ManualClock(NOW))
            try:
                started = time.perf_counter()
                digest_jobs.post_due_digest(TEAM_ID)
                posted_ms = (time.perf_counter() - started) * 1000
            finally:
                bot.stop()
            posts = fake.calls_to("chat.postMessage", ok_only=True)
            print(f"  post it end to end     {posted_ms:7.1f} ms  ({len(posts)} message, {len(fake.problems)} problems)")
        db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--issues", type=int, default=5000)
    parser.add_argument("--plus-ones", type=int, default=20000)
    parser.add_argument("--answers", type=int, default=50000)
    parser.add_argument("--polls", type=int, default=500)
    args = parser.parse_args(argv)
    run("sqlite", args)
    if databases.postgres_unreachable_reason() is None:
        run("postgresql", args)
    else:
        print("postgresql: not reachable, skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
