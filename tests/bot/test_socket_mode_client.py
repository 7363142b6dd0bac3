"""Socket Mode's client: paced reconnects, and the watchdog over a real WebSocket to the fake Slack."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from slack_bolt import App
from slack_sdk import WebClient

from bot.socket_mode import FIRST_RECONNECT_DELAY, MAX_RECONNECT_DELAY, ReconnectPace, SocketMode
from tests.harness.fake_slack import FakeSlack
from tests.harness.socket_mode import SocketModeSender


def test_the_first_attempt_goes_at_once_and_failures_back_off_to_a_ceiling() -> None:
    pace = ReconnectPace(threading.Event())
    delays = [pace.next_delay() for _ in range(10)]
    assert delays[:4] == [0.0, FIRST_RECONNECT_DELAY, 2 * FIRST_RECONNECT_DELAY, 4 * FIRST_RECONNECT_DELAY]
    assert delays[-1] == MAX_RECONNECT_DELAY and delays == sorted(delays)
    pace.connected()
    assert pace.next_delay() == 0.0


def test_waiting_for_a_turn_ends_when_the_client_closes() -> None:
    stopped = threading.Event()
    pace = ReconnectPace(stopped, first=60)
    pace.next_delay()
    stopped.set()
    started = time.monotonic()
    pace.wait_turn()
    assert time.monotonic() - started < 1


@pytest.fixture
def connected() -> Iterator[tuple[FakeSlack, SocketMode]]:
    fake = FakeSlack().start()
    server = fake.enable_socket_mode()
    web = WebClient(token=fake.bot_token, base_url=fake.url)
    app = App(client=web, signing_secret="", request_verification_enabled=False, token_verification_enabled=False)

    @app.command("/convene")
    def convene(ack) -> None:  # type: ignore[no-untyped-def]
        ack(text="hello")

    socket_mode = SocketMode(app, "xapp-fake-test-token", web_client=web, give_up_after=60)
    socket_mode.start()
    server.wait_for_connection()
    deadline = time.monotonic() + 10
    while not socket_mode.is_connected() and time.monotonic() < deadline:
        time.sleep(0.01)
    yield fake, socket_mode
    socket_mode.close()
    fake.stop()
    assert fake.problems == []


def test_connected_only_after_slacks_hello_and_not_once_the_socket_is_gone(
        connected: tuple[FakeSlack, SocketMode]) -> None:
    fake, socket_mode = connected
    assert socket_mode.is_connected()
    server = fake.enable_socket_mode()
    server.refuse_connections()
    server.reset()
    deadline = time.monotonic() + 5
    while socket_mode.is_connected() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not socket_mode.is_connected()


def test_the_watchdog_gives_up_once_the_connection_stayed_down_past_the_bound(
        connected: tuple[FakeSlack, SocketMode]) -> None:
    fake, socket_mode = connected
    socket_mode.give_up_after = 1.5
    server = fake.enable_socket_mode()
    server.refuse_connections()
    server.fin()
    started = time.monotonic()
    assert socket_mode.wait(threading.Event()) is False
    assert 1.5 <= time.monotonic() - started < 4


def test_the_watchdog_returns_when_asked_to_stop(connected: tuple[FakeSlack, SocketMode]) -> None:
    fake, socket_mode = connected
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    assert socket_mode.wait(stop) is True
    ack = SocketModeSender(fake.enable_socket_mode(), fake=fake).command("/convene", "", user_id="U1")
    assert ack.payload == {"text": "hello"}


def test_closing_sends_slack_a_close_frame_and_never_reconnects(connected: tuple[FakeSlack, SocketMode]) -> None:
    fake, socket_mode = connected
    server = fake.enable_socket_mode()
    opened = len(fake.calls_to("apps.connections.open"))
    started = time.monotonic()
    socket_mode.close()
    [connection] = server.connections
    assert server.wait_until_closed(connection.id, timeout=5).ended_by == "app"
    assert time.monotonic() - started < 3
    time.sleep(1)
    assert len(fake.calls_to("apps.connections.open")) == opened and server.open_connections() == []
