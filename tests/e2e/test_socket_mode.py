"""`python -m bot run` end to end over Socket Mode: commands, clicks, modals and events arrive as
envelopes on a real WebSocket, Slack refreshes and drops the connection, and SIGTERM stops it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.models import Poll, PollVote, PromptDelivery
from tests.e2e.polls_helpers import counts, option_texts, vote_action
from tests.e2e.socket_process import ACK_SECONDS, CHANNEL, RunProcess, environment, running, start_run
from tests.harness.bot import TEAM_ID
from tests.harness.fake_slack import FakeSlack
from tests.harness.signed import view_state
from tests.harness.socket_mode import NoConnection

pytestmark = pytest.mark.slow

# Convene is connected again within this after Slack refreshes or the network drops the connection.
RECONNECT_SECONDS = 3.0
# While it reconnects the process may use at most this share of one core (a spinning loop uses all).
MAX_CPU_SHARE = 0.25
# CPU is measured over at least this long after a drop, so that a loop that spins is seen.
CPU_WINDOW_SECONDS = 3.0


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """The fake Slack on the real clock (the bot under test is a separate process reading it),
    with Socket Mode; the test fails if the bot sent anything Slack would reject."""
    fake = FakeSlack(team_id=TEAM_ID).start()
    fake.add_user("UALICE", name="alice", real_name="Alice Adams", tz="Europe/London")
    fake.add_user("UBEN", name="ben", real_name="Ben Brown", tz="America/New_York")
    fake.add_user("UADMIN", name="ada", real_name="Ada Admin", tz="Europe/London", is_admin=True)
    fake.add_channel(CHANNEL, name="wg-commissioning", members=["UALICE", "UBEN", "UADMIN"])
    fake.enable_socket_mode()
    yield fake
    fake.stop()
    assert not fake.problems, "The bot sent Slack something it would reject:\n" + "\n".join(fake.problems)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A database of its own for tests about the connection, not the data (`run` migrates it)."""
    return f"sqlite:///{tmp_path / 'run.sqlite3'}"


def response_texts(fake: FakeSlack, name: str) -> list[str]:
    return [call.args.get("text", "") + json.dumps(call.args.get("blocks") or [])
            for call in fake.calls_to("response_url") if call.args.get("response_url_name") == name]


def poll_message(fake: FakeSlack) -> dict[str, Any] | None:
    polls = [m for m in fake.messages(CHANNEL) if any(b.get("block_id") == "poll-footer" for b in m["blocks"])]
    return polls[-1] if polls else None


def prompt_dms(fake: FakeSlack, user_id: str) -> list[dict[str, Any]]:
    return [m for m in fake.messages(user_id)
            if any(str(b.get("block_id", "")).startswith("prompt_actions_") for b in m["blocks"])]


def answer_and_reply(bot: RunProcess, command: str, text: str, *, user: str = "UALICE",
                     name: str = "reply") -> str:
    """Send a command over the socket: acked within 3 s, then answered through its response URL."""
    response_url = bot.fake.response_url(name)
    ack = bot.slack.command(command, text, user_id=user, channel_id=CHANNEL, response_url=response_url)
    assert ack.elapsed < ACK_SECONDS
    return bot.fake.wait_for(lambda: response_texts(bot.fake, name), timeout=10,
                             message=f"{command} {text} was not answered")[-1]


# ---- Everything a person does, over the socket ------------------------------------------------------


def test_a_slash_command_is_acknowledged_within_3_s_and_answered(tmp_path: Path, slack: FakeSlack,
                                                                 db: Database) -> None:
    with running(tmp_path, slack, db.url) as bot:
        assert bot.first.messages == [], "Convene sent something before Slack asked"
        ack = bot.slack.command("/convene", "help", user_id="UALICE", channel_id=CHANNEL)
        assert ack.elapsed < ACK_SECONDS
        assert "/convene coordinators list" in json.dumps(ack.payload["blocks"])  # answered in the ack itself

        reply = answer_and_reply(bot, "/meet", "list")
        assert "no open polls" in reply.lower()


