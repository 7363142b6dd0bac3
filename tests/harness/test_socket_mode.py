"""Tests for the fake Slack's Socket Mode endpoint, driven by a bare WebSocket client (no bot code)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest
import websocket
from slack_sdk import WebClient

from tests.harness import socket_mode as socket_mode_module
from tests.harness.fake_slack import FakeSlack
from tests.harness.socket_mode import NoConnection, SocketModeSender, SocketModeServer

# Imported here rather than via conftest.py so that `pytest tests/harness --noconftest` runs these.

APP_TOKEN = "xapp-fake-test-token"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def server(fake: FakeSlack) -> SocketModeServer:
    return fake.enable_socket_mode()


def open_url(fake: FakeSlack) -> str:
    return WebClient(base_url=fake.url).apps_connections_open(app_token=APP_TOKEN)["url"]


def connect(fake: FakeSlack) -> websocket.WebSocket:
    """Connect as an app does, read Slack's hello, and wait until the server counts the connection."""
    started = time.monotonic()
    ws = websocket.create_connection(open_url(fake), timeout=5)
    hello = json.loads(ws.recv())
    assert hello["type"] == "hello"
    fake.enable_socket_mode().wait_for_connection(after=started)
    return ws


def test_without_socket_mode_the_url_leads_nowhere(fake: FakeSlack) -> None:
    assert open_url(fake) == "ws://127.0.0.1:1/"


def test_a_connection_is_greeted_with_hello(fake: FakeSlack, server: SocketModeServer) -> None:
    url = open_url(fake)
    assert url.startswith(f"ws://127.0.0.1:{server.port}/link/?ticket=")
    ws = websocket.create_connection(url, timeout=5)
    hello = json.loads(ws.recv())
    assert hello["type"] == "hello" and hello["num_connections"] == 1
    assert hello["connection_info"] == {"app_id": "A0CONVENE"}
    connection = server.wait_for_connection()
    assert connection.open and [c.id for c in server.connections] == [connection.id]
    ws.close()
    assert server.wait_until_closed(connection.id).ended_by == "app"
    assert fake.problems == []


def test_envelopes_carry_slacks_payloads_and_acks_are_recorded(fake: FakeSlack, server: SocketModeServer) -> None:
    ws = connect(fake)
    slack = SocketModeSender(server, fake=fake, timeout=0.3)
    with pytest.raises(AssertionError, match="not acknowledged"):
        slack.command("/convene", "help", user_id="U1", channel_id="C1")
    envelope = json.loads(ws.recv())
    assert (envelope["type"], envelope["accepts_response_payload"]) == ("slash_commands", True)
    assert envelope["payload"]["command"] == "/convene" and envelope["payload"]["text"] == "help"
    assert envelope["payload"]["response_url"].startswith(fake.base_url)  # respond() works against the fake
    ws.send(json.dumps({"envelope_id": envelope["envelope_id"], "payload": {"text": "Hi"}}))
    ack = server.wait_for_ack(envelope["envelope_id"])
    assert ack.payload == {"text": "Hi"} and 0 <= ack.elapsed < 3

    event = server.deliver("events_api", {"type": "event_callback", "event_id": "Ev1"},
                           accepts_response_payload=False, retry_attempt=2, retry_reason="timeout")
    sent = json.loads(ws.recv())
    assert (sent["retry_attempt"], sent["retry_reason"], sent["accepts_response_payload"]) == (2, "timeout", False)
    ws.send(json.dumps({"envelope_id": event.envelope_id}))
    assert server.wait_for_ack(event.envelope_id).payload is None
    assert fake.problems == []


def test_the_sender_sends_what_signed_requests_send(fake: FakeSlack, server: SocketModeServer) -> None:
    ws = connect(fake)
    slack = SocketModeSender(server, fake=fake, timeout=0.2)
    for send in (lambda: slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"}, event_id="Ev2",
                                     retry_num=1, retry_reason="timeout"),
                 lambda: slack.view_submission({"callback_id": "poll_create", "blocks": []}, {}, user_id="U1"),
                 lambda: slack.block_action({"action_id": "poll_vote_yes", "value": "1"}, user_id="U1",
                                            channel_id="C1")):
        with pytest.raises(AssertionError):
            send()
    events, submission, click = (json.loads(ws.recv()) for _ in range(3))
    assert events["type"] == "events_api" and events["payload"]["event_id"] == "Ev2"
    assert (events["retry_attempt"], events["retry_reason"]) == (1, "timeout")
    assert submission["type"] == "interactive" and submission["payload"]["type"] == "view_submission"
    assert submission["accepts_response_payload"] is True
    assert click["payload"]["type"] == "block_actions" and click["accepts_response_payload"] is False
    with pytest.raises(NotImplementedError):
        slack.url_verification("challenge")


