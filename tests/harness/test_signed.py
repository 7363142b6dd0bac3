"""Tests for SlackSender: signatures, payload shapes, and that slack_bolt accepts what it sends.

The bolt app here is a minimal stand-in written for this test, not the Convene bot.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from tests.harness.fake_slack import FakeSlack

# Imported here rather than via conftest.py so that `pytest tests/harness --noconftest`
# runs these tests without loading the bot's fixtures (tests/conftest.py imports bot code).
from tests.harness.signed import SlackSender, slack_signature, view_state

SECRET = "fake-signing-secret"


# ---- a recording HTTP endpoint -------------------------------------------------------------


class _Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, answer: Any = None) -> None:
        super().__init__(("127.0.0.1", 0), _RecorderHandler)
        self.requests: list[dict[str, Any]] = []
        self.answer = answer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _RecorderHandler(BaseHTTPRequestHandler):
    server: _Recorder

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        answer = json.dumps(self.server.answer or {"received": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[_Recorder]:
    server = _Recorder()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _verify(request: dict[str, Any]) -> bool:
    headers = {k.lower(): v for k, v in request["headers"].items()}
    return SignatureVerifier(SECRET).is_valid(
        body=request["body"].decode(),
        timestamp=headers["x-slack-request-timestamp"],
        signature=headers["x-slack-signature"],
    )


def _payload(request: dict[str, Any]) -> dict[str, Any]:
    return json.loads(parse_qs(request["body"].decode())["payload"][0])


# ---- signatures ------------------------------------------------------------------------------


def test_signature_matches_slack_sdk_verifier():
    ts = str(int(time.time()))
    body = "token=x&text=caf%C3%A9+%E2%9C%93"
    signature = slack_signature(SECRET, ts, body)
    assert SignatureVerifier(SECRET).is_valid(body, ts, signature)
    assert signature == SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
    assert slack_signature(SECRET, ts, body.encode()) == signature
    assert not SignatureVerifier("another-secret").is_valid(body, ts, signature)


def test_every_request_is_signed_and_posted_to_slack_events(recorder):
    sender = SlackSender(recorder.url, SECRET)
    sender.command("/convene", "help", user_id="U1")
    sender.block_action({"action_id": "vote"}, user_id="U1", channel_id="C1")
    sender.view_submission({"type": "modal", "callback_id": "cb", "blocks": []}, {}, user_id="U1")
    sender.view_closed({"type": "modal", "callback_id": "cb", "blocks": []}, user_id="U1")
    sender.shortcut("sc", user_id="U1")
    sender.message_shortcut("msc", {"ts": "1.000001", "text": "hi", "user": "U2"}, user_id="U1", channel_id="C1")
    sender.block_suggestion("ext", "bo", user_id="U1")
    sender.event({"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "channel": "C1", "ts": "1.000002"})
    sender.url_verification("challenge-abc")
    assert len(recorder.requests) == 9
    assert all(r["path"] == "/slack/events" for r in recorder.requests)
    assert all(_verify(r) for r in recorder.requests)


def test_raw_allows_bad_and_stale_signatures(recorder):
    sender = SlackSender(recorder.url, SECRET)
    response = sender.raw(b"payload=%7B%7D", "application/x-www-form-urlencoded", signature="v0=" + "0" * 64)
    assert response.status == 200 and response.json() == {"received": True} and response.elapsed >= 0
    assert not _verify(recorder.requests[0])
    stale = int(time.time()) - 600
    sender.raw("x=1", "application/x-www-form-urlencoded", timestamp=stale)
    request = recorder.requests[1]
    # Correctly signed but old (SignatureVerifier.is_valid would refuse it for its age).
    expected = SignatureVerifier(SECRET).generate_signature(timestamp=str(stale), body="x=1")
    assert request["headers"]["X-Slack-Signature"] == expected
    assert request["headers"]["X-Slack-Request-Timestamp"] == str(stale)


# ---- payload shapes --------------------------------------------------------------------------


def test_command_is_form_encoded_like_slack(recorder):
    sender = SlackSender(recorder.url, SECRET, clock=lambda: 1_800_000_000.5)
    sender.command("/convene", "propose Tuesday", user_id="U1", channel_id="C1")
    request = recorder.requests[0]
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert request["headers"]["X-Slack-Request-Timestamp"] == "1800000000"
    form = {k: v[0] for k, v in parse_qs(request["body"].decode(), keep_blank_values=True).items()}
    assert set(form) == {"token", "team_id", "team_domain", "channel_id", "channel_name", "user_id", "user_name",
                         "command", "text", "api_app_id", "is_enterprise_install", "response_url", "trigger_id"}
    assert form["command"] == "/convene" and form["text"] == "propose Tuesday" and form["team_id"] == "T0CONVENE"
    with pytest.raises(ValueError):
        sender.command("convene", user_id="U1")


def test_block_action_fills_the_action_from_the_message(recorder):
    message = {"ts": "1800000000.000100", "text": "Vote", "user": "UBOT", "channel": "C1", "files": [],
               "blocks": [{"type": "actions", "block_id": "poll", "elements": [
                   {"type": "button", "action_id": "vote", "value": "tue", "text": {"type": "plain_text", "text": "Tue"}}]}]}
    SlackSender(recorder.url, SECRET).block_action({"action_id": "vote"}, user_id="U1", channel_id="C1", message=message)
    payload = _payload(recorder.requests[0])
    assert payload["type"] == "block_actions"
    assert payload["container"] == {"type": "message", "message_ts": "1800000000.000100", "channel_id": "C1",
                                    "is_ephemeral": False}
    [action] = payload["actions"]
    assert action["block_id"] == "poll" and action["value"] == "tue" and action["type"] == "button"
    assert "action_ts" in action
    assert "channel" not in payload["message"] and "files" not in payload["message"]
    assert payload["user"]["id"] == "U1" and payload["team"]["id"] == "T0CONVENE"
    assert payload["response_url"] and payload["state"] == {"values": {}}


def test_event_envelope_and_retry_headers(recorder):
    sender = SlackSender(recorder.url, SECRET, clock=lambda: 1_800_000_000.0)
    sender.event({"type": "app_home_opened", "user": "U1", "tab": "home"}, event_id="Ev1", retry_num=2)
    request = recorder.requests[0]
    envelope = json.loads(request["body"])
    assert envelope["type"] == "event_callback" and envelope["event_id"] == "Ev1"
    assert envelope["event_time"] == 1_800_000_000
    assert envelope["event"]["event_ts"] == "1800000000.000000"
    assert envelope["authorizations"] == [{"enterprise_id": None, "team_id": "T0CONVENE", "user_id": "UBOT",
                                           "is_bot": True, "is_enterprise_install": False}]
    assert request["headers"]["X-Slack-Retry-Num"] == "2"
    assert request["headers"]["X-Slack-Retry-Reason"] == "http_timeout"


def test_view_state_builds_slack_state_values():
    view = {"type": "modal", "blocks": [
        {"type": "input", "block_id": "title", "label": {"type": "plain_text", "text": "T"},
         "element": {"type": "plain_text_input", "action_id": "value"}},
        {"type": "input", "block_id": "day", "label": {"type": "plain_text", "text": "D"},
         "element": {"type": "static_select", "action_id": "pick", "options": [
             {"text": {"type": "plain_text", "text": "Tuesday"}, "value": "tue"}]}},
        {"type": "input", "block_id": "when", "label": {"type": "plain_text", "text": "W"},
         "element": {"type": "datepicker", "action_id": "date"}},
        {"type": "input", "block_id": "who", "label": {"type": "plain_text", "text": "P"},
         "element": {"type": "multi_users_select", "action_id": "people"}},
    ]}
    values = view_state(view, {"value": "Board meeting", "pick": "tue", "people": ["U1", "U2"]})
    assert values == {
        "title": {"value": {"type": "plain_text_input", "value": "Board meeting"}},
        "day": {"pick": {"type": "static_select",
                         "selected_option": {"text": {"type": "plain_text", "text": "Tuesday"}, "value": "tue"}}},
        "when": {"date": {"type": "datepicker", "selected_date": None}},
        "who": {"people": {"type": "multi_users_select", "selected_users": ["U1", "U2"]}},
    }
    with pytest.raises(KeyError):
        view_state(view, {"nope": 1})


def test_view_state_reports_untouched_initial_values_as_slack_does():
    tuesday = {"text": {"type": "plain_text", "text": "Tuesday"}, "value": "tue"}
    view = {"type": "modal", "blocks": [
        {"type": "input", "block_id": "title", "label": {"type": "plain_text", "text": "T"},
         "element": {"type": "plain_text_input", "action_id": "value", "initial_value": "Board"}},
        {"type": "input", "block_id": "day", "label": {"type": "plain_text", "text": "D"},
         "element": {"type": "checkboxes", "action_id": "pick", "options": [tuesday], "initial_options": [tuesday]}},
        {"type": "input", "block_id": "when", "label": {"type": "plain_text", "text": "W"},
         "element": {"type": "datepicker", "action_id": "date", "initial_date": "2026-12-01"}},
    ]}
    assert view_state(view, {"value": "Changed"}) == {
        "title": {"value": {"type": "plain_text_input", "value": "Changed"}},
        "day": {"pick": {"type": "checkboxes", "selected_options": [tuesday]}},
        "when": {"date": {"type": "datepicker", "selected_date": "2026-12-01"}},
    }


# ---- against a real slack_bolt App -------------------------------------------------------------


class _BoltServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app: App) -> None:
        super().__init__(("127.0.0.1", 0), _BoltHandler)
        self.app = app


class _BoltHandler(BaseHTTPRequestHandler):
    server: _BoltServer

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        headers = {k.lower(): [v] for k, v in self.headers.items()}
        response = self.server.app.dispatch(BoltRequest(body=body, headers=headers))
        data = (response.body or "").encode()
        self.send_response(response.status)
        for key, values in response.headers.items():
            for value in values:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def bolt(fake_slack: FakeSlack) -> Iterator[tuple[SlackSender, dict[str, Any]]]:
    """A tiny bolt App (not the bot) behind HTTP, and a SlackSender wired to it and to the fake."""
    seen: dict[str, Any] = {}
    client = WebClient(token=fake_slack.bot_token, base_url=fake_slack.url)
    app = App(client=client, signing_secret=SECRET, process_before_response=True)

    @app.command("/convene")
    def on_command(ack, respond, command):
        ack()
        seen["command"] = command
        respond(text=f"You said {command['text']}")

    @app.action("vote")
    def on_vote(ack, respond, action):
        ack()
        seen["action"] = action
        respond(text="Thanks", replace_original=True)

    @app.view("propose")
    def on_submit(ack, view):
        seen["values"] = view["state"]["values"]
        ack(response_action="errors", errors={"title": "Too short"})

    @app.view_closed("propose")
    def on_closed(ack, view):
        ack()
        seen["closed"] = view["id"]

    @app.shortcut("start")
    def on_shortcut(ack, shortcut):
        ack()
        seen["shortcut"] = shortcut["callback_id"]

    @app.message_shortcut("log_issue")
    def on_message_shortcut(ack, shortcut):
        ack()
        seen["message_shortcut"] = shortcut["message"]["text"]

    @app.options("venue")
    def on_options(ack, payload):
        ack(options=[{"text": {"type": "plain_text", "text": payload["value"].title()}, "value": payload["value"]}])

    @app.event("app_mention")
    def on_mention(event, say):
        say(text="Hello", thread_ts=event["ts"])

    server = _BoltServer(app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    sender = SlackSender(f"http://127.0.0.1:{server.server_address[1]}", SECRET, fake=fake_slack)
    yield sender, seen
    server.shutdown()
    server.server_close()


def test_bolt_accepts_every_payload(fake_slack, bolt):
    sender, seen = bolt
    fake_slack.add_channel("C1", name="wg", members=["U1"])

    assert sender.url_verification("abc").json() == {"challenge": "abc"}

    assert sender.command("/convene", "hello", user_id="U1", channel_id="C1").status == 200
    assert seen["command"]["user_id"] == "U1"
    assert fake_slack.calls_to("response_url")[0].args["text"] == "You said hello"

    posted = WebClient(token=fake_slack.bot_token, base_url=fake_slack.url).chat_postMessage(
        channel="C1", text="Vote", blocks=[{"type": "actions", "block_id": "poll", "elements": [
            {"type": "button", "action_id": "vote", "value": "tue", "text": {"type": "plain_text", "text": "Tue"}}]}])
    message = fake_slack.message("C1", posted["ts"])
    assert sender.block_action({"action_id": "vote"}, user_id="U1", channel_id="C1", message=message).status == 200
    assert seen["action"]["value"] == "tue"
    assert fake_slack.message("C1", posted["ts"])["text"] == "Thanks"  # replace_original took effect

    view = {"type": "modal", "callback_id": "propose", "title": {"type": "plain_text", "text": "Propose"},
            "blocks": [{"type": "input", "block_id": "title", "label": {"type": "plain_text", "text": "Title"},
                        "element": {"type": "plain_text_input", "action_id": "value"}}]}
    submitted = sender.view_submission(view, view_state(view, {"value": "B"}), user_id="U1")
    assert submitted.json() == {"response_action": "errors", "errors": {"title": "Too short"}}
    assert seen["values"]["title"]["value"]["value"] == "B"
    assert sender.view_closed(view, user_id="U1", view_id="V123").status == 200
    assert seen["closed"] == "V123"

    assert sender.shortcut("start", user_id="U1").status == 200
    assert sender.message_shortcut("log_issue", message, user_id="U1", channel_id="C1").status == 200
    assert seen["shortcut"] == "start" and seen["message_shortcut"] == "Vote"

    options = sender.block_suggestion("venue", "town hall", user_id="U1", view={**view, "id": "V1"})
    assert options.json()["options"][0]["value"] == "town hall"

    mention = sender.app_mention("<@UBOT> hi", user_id="U1", channel_id="C1", ts=posted["ts"])
    assert mention.status == 200
    replies = fake_slack.wait_for(lambda: [m for m in fake_slack.messages("C1") if m["thread_ts"] == posted["ts"]
                                           and m["ts"] != posted["ts"]])
    assert replies[0]["text"] == "Hello"
    assert fake_slack.problems == []


def test_bolt_rejects_bad_and_stale_signatures(bolt):
    sender, _ = bolt
    body = "command=%2Fconvene&text=hi"
    assert sender.raw(body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64).status == 401
    stale = int(time.time()) - 6 * 60
    assert sender.raw(body, "application/x-www-form-urlencoded", timestamp=stale).status == 401