def test_a_poll_is_created_and_voted_on_through_interactive_envelopes(tmp_path: Path, slack: FakeSlack,
                                                                      db: Database) -> None:
    with running(tmp_path, slack, db.url) as bot:
        opened = bot.slack.command("/meet", "", user_id="UALICE", channel_id=CHANNEL)
        assert opened.elapsed < ACK_SECONDS
        # A real process on a busy machine: generous waits, the acks are what is timed.
        view = slack.wait_for(lambda: slack.calls_to("views.open"), timeout=20,
                              message="the /meet modal did not open")[0]
        view = view.json("view")
        # Relative dates: the process reads the real clock, and these are in the future on any day.
        values = view_state(view, {"title": "Planning", "options": "next Tuesday 2pm\nnext Wednesday 2pm",
                                   "deadline": "", "channel": CHANNEL, "settings": ["if_need_be"]})
        submitted = bot.slack.view_submission(view, values, user_id="UALICE")
        assert submitted.elapsed < ACK_SECONDS and not submitted.payload  # closes the modal
        message = slack.wait_for(lambda: poll_message(slack), timeout=20, message="the poll was not posted")

        clicked = bot.slack.block_action(vote_action(message, 0, "yes"), user_id="UBEN", channel_id=CHANNEL,
                                         message=message)
        assert clicked.elapsed < ACK_SECONDS
        shown = slack.wait_for(lambda: counts(option_texts(poll_message(slack) or message)[0]) == (1, 0, 0),
                               timeout=20, message="the vote never showed on the poll")
        assert shown and "_Yes:_ ben" in option_texts(poll_message(slack) or {})[0]
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Poll)) == 1
        [vote] = session.scalars(select(PollVote)).all()
        assert (vote.user_id, vote.choice) == ("UBEN", "yes")


def test_a_modal_with_a_bad_option_is_refused_in_the_ack(tmp_path: Path, slack: FakeSlack, db: Database) -> None:
    with running(tmp_path, slack, db.url) as bot:
        bot.slack.command("/meet", "", user_id="UALICE", channel_id=CHANNEL)
        view = slack.wait_for(lambda: slack.calls_to("views.open"))[0].json("view")
        values = view_state(view, {"title": "Planning", "options": "next Tuesday 2pm\nsometime soonish",
                                   "deadline": "", "channel": CHANNEL})
        ack = bot.slack.view_submission(view, values, user_id="UALICE")
        assert ack.elapsed < ACK_SECONDS
        assert ack.payload is not None and ack.payload["response_action"] == "errors"
        assert set(ack.payload["errors"]) == {"options"}
        assert "Line 2 “sometime soonish”" in ack.payload["errors"]["options"]
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Poll)) == 0


def test_app_home_opened_publishes_the_home_and_a_retried_event_is_processed_once(
        tmp_path: Path, slack: FakeSlack, db: Database) -> None:
    with running(tmp_path, slack, db.url) as bot:
        bot.slack.app_home_opened(user_id="UALICE", event_id="Ev0SOCKETHOME")
        slack.wait_for(lambda: slack.calls_to("views.publish"), message="the Home was not published")
        # Slack redelivers the same event when it thinks the first went unacknowledged.
        retry = bot.slack.app_home_opened(user_id="UALICE", event_id="Ev0SOCKETHOME", retry_num=1,
                                          retry_reason="timeout")
        assert retry.elapsed < ACK_SECONDS
        assert bot.slack.envelopes[-1].body["retry_attempt"] == 1
        bot.slack.command("/meet", "list", user_id="UALICE", channel_id=CHANNEL)  # something after it, to wait on
        time.sleep(0.5)
        assert [call.args["user_id"] for call in slack.calls_to("views.publish")] == ["UALICE"]
        assert "/convene help" in json.dumps(slack.home_views["UALICE"])


