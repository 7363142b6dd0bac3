"""How `/propose` copes with the whole group answering at once, and with a big decision.

Runs the real bot in HTTP mode on loopback against the fake Slack (tests/harness):

1. a proposal addressing 200 issues is posted with `/propose "…" #1 … #200 closes "…"`;
2. 40 members take a position at the same moment (signed button clicks from another process, as
   they come from Slack), and the report gives click-to-ack latency, how many `chat.update` calls
   the burst cost, and whether the final message shows the database's exact tally;
3. the author closes it and records the outcome (the form's ack, until the outcome is posted);
4. a coordinator runs `/issue export` (the evidence pack with its agreed asks, and decisions.csv),
   timed until the files are uploaded, and the files' building alone.

    .venv/bin/python -m bench.proposals                 # SQLite, production update spacing
    .venv/bin/python -m bench.proposals --database-url postgresql+psycopg://postgres@127.0.0.1/bench

Only loopback is used; everything stops within `--timeout` seconds.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bench.polls import CHANNEL, _result, percentile
from bot.services import issues, issues_export, proposals_export
from bot.startup import warm_up
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Member, Proposal, ProposalPosition
from tests.harness import databases
from tests.harness.bot import SIGNING_SECRET, TEAM_ID, start_bot
from tests.harness.clock import ManualClock
from tests.harness.signed import view_state

STANCES = ("agree", "agree", "abstain", "disagree", "block")


def _fire(url: str, secret: str, clicks: list[tuple[str, dict, str]], message: dict, timeout: float,
          results: multiprocessing.Queue[object]) -> None:
    """In a separate process: every click at once, each with its response URL on the fake Slack
    (the bot answers each position with an ephemeral line); report each one's latency."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from tests.harness.signed import SlackSender

    try:
        sender = SlackSender(url, secret, team_id=TEAM_ID, timeout=timeout)
        barrier = threading.Barrier(len(clicks))

        def click(user: str, action: dict, response_url: str) -> float:
            barrier.wait(timeout=10)
            response = sender.block_action(action, user_id=user, channel_id=CHANNEL, message=message,
                                           response_url=response_url)
            if response.status != 200:
                raise RuntimeError(f"a click was answered {response.status}")
            return response.elapsed

        started = time.time()
        with ThreadPoolExecutor(max_workers=len(clicks)) as pool:
            latencies = list(pool.map(lambda c: click(*c), clicks))
        results.put((latencies, started, time.time()))
    except Exception as error:  # reported to the parent, which fails the run
        results.put(f"the click sender failed: {error!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=40, help="members taking a position at once")
    parser.add_argument("--issues", type=int, default=200, help="issues the proposal addresses")
    parser.add_argument("--slack-latency", type=float, default=0.15,
                        help="seconds the fake Slack takes per chat.update")
    parser.add_argument("--no-spacing", action="store_true", help="record instead of sleeping the 1 s update spacing")
    parser.add_argument("--database-url", help="an empty, migratable database (default: a temporary SQLite file)")
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args(argv)

    from tests.harness.fake_slack import FakeSlack

    with ExitStack() as stack:
        if args.database_url:
            url = args.database_url
            database = Database(url)
            upgrade(database.engine)
            database.dispose()
        else:
            url = stack.enter_context(databases.fresh_sqlite(Path(stack.enter_context(tempfile.TemporaryDirectory()))))
        fake = stack.enter_context(FakeSlack(team_id=TEAM_ID))
        members = [f"UB{index:05d}" for index in range(args.members)]
        fake.add_user("UALICE", name="alice", tz="Europe/London")
        fake.add_user("UADMIN", name="ada", tz="Europe/London", is_admin=True)
        for user in members:
            fake.add_user(user, name=user.lower(), tz="Europe/London")
        fake.add_channel(CHANNEL, name="bench", members=["UALICE", "UADMIN", *members])

        warm_up()
        clock = ManualClock("2026-11-24T09:00:00+00:00")
        bot = start_bot(url, fake, clock=clock, sleep=None if args.no_spacing else time.sleep)
        stack.callback(bot.stop)
        rt = bot.runtime
        rt.directory.ensure_many(TEAM_ID, ["UALICE", "UADMIN", *members])
        with rt.db.unit_of_work() as session:
            for user_number, user in enumerate(members):
                session.get(Member, (TEAM_ID, user)).organisation = f"Organisation {user_number % 12}"
            for n in range(args.issues):
                issues.create_issue(session, TEAM_ID, issues.IssueDraft(title=f"Commissioning issue number {n + 1}"),
                                    author_id="UALICE", now=clock())

        refs = " ".join(f"#{n + 1}" for n in range(args.issues))
        started = time.perf_counter()
        posted = bot.slack.command("/propose", f'"We ask commissioners to stop requiring a single lead provider" '
                                               f'{refs} closes "Fri 5pm"', user_id="UALICE", channel_id=CHANNEL)
        bot.drain(args.timeout)
        post_seconds = time.perf_counter() - started
        message = next(m for m in fake.messages(CHANNEL) if (m.get("metadata") or {}).get("event_type")
                       == "convene_proposal")
        buttons = {e["action_id"].rsplit("_", 1)[1]: e for b in message["blocks"]
                   if b.get("block_id") == "proposal-stances" for e in b["elements"]}
        actions = [(user, {"type": "button", "action_id": buttons[stance]["action_id"], "block_id": "proposal-stances",
                           "value": buttons[stance]["value"], "text": buttons[stance]["text"]},
                    fake.response_url(f"click-{user}", channel=CHANNEL, message_ts=message["ts"], user=user))
                   for user, stance in zip(members, (STANCES[i % len(STANCES)] for i in range(len(members))), strict=True)]

        # The burst: every member at once, from another process.
        fake.delay("chat.update", args.slack_latency)
        updates_before = len(fake.calls_to("chat.update"))
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        sender = context.Process(target=_fire, args=(bot.url, SIGNING_SECRET, actions, message, args.timeout,
                                                     results))
        sender.start()
        outcome = _result(results, sender, deadline=time.monotonic() + args.timeout)
        sender.join(args.timeout)
        if isinstance(outcome, str):
            raise RuntimeError(outcome)
        latencies, first_sent, all_acked = outcome  # type: ignore[misc]
        bot.drain(args.timeout)
        settled = time.time() - first_sent
        burst_updates = len(fake.calls_to("chat.update")) - updates_before
        final = next(m for m in fake.messages(CHANNEL) if m["ts"] == message["ts"])
        shown = {stance: int(count) for stance, count in re.findall(
            r"(Agree|Abstain|Disagree|Block) \*(\d+)\*",
            next(b["text"]["text"] for b in final["blocks"] if b.get("block_id") == "proposal-tally"))}
        with rt.db.unit_of_work() as session:
            stored = [p.stance for p in session.scalars(select(ProposalPosition))]
            proposal = session.scalars(select(Proposal)).one()
            in_step = proposal.rendered_revision == proposal.revision
            proposal_id = proposal.id
        expected = {stance.capitalize(): stored.count(stance) for stance in ("agree", "abstain", "disagree", "block")}

        # Closing with the outcome, 200 issues behind it.
        fake.clear_faults()
        bot.slack.block_action({"action_id": "proposal_record_outcome", "value": str(proposal_id), "block_id": "b"},
                               user_id="UALICE", channel_id=CHANNEL, message=final)
        bot.drain(args.timeout)
        form = next(c.json("view") for c in reversed(fake.calls_to("views.open"))
                    if c.json("view")["callback_id"] == "proposal_outcome")
        started = time.perf_counter()
        submitted = bot.slack.view_submission(form, view_state(form, {
            "proposal_outcome_choice": "agreed", "proposal_block_resolution": "The wording was changed"}),
            user_id="UALICE")
        submit_ack = submitted.elapsed
        bot.drain(args.timeout)
        close_seconds = time.perf_counter() - started
        announced = any(m["text"].startswith("Proposal 1: Agreed") for m in fake.messages(CHANNEL))

        # The evidence pack.
        uploads_before = len(fake.files)
        started = time.perf_counter()
        bot.slack.command("/issue", "export", user_id="UADMIN", channel_id=CHANNEL)
        bot.drain(args.timeout)
        export_seconds = time.perf_counter() - started
        files = [f["filename"] for f in fake.files[uploads_before:]]
        zone = ZoneInfo("Europe/London")
        started = time.perf_counter()
        with rt.db.unit_of_work() as session:
            rows = issues_export.export_rows(session, TEAM_ID, full=True)
            found = proposals_export.decisions(session, TEAM_ID)
        issues_export.as_markdown(rows, generated_at=clock().astimezone(timezone.utc), zone=zone,
                                  leading=[proposals_export.markdown_section(found, zone=zone)])
        proposals_export.as_csv(found, zone=zone)
        build_seconds = time.perf_counter() - started

    ms = [latency * 1000 for latency in latencies]
    report = {
        "members": len(members), "issues_addressed": args.issues, "database": url.split(":", 1)[0],
        "slack_latency_s": args.slack_latency,
        "update_spacing": "recorded, not slept" if args.no_spacing else "1.0 s (production)",
        "post_proposal_s": round(post_seconds, 2), "post_ack_ms": round(posted.elapsed * 1000, 1),
        "position_ack_ms": {"p50": round(percentile(ms, 0.5), 1), "p99": round(percentile(ms, 0.99), 1),
                            "max": round(max(ms), 1), "mean": round(statistics.fmean(ms), 1)},
        "all_acked_after_s": round(all_acked - first_sent, 2), "final_message_after_s": round(settled, 2),
        "chat_update_calls_for_burst": burst_updates, "positions_in_database": len(stored),
        "message_matches_database": shown == expected and in_step,
        "outcome_form_ack_ms": round(submit_ack * 1000, 1), "outcome_posted_after_s": round(close_seconds, 2),
        "outcome_announced": announced,
        "export_until_uploaded_s": round(export_seconds, 2), "export_files": files,
        "export_build_only_s": round(build_seconds, 3),
    }
    print(json.dumps(report, indent=2))
    ok = report["message_matches_database"] and announced and max(ms) < 3000 and submit_ack < 3.0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
