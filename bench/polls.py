"""How fast `/meet` votes are acknowledged, and how few message updates a burst of clicks costs.

Runs the real bot in HTTP mode on loopback against the fake Slack (tests/harness), posts a poll,
then fires a burst of signed button clicks from many threads at once, and reports:

- click-to-ack latency (p50, p99, max) as Slack would see it;
- how many `chat.update` calls the burst cost, and how long until the message showed the final tally;
- whether the final message matches the database.

    .venv/bin/python -m bench.polls                      # 200 clicks, SQLite, production spacing
    .venv/bin/python -m bench.polls --clicks 500 --database-url postgresql+psycopg://postgres@127.0.0.1/bench

Only loopback is used; everything stops within `--timeout` seconds.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import queue
import re
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import select

from bot.startup import warm_up
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Poll, PollOption, PollVote
from tests.harness import databases
from tests.harness.bot import SIGNING_SECRET, TEAM_ID, start_bot
from tests.harness.clock import ManualClock
from tests.harness.fake_slack import FakeSlack
from tests.harness.signed import SlackSender

CHANNEL = "CBENCH"
CHOICES = ("yes", "maybe", "no")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def _fire(url: str, secret: str, actions: list[tuple[str, dict]], message: dict, concurrency: int, timeout: float,
          results: multiprocessing.Queue[object]) -> None:
    """In a separate process: post every click, `concurrency` at a time; report each one's latency."""
    try:
        sender = SlackSender(url, secret, team_id=TEAM_ID, timeout=timeout)
        barrier = threading.Barrier(min(concurrency, len(actions)))

        def click(user: str, action: dict) -> float:
            try:
                barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass  # a last partial wave goes at once
            response = sender.block_action(action, user_id=user, channel_id=CHANNEL, message=message)
            if response.status != 200:
                raise RuntimeError(f"a click was answered {response.status}")
            return response.elapsed

        started = time.time()  # wall clock: the parent compares it with its own
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            latencies = list(pool.map(lambda a: click(*a), actions))
        results.put((latencies, started, time.time()))
    except Exception as error:  # reported to the parent, which fails the run
        results.put(f"the click sender failed: {error!r}")


def _result(results: multiprocessing.Queue[object], sender: multiprocessing.process.BaseProcess, *,
            deadline: float) -> object:
    while time.monotonic() < deadline:
        try:
            return results.get(timeout=0.5)
        except queue.Empty:
            if not sender.is_alive():
                return f"the click sender exited with {sender.exitcode} before reporting"
    sender.kill()
    return "the clicks did not finish in time"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clicks", type=int, default=200)
    parser.add_argument("--voters", type=int, default=100,
                        help="distinct members clicking (clicks are spread over them)")
    parser.add_argument("--concurrency", type=int, default=100, help="clicks in flight at once")
    parser.add_argument("--slack-latency", type=float, default=0.15,
                        help="seconds the fake Slack takes per chat.update")
    parser.add_argument("--no-spacing", action="store_true", help="record instead of sleeping the 1 s update spacing")
    parser.add_argument("--database-url", help="an empty, migratable database (default: a temporary SQLite file)")
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args(argv)

    with ExitStack() as stack:
        if args.database_url:
            url = args.database_url
            database = Database(url)
            upgrade(database.engine)
            database.dispose()
        else:
            url = stack.enter_context(databases.fresh_sqlite(Path(stack.enter_context(tempfile.TemporaryDirectory()))))
        fake = stack.enter_context(FakeSlack(team_id=TEAM_ID))
        voters = [f"UB{index:05d}" for index in range(args.voters)]
        fake.add_user("UALICE", name="alice", tz="Europe/London")
        for user in voters:
            fake.add_user(user, name=user.lower(), tz="Europe/London")
        fake.add_channel(CHANNEL, name="bench", members=["UALICE", *voters])

        warm_up()
        bot = start_bot(url, fake, clock=ManualClock("2026-11-24T09:00:00+00:00"),
                        sleep=None if args.no_spacing else time.sleep)
        stack.callback(bot.stop)
        bot.slack.command("/meet", '"Bench" "Tue 1 Dec 10am" "Wed 2 Dec 2-4pm" "Thu 3 Dec"',
                          user_id="UALICE", channel_id=CHANNEL)
        bot.drain(args.timeout)
        message = next(m for m in fake.messages(CHANNEL) if m.get("blocks"))
        buttons = {(int(b["block_id"].rsplit("-", 1)[1]), e["action_id"].rsplit("_", 1)[1]): e
                   for b in message["blocks"] if b.get("block_id", "").startswith("poll-vote-")
                   for e in b["elements"]}
        option_ids = sorted({option for option, _ in buttons})
        clicks = [(voters[i % len(voters)], option_ids[i % len(option_ids)], CHOICES[(i // len(voters)) % 3])
                  for i in range(args.clicks)]

        fake.delay("chat.update", args.slack_latency)
        updates_before = len(fake.calls_to("chat.update"))
        actions = []
        for user, option_id, choice in clicks:
            element = buttons[(option_id, choice)]
            actions.append((user, {"type": "button", "action_id": element["action_id"],
                                   "block_id": f"poll-vote-{option_id}", "value": element["value"],
                                   "text": element["text"]}))
        # The clicks come from another process, as they come from Slack: its threads do not
        # compete with the bot's for this interpreter's lock.
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        sender = context.Process(target=_fire, args=(bot.url, SIGNING_SECRET, actions, message, args.concurrency,
                                                     args.timeout, results))
        sender.start()
        outcome = _result(results, sender, deadline=time.monotonic() + args.timeout)
        sender.join(args.timeout)
        if isinstance(outcome, str):
            raise RuntimeError(outcome)
        latencies, first_sent, all_acked = outcome  # type: ignore[misc]
        bot.drain(args.timeout)
        settled = time.time() - first_sent
        acked = all_acked - first_sent
        updates = len(fake.calls_to("chat.update")) - updates_before

        final = next(m for m in fake.messages(CHANNEL) if m["ts"] == message["ts"])
        with bot.runtime.db.unit_of_work() as session:
            poll = session.scalars(select(Poll)).one()
            options = session.scalars(select(PollOption).order_by(PollOption.position)).all()
            votes = session.scalars(select(PollVote)).all()
            expected = [[sum(1 for v in votes if v.option_id == o.id and v.choice == c) for c in CHOICES]
                        for o in options]
            in_step = poll.rendered_revision == poll.revision
        shown = [[int(n) for n in re.findall(r":(?:white_check_mark|thinking_face|x): (\d+)", b["text"]["text"])]
                 for b in final["blocks"] if b.get("block_id", "").startswith("poll-option-")]

    ms = [latency * 1000 for latency in latencies]
    report = {
        "clicks": len(clicks), "voters": len(voters), "concurrency": args.concurrency,
        "database": url.split(":", 1)[0], "slack_latency_s": args.slack_latency,
        "update_spacing": "recorded, not slept" if args.no_spacing else "1.0 s (production)",
        "ack_ms": {"p50": round(percentile(ms, 0.5), 1), "p99": round(percentile(ms, 0.99), 1),
                   "max": round(max(ms), 1), "mean": round(statistics.fmean(ms), 1)},
        "all_acked_after_s": round(acked, 2), "final_message_after_s": round(settled, 2),  # from the first click
        "chat_update_calls": updates, "votes_in_database": len(votes),
        "message_matches_database": shown == expected and in_step,
    }
    print(json.dumps(report, indent=2))
    return 0 if report["message_matches_database"] and max(ms) < 3000 else 1


if __name__ == "__main__":
    sys.exit(main())