def test_the_in_process_scheduler_delivers_prompt_send_now(tmp_path: Path, slack: FakeSlack, db: Database) -> None:
    with running(tmp_path, slack, db.url) as bot:  # and no clock process
        reply = answer_and_reply(bot, "/prompt", "send now", user="UADMIN")
        assert "prompt" in reply.lower()
        for member in ("UALICE", "UBEN", "UADMIN"):
            slack.wait_for(lambda member=member: prompt_dms(slack, member), timeout=15, message=f"{member} got no prompt")
        slack.wait_for(lambda: any("went to 3 members" in m["text"] for m in slack.messages("UADMIN")),
                       message="the coordinator was not told how the round went")
    assert all(len(prompt_dms(slack, member)) == 1 for member in ("UALICE", "UBEN", "UADMIN"))


# ---- When Slack refreshes or the network drops the connection ---------------------------------------


@pytest.mark.parametrize("drop", ["refresh_requested", "reset", "bare_fin"])
def test_after_a_drop_convene_reconnects_quickly_without_spinning_and_answers(
        tmp_path: Path, slack: FakeSlack, sqlite_url: str, drop: str, record_property: Any) -> None:
    with running(tmp_path, slack, sqlite_url) as bot:
        answer_and_reply(bot, "/meet", "list", name="before")
        cpu_before, dropped_at = bot.cpu_seconds(), time.monotonic()
        if drop == "refresh_requested":
            bot.socket.disconnect(reason="refresh_requested")
        elif drop == "reset":
            bot.socket.reset()
        else:
            bot.socket.fin()
        try:
            gap = bot.socket.wait_for_connection(after=dropped_at, timeout=RECONNECT_SECONDS + 2).opened_at - dropped_at
        except AssertionError:
            gap = float("inf")
        # Measured whether or not it reconnected: a client stuck on a dead socket may be spinning.
        time.sleep(max(CPU_WINDOW_SECONDS - (time.monotonic() - dropped_at), 0))
        window = time.monotonic() - dropped_at
        cpu = bot.cpu_seconds() - cpu_before
        record_property("reconnect_seconds", round(gap, 3))
        record_property("cpu_seconds", round(cpu, 3))
        print(f"{drop}: reconnected after {gap:.2f} s; {cpu:.2f} s of CPU over {window:.1f} s")
        assert cpu < MAX_CPU_SHARE * window, f"{cpu:.2f} s of CPU in {window:.1f} s: the process spins"
        assert gap < RECONNECT_SECONDS, f"not reconnected within {RECONNECT_SECONDS} s (after {gap:.1f} s)"

        started = time.monotonic()
        answer_and_reply(bot, "/meet", "list", name="after")
        assert time.monotonic() - started < ACK_SECONDS, "the next command took too long to be answered"
        assert bot.socket.connections[0].ended_by in ("app", "server", "reset", "fin")


def test_a_connection_that_goes_silent_is_replaced(tmp_path: Path, slack: FakeSlack, sqlite_url: str,
                                                   record_property: Any) -> None:
    with running(tmp_path, slack, sqlite_url) as bot:
        frozen_at = time.monotonic()
        bot.socket.freeze()  # no FIN, no reset, no pongs: a network path that died
        again = bot.socket.wait_for_connection(after=frozen_at, timeout=30)
        gap = again.opened_at - frozen_at
        record_property("reconnect_seconds", round(gap, 3))
        # A ping every 5 s, unanswered for 5 s more: at most 15 s with the time to reconnect.
        assert gap < 16, f"a silent connection was replaced only after {gap:.1f} s"
        answer_and_reply(bot, "/meet", "list")
        assert "has not answered a ping" in bot.output()


