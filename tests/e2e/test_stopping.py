"""Stopping in the middle of work: waits for Slack's 429s end at once, nothing is sent twice, and
the next start finishes what was left."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from bot import jobs
from bot.clock import system_clock
from bot.jobs import prompts as prompt_jobs
from bot.runtime import build_runtime
from bot.scheduler import FANOUT_EXECUTOR, start
from bot.slack.client import ShuttingDown, interruptible_sleep
from storage.db import Database
from storage.models import PromptDelivery
from tests.e2e.prompting import nudges, prompt_dms, say, send_now, tick, use_group_channel
from tests.harness.bot import TEAM_ID, bot_settings, start_bot
from tests.harness.clock import ManualClock
from tests.harness.fake_slack import FakeSlack

MEMBERS = ["UALICE", "UBEN", "UADMIN", "UCAROL", "UDAN"]


def test_a_wait_for_slacks_rate_limit_ends_as_soon_as_the_process_stops() -> None:
    stopping = threading.Event()
    sleep = interruptible_sleep(stopping)
    started = time.monotonic()
    sleep(0.05)  # an ordinary wait is waited out
    assert time.monotonic() - started >= 0.05
    threading.Timer(0.1, stopping.set).start()
    started = time.monotonic()
    with pytest.raises(ShuttingDown):
        sleep(60)
    assert time.monotonic() - started < 5


def test_a_fan_out_stopped_while_waiting_out_a_429_is_finished_by_the_next_start(
        db: Database, fake: FakeSlack, clock: ManualClock) -> None:
    for user in MEMBERS[3:]:
        fake.add_user(user, name=user[1:].lower(), real_name=user[1:].title(), tz="Europe/London")
    fake.add_channel("CGROUP", name="wg-commissioning", members=MEMBERS)

    def sigterm_arrives_during_the_wait(seconds: float) -> None:
        first.runtime.stopping.set()
        raise ShuttingDown("stopped while waiting out Slack's rate limit")

    first = start_bot(db.url, fake, clock=clock, sleep=sigterm_arrives_during_the_wait)
    try:
        use_group_channel(first)
        fake.rate_limit_next("chat.postMessage", retry_after=120)
        round_id = send_now(first)
        assert first.runtime.jobs.ids() == [prompt_jobs.round_job_id(round_id)], "the round was not left to resume"
    finally:
        first.stop()
    sent = {user: len(prompt_dms(first, user)) for user in MEMBERS}
    assert sum(sent.values()) < len(MEMBERS) and max(sent.values()) <= 1
    with db.unit_of_work() as session:
        rows = session.scalars(select(PromptDelivery)).all()
        assert not [row for row in rows if row.status == "claimed"], "a delivery was left half-done"
        # The interrupted send does not count as one of the member's attempts.
        assert all(row.attempts <= 1 for row in rows) and any(row.attempts == 0 for row in rows)
    assert not [m for m in fake.messages("UADMIN") if "went to" in m["text"]], "reported before it finished"

    second = start_bot(db.url, fake, clock=clock)
    try:
        prompt_jobs.deliver_round(TEAM_ID, round_id)  # as the stored job runs at the next start
    finally:
        second.stop()
    assert {user: len(prompt_dms(second, user)) for user in MEMBERS} == {user: 1 for user in MEMBERS}
    assert [m["text"] for m in fake.messages("UADMIN") if "went to" in m["text"]][0].startswith(
        "Prompt *#1* went to 5 members.")


GAVE_UP = threading.Event()


def gives_up_when_stopping() -> None:
    """Stands in for a fan-out that notices the stop and stores its own resumption."""
    rt = jobs.runtime()
    rt.stopping.wait(30)
    rt.resume_later("test:resumed", resumed, executor=FANOUT_EXECUTOR)
    GAVE_UP.set()


def resumed() -> None:
    """The resumption; it only has to be stored."""


def test_stopping_lets_a_running_job_store_its_resumption_without_deadlock(db: Database, fake: FakeSlack) -> None:
    GAVE_UP.clear()
    runtime = build_runtime(bot_settings(db.url, fake), scheduler_mode="background", clock=system_clock)
    jobs.bind(runtime)
    start(runtime.scheduler, runtime.scheduler_mode)
    runtime.jobs.at("test:fan-out", gives_up_when_stopping, system_clock(), executor=FANOUT_EXECUTOR)
    deadline = time.monotonic() + 10
    while runtime.jobs.next_run("test:fan-out") is not None and time.monotonic() < deadline:
        time.sleep(0.01)  # wait until the scheduler has taken the job
    time.sleep(0.1)
    closer = threading.Thread(target=runtime.close)
    closer.start()
    closer.join(timeout=20)
    jobs.bind(None)
    assert not closer.is_alive(), "stopping deadlocked on a job writing to the job store"
    assert GAVE_UP.is_set()
    stored = build_runtime(bot_settings(db.url, fake), scheduler_mode="store-only")
    start(stored.scheduler, stored.scheduler_mode)
    try:
        assert stored.jobs.ids() == ["test:resumed"]
    finally:
        stored.close()


def test_a_nudge_stopped_while_waiting_out_a_429_is_sent_once_by_a_later_tick(
        db: Database, fake: FakeSlack, clock: ManualClock) -> None:
    def sigterm_arrives_during_the_wait(seconds: float) -> None:
        first.runtime.stopping.set()
        raise ShuttingDown("stopped while waiting out Slack's rate limit")

    first = start_bot(db.url, fake, clock=clock, sleep=sigterm_arrives_during_the_wait)
    try:
        use_group_channel(first)
        say(first, "schedule weekly Tue 10:00")
        tick(first, "2026-11-24T10:00:00+00:00")  # London's members get their prompt
        assert prompt_dms(first, "UALICE") and prompt_dms(first, "UADMIN")
        fake.rate_limit_next("chat.postMessage", retry_after=120)
        tick(first, "2026-11-27T10:00:00+00:00")  # three days on: nudges, and the stop arrives
    finally:
        first.stop()
    assert nudges(first, "UALICE") == [] and nudges(first, "UADMIN") == []

    second = start_bot(db.url, fake, clock=clock)
    try:
        tick(second, "2026-11-27T10:02:00+00:00")
        tick(second, "2026-11-27T10:04:00+00:00")
    finally:
        second.stop()
    assert len(nudges(second, "UALICE")) == 1 and len(nudges(second, "UADMIN")) == 1
