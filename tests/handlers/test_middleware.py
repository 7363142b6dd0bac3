"""What every request goes through before its listener: who is acting, and for which workspace."""

from __future__ import annotations

from urllib.parse import urlencode

from slack_bolt import BoltRequest
from slack_sdk import WebClient

from bot.app import ConveneApp
from bot.slack.installations import current_workspace
from handlers.middleware import acting_user
from tests.harness.fake_slack import FakeSlack


def test_whoever_sends_a_command_click_or_dm_is_acting() -> None:
    assert acting_user({"command": "/issue", "user_id": "UALICE"}) == "UALICE"
    assert acting_user({"type": "block_actions", "user": {"id": "UBEN"}}) == "UBEN"
    assert acting_user({"type": "view_submission", "user": {"id": "UBEN"}}) == "UBEN"
    dm = {"type": "event_callback", "event": {"type": "message", "channel_type": "im", "user": "UALICE"}}
    assert acting_user(dm) == "UALICE"


def test_opening_the_home_or_a_bot_message_is_not_acting() -> None:
    assert acting_user({"type": "event_callback", "event": {"type": "app_home_opened", "user": "UALICE"}}) is None
    bot_dm = {"type": "event_callback",
              "event": {"type": "message", "channel_type": "im", "user": "UBOT", "bot_id": "B1"}}
    assert acting_user(bot_dm) is None
    edited = {"type": "event_callback",
              "event": {"type": "message", "channel_type": "im", "user": "UALICE", "subtype": "message_changed"}}
    assert acting_user(edited) is None


def test_a_listener_acts_for_the_requests_workspace_and_nothing_leaks_after(fake_slack: FakeSlack) -> None:
    app = ConveneApp(client=WebClient(token=fake_slack.bot_token, base_url=fake_slack.url), signing_secret="",
                     request_verification_enabled=False, token_verification_enabled=False,
                     process_before_response=True)
    seen: list[str | None] = []

    @app.command("/issue")
    def record(ack) -> None:  # type: ignore[no-untyped-def]
        seen.append(current_workspace())
        ack()

    for team_id in ("T0ALDER", "T0BIRCH"):
        body = urlencode({"command": "/issue", "text": "", "team_id": team_id, "user_id": "U1",
                          "channel_id": "C1", "response_url": "https://hooks.slack.invalid/x", "trigger_id": "t"})
        response = app.dispatch(BoltRequest(body=body, headers={"content-type": ["application/x-www-form-urlencoded"]}))
        assert response.status == 200
    assert seen == ["T0ALDER", "T0BIRCH"]
    assert current_workspace() is None