def test_a_connection_that_stays_dead_makes_run_exit_non_zero(tmp_path: Path, slack: FakeSlack,
                                                               sqlite_url: str) -> None:
    bot = start_run(tmp_path, slack, sqlite_url, CONVENE_SOCKET_GIVE_UP_SECONDS="6")
    try:
        opened = len(slack.calls_to("apps.connections.open"))
        bot.socket.refuse_connections()  # Slack (or the way to it) is down
        dropped_at = time.monotonic()
        bot.socket.reset()
        code = bot.process.wait(timeout=30)
        took = time.monotonic() - dropped_at
    finally:
        if bot.process.poll() is None:
            bot.process.kill()
            bot.process.wait()
    assert code == 3, bot.output()
    assert 6 <= took < 12, f"exited after {took:.1f} s"
    assert "no connection to Slack for" in bot.output()
    # Attempts back off instead of calling apps.connections.open twice a second.
    attempts = len(slack.calls_to("apps.connections.open")) - opened
    assert 2 <= attempts <= 6, f"{attempts} connection attempts in {took:.0f} s"


# ---- Stopping ------------------------------------------------------------------------------------------


def test_sigterm_closes_the_socket_first_and_exits_promptly_in_the_middle_of_a_fan_out(
        tmp_path: Path, slack: FakeSlack, db: Database, record_property: Any) -> None:
    members = ["UALICE", "UBEN", "UADMIN", "UCAROL", "UDAN"]
    for user in members[3:]:
        slack.add_user(user, name=user[1:].lower(), real_name=user[1:].title(), tz="Europe/London")
    slack.add_channel(CHANNEL, name="wg-commissioning", members=members)
    bot = start_run(tmp_path, slack, db.url)
    try:
        # Three of the first DMs are rate-limited, with a wait far longer than a platform's 30 s.
        slack.rate_limit_next("chat.postMessage", retry_after=120, times=3)
        bot.slack.command("/prompt", "send now", user_id="UADMIN", channel_id=CHANNEL,
                          response_url=slack.response_url("send"))
        slack.wait_for(lambda: sum(1 for c in slack.calls_to("chat.postMessage") if c.status == 429) == 3,
                       timeout=15, message="the fan-out did not reach Slack's rate limit")
        bot.wait_for_log("retrying in")
        opens_before = len(slack.calls_to("apps.connections.open"))
        signalled = time.monotonic()
        code, took = bot.terminate(timeout=30)
    finally:
        if bot.process.poll() is None:
            bot.process.kill()
            bot.process.wait()
    record_property("sigterm_exit_seconds", round(took, 3))
    assert code == 0, bot.output()
    assert took < 10, f"took {took:.1f} s to stop"
    [connection] = [c for c in bot.socket.connections if c.opened_at < signalled]
    assert connection.ended_by == "app", "Convene did not close its socket"
    assert connection.closed_at is not None and connection.closed_at - signalled < 1.5, \
        "the socket was not the first thing closed"
    assert len(slack.calls_to("apps.connections.open")) == opens_before, "it reconnected while stopping"
    with pytest.raises(NoConnection):
        bot.slack.command("/meet", "list", user_id="UALICE", channel_id=CHANNEL)
    sent_before = {user: len(prompt_dms(slack, user)) for user in members}
    assert sum(sent_before.values()) <= 2 and max(sent_before.values()) <= 1
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(PromptDelivery)
                              .where(PromptDelivery.status == "claimed")) == 0, "a delivery was left half-done"

    # The next start finishes the round: everyone has the prompt once, and the coordinator hears.
    with running(tmp_path, slack, db.url):
        for user in members:
            slack.wait_for(lambda user=user: prompt_dms(slack, user), timeout=15, message=f"{user} never got the prompt")
        slack.wait_for(lambda: any("went to 5 members" in m["text"] for m in slack.messages("UADMIN")),
                       message="the coordinator was not told how the round went")
    assert {user: len(prompt_dms(slack, user)) for user in members} == {user: 1 for user in members}


def test_an_app_token_slack_refuses_stops_run_with_one_clear_line(tmp_path: Path, slack: FakeSlack,
                                                                  sqlite_url: str) -> None:
    slack.fail_next("apps.connections.open", error="invalid_auth")
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, capture_output=True, text=True,
                            env=environment(tmp_path, slack, sqlite_url), timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "convene: SLACK_APP_TOKEN was refused by Slack (invalid_auth): it must be an app-level token with the "
        "connections:write scope (Basic Information → App-Level Tokens).")