def test_what_slack_would_object_to_is_a_problem(fake: FakeSlack, server: SocketModeServer,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    ws = connect(fake)
    ws.send(json.dumps({"envelope_id": "never-sent"}))
    ws.send("not json")
    event = server.deliver("events_api", {"type": "event_callback"}, accepts_response_payload=False)
    ws.recv()
    ws.send(json.dumps({"envelope_id": event.envelope_id, "payload": {"text": "ignored"}}))
    ws.send(json.dumps({"envelope_id": event.envelope_id}))
    monkeypatch.setattr(socket_mode_module, "ACK_DEADLINE_SECONDS", 0.05)
    late = server.deliver("slash_commands", {"command": "/meet"}, accepts_response_payload=True)
    ws.recv()
    time.sleep(0.1)
    ws.send(json.dumps({"envelope_id": late.envelope_id}))
    server.wait_for_ack(late.envelope_id)
    time.sleep(0.1)
    problems = "\n".join(fake.problems)
    assert "ack for an envelope never sent: never-sent" in problems
    assert "not JSON" in problems
    assert "carries a payload, which Slack ignores" in problems
    assert "acknowledged twice" in problems
    assert "slash_commands (/meet) envelope acknowledged after" in problems
    assert all(problem.startswith("socket_mode: ") for problem in fake.problems)


def test_a_connection_url_works_once(fake: FakeSlack, server: SocketModeServer) -> None:
    url = open_url(fake)
    websocket.create_connection(url, timeout=5).close()
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket.create_connection(url, timeout=5)
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket.create_connection(f"ws://127.0.0.1:{server.port}/link/?ticket=made-up", timeout=5)
    assert len(fake.problems) == 2 and "used twice" in fake.problems[0]


def test_refresh_requested_warns_then_closes_and_envelopes_go_to_the_new_connection(
        fake: FakeSlack, server: SocketModeServer) -> None:
    server.refresh_close_after = 0.3
    old = connect(fake)
    server.disconnect()
    assert json.loads(old.recv()) == {"type": "disconnect", "reason": "refresh_requested",
                                      "debug_info": {"host": "applink-fake-1"}}
    new = connect(fake)
    envelope = server.deliver("interactive", {"type": "block_actions"}, accepts_response_payload=False)
    assert json.loads(new.recv())["envelope_id"] == envelope.envelope_id
    opcode, frame = old.recv_data_frame(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    first = server.connections[0]
    assert server.wait_until_closed(first.id).ended_by == "server" and first.disconnect_sent_at is not None


def test_a_reset_connection_is_reset(fake: FakeSlack, server: SocketModeServer) -> None:
    ws = connect(fake)
    assert server.reset().ended_by == "reset"
    with pytest.raises(ConnectionResetError):
        ws.sock.recv(1)
    with pytest.raises(NoConnection):
        server.deliver("slash_commands", {}, accepts_response_payload=True)


def test_a_bare_fin_closes_the_stream_without_a_close_frame(fake: FakeSlack, server: SocketModeServer) -> None:
    ws = connect(fake)
    assert server.fin().ended_by == "fin"
    assert ws.sock.recv(1) == b""  # end of stream, and no WebSocket close frame before it


def test_a_frozen_connection_answers_nothing_not_even_pings(fake: FakeSlack, server: SocketModeServer) -> None:
    ws = connect(fake)
    ws.ping("still there?")
    assert ws.recv_data_frame(control_frame=True)[0] == websocket.ABNF.OPCODE_PONG
    server.freeze()
    ws.ping("still there?")
    ws.settimeout(0.5)
    with pytest.raises((websocket.WebSocketTimeoutException, socket.timeout)):
        ws.recv_data_frame(control_frame=True)
    with pytest.raises(NoConnection):
        server.deliver("slash_commands", {}, accepts_response_payload=True)


def test_connections_can_be_refused_as_in_an_outage(fake: FakeSlack, server: SocketModeServer) -> None:
    server.refuse_connections()
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(open_url(fake), timeout=5)
    assert refused.value.status_code == 503
    server.refuse_connections(False)
    connect(fake).close()
    assert fake.problems == []
