"""Tests for FakeSlack, driven through a real slack_sdk WebClient (no bot code involved)."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from slack_sdk import WebClient, WebhookClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from tests.harness import fake_slack as fake_slack_module
from tests.harness.fake_slack import FakeSlack, SpecNotFoundError, load_spec_methods

# Imported here rather than via conftest.py so that `pytest tests/harness --noconftest`
# runs these tests without loading the bot's fixtures (tests/conftest.py imports bot code).

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Board meeting*"}}


def error_of(call, *args, **kwargs) -> str:
    """Run a WebClient call expected to fail and return Slack's error code."""
    with pytest.raises(SlackApiError) as excinfo:
        call(*args, **kwargs)
    return excinfo.value.response["error"]


# ---- the spec ---------------------------------------------------------------------------


def test_missing_spec_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("SLACK_API_SPEC", str(tmp_path / "nope.json"))
    with pytest.raises(SpecNotFoundError, match="SLACK_API_SPEC"):
        FakeSlack()


def test_allow_list_only_holds_methods_missing_from_the_spec():
    spec = load_spec_methods(str(fake_slack_module.find_spec_path()))
    assert not set(fake_slack_module.ALLOW_LISTED_METHODS) & set(spec)
    # Overrides must fix real spec entries, not invent methods.
    assert set(fake_slack_module.REQUIRED_OVERRIDES) <= set(spec)


# ---- messages ---------------------------------------------------------------------------


def test_post_is_recorded_and_appears_in_messages(fake_slack, slack_client):
    fake_slack.add_channel("C1", name="wg-commissioning", members=["U1"])
    resp = slack_client.chat_postMessage(channel="C1", text="Board meeting", blocks=[SECTION])

    assert resp["channel"] == "C1"
    assert resp["message"]["text"] == "Board meeting"
    [call] = fake_slack.calls_to("chat.postMessage")
    assert call.token == "xoxb-fake-test-token"
    assert call.json("blocks") == [SECTION]
    assert call.status == 200 and call.ok
    [msg] = fake_slack.messages("C1")
    assert msg["ts"] == resp["ts"] and msg["user"] == "UBOT" and msg["blocks"] == [SECTION]
    assert fake_slack.message("#wg-commissioning", resp["ts"])["text"] == "Board meeting"
    assert fake_slack.problems == []


def test_ts_values_are_unique_and_increasing(fake_slack, slack_client):
    stamps = [slack_client.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(5)]
    assert len(set(stamps)) == 5
    assert stamps == sorted(stamps, key=float)
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


def test_form_encoded_blocks_are_kept_raw_and_decoded_by_json(fake_slack):
    body = "channel=C1&text=hi&blocks=" + urllib.request.quote(json.dumps([SECTION]))
    req = urllib.request.Request(
        fake_slack.url + "chat.postMessage", data=body.encode(),
        headers={"Authorization": "Bearer xoxb-fake-test-token",
                 "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert json.load(urllib.request.urlopen(req))["ok"] is True
    [call] = fake_slack.calls_to("chat.postMessage")
    assert isinstance(call.args["blocks"], str)
    assert call.json("blocks") == [SECTION]


def test_update_changes_the_message_and_unknown_ts_is_message_not_found(fake_slack, slack_client):
    ts = slack_client.chat_postMessage(channel="C1", text="draft", blocks=[SECTION])["ts"]
    slack_client.chat_update(channel="C1", ts=ts, text="final")

    msg = fake_slack.message("C1", ts)
    assert msg["text"] == "final"
    assert msg["blocks"] == [SECTION]  # omitted blocks are kept, as in Slack
    assert msg["edited"]["user"] == "UBOT"
    assert error_of(slack_client.chat_update, channel="C1", ts="1.000001", text="x") == "message_not_found"


def test_delete_and_threads(fake_slack, slack_client):
    parent = slack_client.chat_postMessage(channel="C1", text="parent")["ts"]
    reply = slack_client.chat_postMessage(channel="C1", text="reply", thread_ts=parent)["ts"]

    history = slack_client.conversations_history(channel="C1")["messages"]
    assert [m["text"] for m in history] == ["parent"]  # replies stay in the thread
    assert history[0]["reply_count"] == 1
    replies = slack_client.conversations_replies(channel="C1", ts=parent)["messages"]
    assert [m["text"] for m in replies] == ["parent", "reply"]

    slack_client.chat_delete(channel="C1", ts=reply)
    assert [m["ts"] for m in fake_slack.messages("C1")] == [parent]
    assert error_of(slack_client.chat_delete, channel="C1", ts=reply) == "message_not_found"


def test_history_is_newest_first_with_limit_and_range(fake_slack, slack_client):
    stamps = [slack_client.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(4)]
    page = slack_client.conversations_history(channel="C1", limit=2)
    assert [m["text"] for m in page["messages"]] == ["3", "2"]
    assert page["has_more"] is True
    rest = slack_client.conversations_history(channel="C1", limit=2, cursor=page["response_metadata"]["next_cursor"])
    assert [m["text"] for m in rest["messages"]] == ["1", "0"]
    ranged = slack_client.conversations_history(channel="C1", oldest=stamps[0], latest=stamps[3])
    assert [m["text"] for m in ranged["messages"]] == ["2", "1"]


def test_humans_messages_can_be_seeded_and_are_not_editable(fake_slack, slack_client):
    seeded = fake_slack.add_message("C1", "when do we meet?", user="U1")
    assert slack_client.conversations_history(channel="C1")["messages"][0]["user"] == "U1"
    assert error_of(slack_client.chat_update, channel="C1", ts=seeded["ts"], text="x") == "cant_update_message"


def test_ephemeral_permalink_reactions_and_schedule(fake_slack, slack_client):
    fake_slack.add_channel("C1", name="wg", members=["U1"])
    ts = slack_client.chat_postMessage(channel="C1", text="vote")["ts"]

    assert slack_client.chat_postEphemeral(channel="C1", user="U1", text="only you")["message_ts"]
    assert fake_slack.ephemerals[0]["user"] == "U1"
    assert error_of(slack_client.chat_postEphemeral, channel="C1", user="U9", text="x") == "user_not_in_channel"

    link = slack_client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"]
    assert link == f"https://fake.slack.test/archives/C1/p{ts.replace('.', '')}"

    slack_client.reactions_add(channel="C1", timestamp=ts, name="white_check_mark")
    assert error_of(slack_client.reactions_add, channel="C1", timestamp=ts, name="white_check_mark") == "already_reacted"
    assert fake_slack.message("C1", ts)["reactions"][0]["count"] == 1

    post_at = int(time.time()) + 3600
    scheduled = slack_client.chat_scheduleMessage(channel="C1", text="reminder", post_at=post_at)
    assert scheduled["scheduled_message_id"].startswith("Q")
    assert error_of(slack_client.chat_scheduleMessage, channel="C1", text="x", post_at=1) == "time_in_past"
    [delivered] = fake_slack.deliver_scheduled(now=post_at)
    assert delivered["text"] == "reminder"
    assert fake_slack.problems == []


def test_membership_rules(fake_slack, slack_client):
    fake_slack.add_channel("CPUB", name="public", members=["U1"], bot_is_member=False)
    fake_slack.add_channel("CPRIV", name="private", members=["U1"], is_private=True, bot_is_member=False)
    assert error_of(slack_client.chat_postMessage, channel="CPUB", text="x") == "not_in_channel"
    assert error_of(slack_client.chat_postMessage, channel="CPRIV", text="x") == "channel_not_found"
    assert error_of(slack_client.chat_postMessage, channel="#no-such-channel", text="x") == "channel_not_found"
    slack_client.conversations_join(channel="CPUB")
    assert slack_client.chat_postMessage(channel="CPUB", text="x")["ok"]


# ---- directory -------------------------------------------------------------------------------


def test_users_info_returns_tz_and_unknown_user_fails(fake_slack, slack_client):
    fake_slack.add_user("U1", name="alice", real_name="Alice Smith", tz="America/New_York", is_admin=True)
    user = slack_client.users_info(user="U1")["user"]

    assert user["tz"] == "America/New_York"
    assert user["tz_offset"] in (-5 * 3600, -4 * 3600)
    assert user["tz_label"] in ("EST", "EDT")
    assert user["profile"]["real_name"] == "Alice Smith"
    assert user["is_admin"] is True and user["is_bot"] is False and user["team_id"] == "T0CONVENE"
    assert error_of(slack_client.users_info, user="U404") == "user_not_found"


def test_users_list_pages_and_includes_bots_like_slack(fake_slack, slack_client):
    for i in range(3):
        fake_slack.add_user(f"U{i}", name=f"user{i}")
    first = slack_client.users_list(limit=2)
    assert len(first["members"]) == 2
    ids = [m["id"] for page in slack_client.users_list(limit=2) for m in page["members"]]
    assert ids == ["UBOT", "USLACKBOT", "U0", "U1", "U2"]


def test_conversations_members_pages(fake_slack, slack_client):
    fake_slack.add_channel("C1", name="wg", members=[f"U{i}" for i in range(5)])
    first = slack_client.conversations_members(channel="C1", limit=2)
    assert first["members"] == ["U0", "U1"]
    cursor = first["response_metadata"]["next_cursor"]
    assert cursor
    members = [m for page in slack_client.conversations_members(channel="C1", limit=2) for m in page["members"]]
    assert members == ["U0", "U1", "U2", "U3", "U4", "UBOT"]  # Slack lists the bot too
    assert error_of(slack_client.conversations_members, channel="C1", cursor="garbage!") == "invalid_cursor"
    assert error_of(slack_client.conversations_members, channel="C404") == "channel_not_found"


def test_conversations_open_is_stable_and_dms_show_in_messages(fake_slack, slack_client):
    fake_slack.add_user("U1", name="alice")
    first = slack_client.conversations_open(users="U1")["channel"]["id"]
    again = slack_client.conversations_open(users="U1")
    assert first == "D1" and again["channel"]["id"] == "D1" and again["already_open"]
    slack_client.chat_postMessage(channel=first, text="hello")
    slack_client.chat_postMessage(channel="U1", text="posting to a user ID lands in the DM")
    assert [m["text"] for m in fake_slack.messages("U1")] == ["hello", "posting to a user ID lands in the DM"]
    assert fake_slack.messages("D1") == fake_slack.messages("U1")


def test_conversations_info_and_list(fake_slack, slack_client):
    fake_slack.add_channel("C1", name="wg", members=["U1"])
    fake_slack.add_channel("C2", name="secret", is_private=True)
    info = slack_client.conversations_info(channel="C1", include_num_members=True)["channel"]
    assert info["name"] == "wg" and info["is_member"] and info["num_members"] == 2
    names = [c["name"] for c in slack_client.conversations_list()["channels"]]
    assert names == ["wg"]
    both = slack_client.conversations_list(types="public_channel,private_channel")["channels"]
    assert [c["name"] for c in both] == ["wg", "secret"]


def test_reset_keeps_directory_unless_asked(fake_slack, slack_client):
    fake_slack.add_user("U1", name="alice")
    slack_client.chat_postMessage(channel="C1", text="x")
    fake_slack.reset()
    assert fake_slack.calls == [] and fake_slack.messages("C1") == []
    assert slack_client.users_info(user="U1")["ok"]
    fake_slack.reset(directory=True)
    assert error_of(slack_client.users_info, user="U1") == "user_not_found"


# ---- files ------------------------------------------------------------------------------------


def test_files_upload_v2_end_to_end(fake_slack, slack_client):
    content = "date,attendees\n2025-03-04,5\n"
    resp = slack_client.files_upload_v2(
        channel="C1", content=content, filename="availability.csv", title="Availability",
        initial_comment="Here is the grid",
    )

    assert resp["file"]["id"].startswith("F")
    [stored] = fake_slack.files
    assert stored["content"] == content.encode()
    assert stored["filename"] == "availability.csv" and stored["title"] == "Availability"
    assert stored["channel_id"] == "C1" and stored["initial_comment"] == "Here is the grid"
    [msg] = fake_slack.messages("C1")
    assert msg["text"] == "Here is the grid" and msg["files"][0]["id"] == stored["id"]
    assert [c.method for c in fake_slack.calls] == [
        "files.getUploadURLExternal", "file_upload", "files.completeUploadExternal"]
    assert fake_slack.problems == []


def test_complete_without_uploading_fails(fake_slack, slack_client):
    ticket = slack_client.files_getUploadURLExternal(filename="x.txt", length=3)
    assert ticket["upload_url"].startswith(fake_slack.base_url + "/upload/")
    code = error_of(slack_client.files_completeUploadExternal, files=[{"id": ticket["file_id"], "title": "x"}],
                    channel_id="C1")
    assert code == "file_not_found"
    assert any("never uploaded" in p for p in fake_slack.problems)


def test_retired_files_upload_is_refused(fake_slack, slack_client):
    with pytest.warns(UserWarning):
        assert error_of(slack_client.files_upload, content="x", channels="C1") == "method_deprecated"
    assert any(p.startswith("files.upload:") for p in fake_slack.problems)


# ---- views ------------------------------------------------------------------------------------

MODAL = {
    "type": "modal",
    "callback_id": "propose",
    "title": {"type": "plain_text", "text": "Propose dates"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [{"type": "input", "block_id": "title", "label": {"type": "plain_text", "text": "Title"},
                "element": {"type": "plain_text_input", "action_id": "value"}}],
}


def test_views_open_update_publish(fake_slack, slack_client):
    opened = slack_client.views_open(trigger_id="1.2.abc", view=MODAL)["view"]
    assert opened["id"].startswith("V") and opened["hash"]
    assert fake_slack.views[opened["id"]]["callback_id"] == "propose"

    changed = {**MODAL, "title": {"type": "plain_text", "text": "Saved"}}
    updated = slack_client.views_update(view_id=opened["id"], hash=opened["hash"], view=changed)["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert error_of(slack_client.views_update, view_id=opened["id"], hash=opened["hash"], view=changed) == "hash_conflict"
    assert error_of(slack_client.views_update, view_id="V404", view=changed) == "not_found"

    home = {"type": "home", "blocks": [SECTION]}
    first = slack_client.views_publish(user_id="U1", view=home)["view"]
    again = slack_client.views_publish(user_id="U1", view=home)["view"]
    assert first["id"] == again["id"]
    assert fake_slack.home_views["U1"]["blocks"] == [SECTION]
    assert fake_slack.problems == []


def test_invalid_views_are_rejected(fake_slack, slack_client):
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "x" * 25}}
    assert error_of(slack_client.views_open, trigger_id="1.2.abc", view=long_title) == "invalid_arguments"
    assert error_of(slack_client.views_publish, user_id="U1", view=MODAL) == "invalid_arguments"  # not a home view
    no_trigger = fake_slack.calls_to("views.open")
    assert len(no_trigger) == 1
    assert any("view.title.text: 25 chars, max 24" in p for p in fake_slack.problems)
    assert any("needs a 'home' view" in p for p in fake_slack.problems)


# ---- validation ----------------------------------------------------------------------------------


def test_missing_required_argument_is_a_problem(fake_slack, slack_client):
    assert error_of(slack_client.api_call, "chat.postEphemeral", json={"channel": "C1", "text": "x"}) == "invalid_arguments"
    assert fake_slack.problems == ["chat.postEphemeral: missing required argument(s): user"]
    # The spec forgets conversations.members' channel; our override does not.
    assert error_of(slack_client.api_call, "conversations.members", http_verb="GET", params={}) == "invalid_arguments"
    assert "conversations.members: missing required argument(s): channel" in fake_slack.problems


def test_views_open_accepts_interactivity_pointer_instead_of_trigger_id(fake_slack, slack_client):
    slack_client.views_open(interactivity_pointer="1.2.abc", view=MODAL)
    assert error_of(slack_client.api_call, "views.open", json={"view": MODAL}) == "invalid_arguments"
    assert fake_slack.problems == ["views.open: missing required argument(s): trigger_id or interactivity_pointer"]


def test_unknown_method_is_a_problem(fake_slack, slack_client):
    assert error_of(slack_client.api_call, "chat.postMessageNow", json={"channel": "C1"}) == "unknown_method"
    assert fake_slack.problems and "chat.postMessageNow" in fake_slack.problems[0]


def test_unmodelled_spec_methods_answer_ok(fake_slack, slack_client):
    assert slack_client.api_call("conversations.setTopic", json={"channel": "C1", "topic": "Dates"})["ok"]
    assert fake_slack.problems == []


def test_wrong_or_missing_token(fake_slack):
    wrong = WebClient(token="xoxb-some-other-token", base_url=fake_slack.url)
    assert error_of(wrong.chat_postMessage, channel="C1", text="x") == "invalid_auth"
    assert fake_slack.problems == []  # a wrong token is an answer, not a harness problem

    anonymous = WebClient(base_url=fake_slack.url)
    assert error_of(anonymous.chat_postMessage, channel="C1", text="x") == "not_authed"
    assert fake_slack.problems == ["chat.postMessage: no token (send 'Authorization: Bearer xoxb-...')"]


def test_socket_mode_open_takes_the_app_token(fake_slack, slack_client):
    app_client = WebClient(base_url=fake_slack.url)
    resp = app_client.apps_connections_open(app_token="xapp-fake-app-token")
    assert resp["url"] == "ws://127.0.0.1:1/"
    assert error_of(app_client.apps_connections_open, app_token="xoxb-fake-test-token") == "not_allowed_token_type"


@pytest.mark.parametrize(
    "blocks, expected",
    [
        ([{"type": "divider"}] * 51, "51 blocks, max 50"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}], "blocks[0].text.text: 3001 chars, max 3000"),
        ([{"type": "actions", "elements": [{"type": "buttn", "text": {"type": "plain_text", "text": "Go"}}]}],
         "blocks[0].elements[0].type: unknown element type 'buttn'"),
    ],
    ids=["51-blocks", "3001-char-section", "bad-element"],
)
def test_invalid_blocks_are_rejected(fake_slack, slack_client, blocks, expected):
    assert error_of(slack_client.chat_postMessage, channel="C1", text="x", blocks=blocks) == "invalid_blocks"
    [problem] = fake_slack.problems
    assert problem.startswith("chat.postMessage: ") and expected in problem
    assert fake_slack.messages("C1") == []
    assert fake_slack.calls_to("chat.postMessage", ok_only=True) == []
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_message_without_content_and_overlong_text(fake_slack, slack_client):
    assert error_of(slack_client.api_call, "chat.postMessage", json={"channel": "C1"}) == "no_text"
    assert error_of(slack_client.chat_postMessage, channel="C1", text="x" * 40_001) == "msg_too_long"
    assert len(fake_slack.problems) == 2


# ---- faults -------------------------------------------------------------------------------------


def test_fail_next_applies_n_times(fake_slack, slack_client):
    fake_slack.fail_next("chat.postMessage", error="channel_not_found", times=2)
    assert error_of(slack_client.chat_postMessage, channel="C1", text="x") == "channel_not_found"
    assert error_of(slack_client.chat_postMessage, channel="C1", text="x") == "channel_not_found"
    assert slack_client.chat_postMessage(channel="C1", text="x")["ok"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 3
    assert len(fake_slack.calls_to("chat.postMessage", ok_only=True)) == 1


def test_rate_limit_is_retried_by_the_sdk_handler(fake_slack, monkeypatch):
    # RateLimitErrorRetryHandler sleeps Retry-After + random.random(); pin the jitter to 0.
    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.random.random", lambda: 0.0)
    client = WebClient(token=fake_slack.bot_token, base_url=fake_slack.url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    fake_slack.rate_limit_next("chat.postMessage", retry_after=0, times=1)

    resp = client.chat_postMessage(channel="C1", text="once")

    assert resp["ok"]
    limited, accepted = fake_slack.calls_to("chat.postMessage")
    assert limited.status == 429 and limited.response == {"ok": False, "error": "ratelimited"}
    assert accepted.status == 200
    assert len(fake_slack.messages("C1")) == 1


def test_rate_limit_sends_retry_after_header(fake_slack):
    fake_slack.rate_limit_next("auth.test", retry_after=0)
    req = urllib.request.Request(fake_slack.url + "auth.test", data=b"",
                                 headers={"Authorization": "Bearer xoxb-fake-test-token"})
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(req)
    assert excinfo.value.code == 429
    assert excinfo.value.headers["Retry-After"] == "0"
    assert json.loads(excinfo.value.read()) == {"ok": False, "error": "ratelimited"}


def test_rate_limit_without_retry_handler_surfaces_as_error(fake_slack, slack_client):
    fake_slack.rate_limit_next("chat.postMessage", retry_after=0)
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.chat_postMessage(channel="C1", text="x")
    response = excinfo.value.response
    assert response.status_code == 429 and response["error"] == "ratelimited"
    assert response.headers["Retry-After"] == "0"


def test_rate_limit_share_is_reproducible(fake_slack, slack_client):
    def statuses() -> list[int]:
        fake_slack.reset()
        fake_slack.rate_limit_share(0.5, methods={"auth.test"}, retry_after=0, seed=7)
        for _ in range(20):
            try:
                slack_client.auth_test()
            except SlackApiError:
                pass
        return [c.status for c in fake_slack.calls_to("auth.test")]

    first = statuses()
    assert 0 < first.count(429) < 20
    assert statuses() == first


def test_delay_slows_answers_and_clear_faults_stops_it(fake_slack, slack_client):
    fake_slack.delay("chat.update", seconds=0.2)
    ts = slack_client.chat_postMessage(channel="C1", text="x")["ts"]
    done = threading.Event()
    threading.Thread(target=lambda: (slack_client.chat_update(channel="C1", ts=ts, text="y"), done.set())).start()
    call = fake_slack.wait_for(lambda: next(iter(fake_slack.calls_to("chat.update")), None))
    assert call.status is None  # still being answered
    assert done.wait(2)
    assert call.status == 200
    fake_slack.clear_faults()
    slack_client.chat_update(channel="C1", ts=ts, text="z")
    assert fake_slack.calls_to("chat.update")[-1].status == 200


def test_wait_for_times_out_with_recent_calls(fake_slack, slack_client):
    slack_client.auth_test()
    with pytest.raises(AssertionError, match=r"(?s)never.*auth\.test"):
        fake_slack.wait_for(lambda: False, timeout=0.05, message="never")


# ---- response URLs ----------------------------------------------------------------------------


def test_response_url_posts_are_recorded_and_validated(fake_slack):
    url = fake_slack.response_url("r1")
    assert url == f"{fake_slack.base_url}/response/r1"
    webhook = WebhookClient(url)

    assert webhook.send(text="Saved", response_type="ephemeral").status_code == 200
    bad = webhook.send(text="x", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}}])
    assert bad.status_code == 400 and bad.body == "invalid_blocks"

    first, second = fake_slack.calls_to("response_url")
    assert first.args["text"] == "Saved" and first.args["response_url_name"] == "r1" and first.ok
    assert not second.ok
    assert fake_slack.problems == ["response_url: r1: blocks[0].text.text: 3001 chars, max 3000"]


def test_response_url_replace_and_delete_original(fake_slack, slack_client):
    ts = slack_client.chat_postMessage(channel="C1", text="Vote here", blocks=[SECTION])["ts"]
    url = fake_slack.response_url("act", channel="C1", message_ts=ts, user="U1")
    WebhookClient(url).send(text="Thanks for voting", replace_original=True)
    assert fake_slack.message("C1", ts)["text"] == "Thanks for voting"
    WebhookClient(url).send(text="Posted for all", response_type="in_channel")
    assert fake_slack.messages("C1")[-1]["text"] == "Posted for all"
    WebhookClient(url).send(delete_original=True)
    assert [m["text"] for m in fake_slack.messages("C1")] == ["Posted for all"]
    assert fake_slack.problems == []


def test_without_shared_the_trimmed_copy_validates_the_same_way(monkeypatch):
    monkeypatch.setattr(fake_slack_module, "DEFAULT_SPEC_PATH", fake_slack_module.TRIMMED_SPEC_PATH.with_name("absent.json"))
    assert fake_slack_module.find_spec_path() == fake_slack_module.TRIMMED_SPEC_PATH
    methods = load_spec_methods(str(fake_slack_module.TRIMMED_SPEC_PATH))
    assert "channel" in methods["chat.postMessage"] and "views.publish" in methods


# ---- several workspaces -------------------------------------------------------------------------

OTHER = "T0OTHER"


class TickingClock:
    """A clock for FakeSlack that tests move by hand (seconds since the epoch)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def client_for(fake: FakeSlack, team_id: str) -> WebClient:
    return WebClient(token=fake.installed_token(team_id), base_url=fake.url)


def test_add_workspace_answers_auth_test_as_that_workspace(fake_slack, slack_client):
    other = fake_slack.add_workspace(OTHER, team_name="Other Org")
    assert other == {"team_id": OTHER, "bot_token": "xoxb-fake-t0other", "bot_user_id": "UBOT0OTH",
                     "bot_id": "B0OTHER", "team_name": "Other Org"}
    assert fake_slack.workspaces == ["T0CONVENE", OTHER]

    answer = WebClient(token="xoxb-fake-t0other", base_url=fake_slack.url).auth_test()
    assert (answer["team_id"], answer["team"], answer["user_id"], answer["bot_id"]) == (
        OTHER, "Other Org", "UBOT0OTH", "B0OTHER")
    primary = slack_client.auth_test()
    assert (primary["team_id"], primary["team"], primary["user_id"], primary["bot_id"]) == (
        "T0CONVENE", "Convene Test", "UBOT", "B0CONVENE")
    assert (fake_slack.team_id, fake_slack.bot_user_id, fake_slack.bot_token) == (
        "T0CONVENE", "UBOT", "xoxb-fake-test-token")
    assert fake_slack.problems == []


def test_calls_are_attributed_to_the_workspace_of_their_token(fake_slack, slack_client):
    fake_slack.add_workspace(OTHER, bot_token="xoxb-other", bot_user_id="UOTHERBOT")
    WebClient(token="xoxb-other", base_url=fake_slack.url).auth_test()
    slack_client.auth_test()
    WebClient(base_url=fake_slack.url).api_test()
    with pytest.raises(SlackApiError):
        WebClient(token="xoxb-unknown", base_url=fake_slack.url).auth_test()

    assert [c.team_id for c in fake_slack.calls] == [OTHER, "T0CONVENE", None, None]
    [other_call] = fake_slack.calls_for(OTHER)
    assert other_call.token == "xoxb-other" and other_call.ok
    assert [c.method for c in fake_slack.calls_for("T0CONVENE")] == ["auth.test"]


def test_add_workspace_refuses_a_second_registration_or_a_taken_token(fake_slack):
    fake_slack.add_workspace(OTHER)
    with pytest.raises(ValueError, match="already registered"):
        fake_slack.add_workspace(OTHER)
    with pytest.raises(ValueError, match="already belongs"):
        fake_slack.add_workspace("T0THIRD", bot_token=fake_slack.bot_token)


def test_users_and_channels_belong_to_their_workspace(fake_slack, slack_client):
    fake_slack.add_workspace(OTHER)
    other = client_for(fake_slack, OTHER)
    fake_slack.add_user("U1", name="alice")
    bob = fake_slack.add_user("U2", name="bob", team_id=OTHER)
    assert bob["team_id"] == OTHER and bob["profile"]["team"] == OTHER
    fake_slack.add_channel("C1", name="general", members=["U1"])
    channel = fake_slack.add_channel("C2", name="general", members=["U2"], team_id=OTHER)
    assert channel["members"] == ["U2", "UBOT0OTH"]

    assert [m["id"] for m in other.users_list()["members"]] == ["UBOT0OTH", "U2"]
    assert [m["id"] for m in slack_client.users_list()["members"]] == ["UBOT", "USLACKBOT", "U1"]
    assert other.users_info(user="U2")["user"]["team_id"] == OTHER
    assert [c["id"] for c in other.conversations_list()["channels"]] == ["C2"]
    assert [c["id"] for c in slack_client.conversations_list()["channels"]] == ["C1"]
    assert [c["id"] for c in other.users_conversations()["channels"]] == ["C2"]
    assert other.conversations_info(channel="C2")["channel"]["is_member"] is True
    # Names are per workspace: "#general" is C2 for the other workspace's bot.
    assert other.chat_postMessage(channel="#general", text="hi")["channel"] == "C2"
    assert slack_client.chat_postMessage(channel="#general", text="hi")["channel"] == "C1"
    assert fake_slack.problems == []


def test_messages_posted_as_the_bot_carry_that_workspaces_bot(fake_slack):
    fake_slack.add_workspace(OTHER)
    fake_slack.add_channel("C2", name="wg", team_id=OTHER)
    other = client_for(fake_slack, OTHER)
    posted = other.chat_postMessage(channel="C2", text="Board meeting")
    assert posted["message"]["user"] == "UBOT0OTH" and posted["message"]["bot_id"] == "B0OTHER"
    assert posted["message"]["team"] == OTHER
    [msg] = fake_slack.messages("C2")
    assert msg["user"] == "UBOT0OTH" and msg["bot_id"] == "B0OTHER"
    other.chat_update(channel="C2", ts=posted["ts"], text="Board meeting moved")
    other.reactions_add(channel="C2", timestamp=posted["ts"], name="eyes")
    msg = fake_slack.message("C2", posted["ts"])
    assert msg["edited"]["user"] == "UBOT0OTH" and msg["reactions"][0]["users"] == ["UBOT0OTH"]
    view = other.views_publish(user_id="U2", view={"type": "home", "blocks": [SECTION]})["view"]
    assert view["team_id"] == OTHER and view["bot_id"] == "B0OTHER"
    assert fake_slack.problems == []


def test_dms_belong_to_the_users_workspace(fake_slack, slack_client):
    fake_slack.add_workspace(OTHER)
    fake_slack.add_user("U2", name="bob", team_id=OTHER)
    other = client_for(fake_slack, OTHER)
    dm = other.conversations_open(users="U2", return_im=True)["channel"]
    assert dm["id"] == "D2" and dm["user"] == "U2"
    assert [c["id"] for c in other.users_conversations(types="im")["channels"]] == ["D2"]
    assert slack_client.users_conversations(types="im")["channels"] == []
    posted = other.chat_postMessage(channel="U2", text="hello")
    assert posted["channel"] == "D2" and fake_slack.messages("U2")[0]["user"] == "UBOT0OTH"
    assert fake_slack.problems == []


def _seed_two_workspaces(fake: FakeSlack, primary: WebClient) -> dict[str, str]:
    """The other workspace's channel C2 (with a bot message), user U2, modal, scheduled message and file."""
    fake.add_workspace(OTHER)
    fake.add_user("U2", name="bob", team_id=OTHER)
    fake.add_channel("C2", name="wg", members=["U2"], team_id=OTHER)
    fake.add_channel("C1", name="wg", members=["U1"])
    other = client_for(fake, OTHER)
    ts = other.chat_postMessage(channel="C2", text="hi")["ts"]
    view_id = other.views_open(trigger_id="1.2.abc", view=MODAL)["view"]["id"]
    scheduled = other.chat_scheduleMessage(channel="C2", text="later", post_at=int(time.time()) + 3600)
    file_id = other.files_upload_v2(channel="C2", content="x", filename="x.txt")["file"]["id"]
    assert fake.problems == []
    return {"ts": ts, "view_id": view_id, "scheduled": scheduled["scheduled_message_id"], "file": file_id}


CROSS_CALLS = [
    ("chat.postMessage", lambda c, ids: c.chat_postMessage(channel="C2", text="x"), "channel_not_found",
     "channel C2"),
    ("chat.postMessage", lambda c, ids: c.chat_postMessage(channel="U2", text="x"), "user_not_found", "user U2"),
    ("conversations.history", lambda c, ids: c.conversations_history(channel="C2"), "channel_not_found",
     "channel C2"),
    ("conversations.setTopic", lambda c, ids: c.conversations_setTopic(channel="C2", topic="x"),
     "channel_not_found", "channel C2"),
    ("users.info", lambda c, ids: c.users_info(user="U2"), "user_not_found", "user U2"),
    ("conversations.open", lambda c, ids: c.conversations_open(users="U1,U2"), "user_not_found", "user U2"),
    ("chat.postEphemeral", lambda c, ids: c.chat_postEphemeral(channel="C1", user="U2", text="x"),
     "user_not_found", "user U2"),
    ("views.publish", lambda c, ids: c.views_publish(user_id="U2", view={"type": "home", "blocks": [SECTION]}),
     "user_not_found", "user U2"),
    ("chat.update", lambda c, ids: c.chat_update(channel="C1", ts=ids["ts"], text="x"), "message_not_found",
     "message {ts}"),
    ("reactions.add", lambda c, ids: c.reactions_add(channel="C1", timestamp=ids["ts"], name="eyes"),
     "message_not_found", "message {ts}"),
    ("conversations.replies", lambda c, ids: c.conversations_replies(channel="C1", ts=ids["ts"]),
     "thread_not_found", "message {ts}"),
    ("views.update", lambda c, ids: c.views_update(view_id=ids["view_id"], view=MODAL), "not_found",
     "view {view_id}"),
    ("files.info", lambda c, ids: c.files_info(file=ids["file"]), "file_not_found", "file {file}"),
    ("files.delete", lambda c, ids: c.files_delete(file=ids["file"]), "file_not_found", "file {file}"),
    ("chat.deleteScheduledMessage",
     lambda c, ids: c.chat_deleteScheduledMessage(channel="C1", scheduled_message_id=ids["scheduled"]),
     "invalid_scheduled_message_id", "scheduled message {scheduled}"),
]


@pytest.mark.parametrize("method, call, error, thing", CROSS_CALLS,
                         ids=[f"{m}-{e}-{i}" for i, (m, _, e, _) in enumerate(CROSS_CALLS)])
def test_cross_workspace_calls_are_refused_and_recorded(fake_slack, slack_client, method, call, error, thing):
    fake_slack.add_user("U1", name="alice")
    ids = _seed_two_workspaces(fake_slack, slack_client)
    before = (fake_slack.messages("C2"), fake_slack.views, fake_slack.files, fake_slack.scheduled)

    assert error_of(call, slack_client, ids) == error

    assert fake_slack.problems == [
        f"{method}: cross-workspace call: token of T0CONVENE used for {thing.format(**ids)} of {OTHER}"]
    assert (fake_slack.messages("C2"), fake_slack.views, fake_slack.files, fake_slack.scheduled) == before


def test_the_other_workspace_keeps_its_own_things(fake_slack, slack_client):
    ids = _seed_two_workspaces(fake_slack, slack_client)
    other = client_for(fake_slack, OTHER)
    other.chat_update(channel="C2", ts=ids["ts"], text="edited")
    other.views_update(view_id=ids["view_id"], view=MODAL)
    assert other.files_info(file=ids["file"])["file"]["id"] == ids["file"]
    assert [s["id"] for s in other.chat_scheduledMessages_list()["scheduled_messages"]] == [ids["scheduled"]]
    assert slack_client.chat_scheduledMessages_list()["scheduled_messages"] == []
    assert fake_slack.problems == []


def test_unknown_ids_are_accepted_and_become_the_callers(fake_slack, slack_client):
    fake_slack.add_workspace(OTHER)
    other = client_for(fake_slack, OTHER)
    assert other.chat_postMessage(channel="C9", text="x")["ok"]  # well-formed, unknown: accepted as today
    assert other.chat_postMessage(channel="U9", text="x")["channel"] == "D9"
    assert fake_slack.messages("C9")[0]["user"] == "UBOT0OTH"
    assert fake_slack.problems == []
    assert error_of(slack_client.chat_postMessage, channel="C9", text="x") == "channel_not_found"
    assert error_of(slack_client.chat_postMessage, channel="U9", text="x") == "user_not_found"
    assert fake_slack.problems == [
        f"chat.postMessage: cross-workspace call: token of T0CONVENE used for channel C9 of {OTHER}",
        f"chat.postMessage: cross-workspace call: token of T0CONVENE used for user U9 of {OTHER}",
    ]


def test_slackbot_is_in_every_workspace(fake_slack):
    fake_slack.add_workspace(OTHER)
    assert client_for(fake_slack, OTHER).users_info(user="USLACKBOT")["user"]["name"] == "slackbot"
    assert fake_slack.problems == []


def test_reset_keeps_added_workspaces_unless_the_directory_goes(fake_slack, slack_client):
    fake_slack.add_workspace(OTHER)
    fake_slack.add_user("U2", name="bob", team_id=OTHER)
    fake_slack.reset()
    other = WebClient(token="xoxb-fake-t0other", base_url=fake_slack.url)
    assert other.auth_test()["team_id"] == OTHER and other.users_info(user="U2")["ok"]

    fake_slack.reset(directory=True)
    assert fake_slack.workspaces == ["T0CONVENE"]
    assert error_of(other.auth_test) == "invalid_auth"
    assert slack_client.auth_test()["team_id"] == "T0CONVENE"
    assert [m["id"] for m in slack_client.users_list()["members"]] == ["UBOT", "USLACKBOT"]


# ---- OAuth ("Add to Slack") ---------------------------------------------------------------------

REDIRECT = "https://convene.example/slack/oauth_redirect"


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


@pytest.fixture
def oauth_fake(clock):
    with FakeSlack(clock=clock) as fake:
        yield fake


def install_url(fake: FakeSlack, **overrides: str) -> str:
    """The URL an install page links to, as slack_sdk's AuthorizeUrlGenerator builds it."""
    params = {"state": "st-1", "client_id": fake.client_id, "scope": "chat:write,commands", "user_scope": "",
              "redirect_uri": REDIRECT, **overrides}
    return fake.authorize_url + "?" + "&".join(f"{k}={v}" for k, v in params.items() if v is not None)


def code_of(redirect: str) -> str:
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(redirect).query))
    return query["code"]


def exchange(fake: FakeSlack, code: str, **kwargs):
    return WebClient(base_url=fake.url).oauth_v2_access(
        client_id=fake.client_id, client_secret=fake.client_secret, code=code, **kwargs)


def refresh(fake: FakeSlack, refresh_token: str):
    return WebClient(base_url=fake.url).oauth_v2_access(
        client_id=fake.client_id, client_secret=fake.client_secret, grant_type="refresh_token",
        refresh_token=refresh_token)


def test_approve_redirects_with_a_code_and_the_state(oauth_fake):
    assert oauth_fake.authorize_url == f"{oauth_fake.base_url}/oauth/v2/authorize"
    assert (oauth_fake.client_id, oauth_fake.client_secret) == ("1111.2222", "fake-client-secret")
    redirect = oauth_fake.approve(install_url(oauth_fake, state="a%2Fb+c"), "T0NEW", user_id="UINSTALLER")
    split = urllib.parse.urlsplit(redirect)
    assert f"{split.scheme}://{split.netloc}{split.path}" == REDIRECT
    query = dict(urllib.parse.parse_qsl(split.query))
    assert query["state"] == "a/b c" and query["code"]
    # An href's &amp; is what a browser follows as &.
    assert oauth_fake.approve(install_url(oauth_fake).replace("&", "&amp;"), "T0NEW", user_id="U1")


def test_approve_without_redirect_uri_uses_the_fakes(oauth_fake):
    with pytest.raises(AssertionError, match="redirect_uri"):
        oauth_fake.approve(install_url(oauth_fake, redirect_uri=None), "T0NEW", user_id="U1")
    oauth_fake.redirect_uri = "http://127.0.0.1:9/slack/oauth_redirect?from=fake"
    redirect = oauth_fake.approve(install_url(oauth_fake, redirect_uri=None), "T0NEW", user_id="U1")
    assert redirect.startswith("http://127.0.0.1:9/slack/oauth_redirect?from=fake&code=")


@pytest.mark.parametrize("mangle, message", [
    (lambda url: url.replace("/oauth/v2/authorize", "/oauth/authorize"), "not the fake's authorize URL"),
    (lambda url: url.replace("http://127.0.0.1", "https://slack.com"), "not the fake's authorize URL"),
    (lambda url: url.replace("client_id=1111.2222", "client_id=9999.0000"), "client_id='9999.0000'"),
    (lambda url: url.replace("scope=chat:write,commands", "scope="), "no scope"),
    (lambda url: url.replace("state=st-1", "state="), "no state"),
], ids=["wrong-path", "real-slack", "wrong-client", "no-scope", "no-state"])
def test_approve_refuses_urls_slack_would_not_accept(oauth_fake, mangle, message):
    with pytest.raises(AssertionError, match=message):
        oauth_fake.approve(mangle(install_url(oauth_fake)), "T0NEW", user_id="U1")
    with pytest.raises(AssertionError, match=message):
        oauth_fake.deny(mangle(install_url(oauth_fake)))


def test_deny_redirects_with_access_denied(oauth_fake):
    redirect = oauth_fake.deny(install_url(oauth_fake))
    assert redirect == f"{REDIRECT}?error=access_denied&state=st-1"


def test_get_authorize_answers_302_to_the_redirect(oauth_fake):
    class NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirects)
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        opener.open(install_url(oauth_fake) + "&team=T0NEW&user=UINSTALLER")
    assert excinfo.value.code == 302
    location = excinfo.value.headers["Location"]
    assert location.startswith(REDIRECT + "?code=") and location.endswith("&state=st-1")
    assert exchange(oauth_fake, code_of(location))["team"]["id"] == "T0NEW"
    assert oauth_fake.problems == []

    with pytest.raises(urllib.error.HTTPError) as excinfo:
        opener.open(install_url(oauth_fake))  # nobody to approve as
    assert excinfo.value.code == 400
    assert [p.split(":")[0] for p in oauth_fake.problems] == ["oauth_authorize"]


def test_code_grant_installs_a_new_workspace(oauth_fake):
    code = code_of(oauth_fake.approve(install_url(oauth_fake), "T0NEW", user_id="UINSTALLER", team_name="New Org"))
    answer = exchange(oauth_fake, code, redirect_uri=REDIRECT)

    token = answer["access_token"]
    assert answer.data == {
        "ok": True, "app_id": "A0CONVENE", "authed_user": {"id": "UINSTALLER"}, "scope": "chat:write,commands",
        "token_type": "bot", "access_token": token, "bot_user_id": "UBOT0NEW",
        "team": {"id": "T0NEW", "name": "New Org"}, "enterprise": None, "is_enterprise_install": False,
    }
    assert token.startswith("xoxb-") and oauth_fake.installed_token("T0NEW") == token
    new = WebClient(token=token, base_url=oauth_fake.url)
    assert new.auth_test()["team_id"] == "T0NEW" and new.auth_test()["bot_id"] == "B0NEW"
    assert [m["id"] for m in new.users_list()["members"]] == ["UBOT0NEW"]
    assert "T0NEW" in oauth_fake.workspaces
    assert error_of(exchange, oauth_fake, code) == "invalid_code"  # single use
    [access] = oauth_fake.calls_to("oauth.v2.access", ok_only=True)
    assert access.team_id is None and access.headers["Authorization"].startswith("Basic ")
    assert oauth_fake.problems == []


def test_code_grant_errors(oauth_fake, clock):
    code = code_of(oauth_fake.approve(install_url(oauth_fake), "T0NEW", user_id="U1"))
    anonymous = WebClient(base_url=oauth_fake.url)
    assert error_of(anonymous.oauth_v2_access, client_id="9.9", client_secret="fake-client-secret",
                    code=code) == "invalid_client_id"
    assert error_of(anonymous.oauth_v2_access, client_id="1111.2222", client_secret="wrong",
                    code=code) == "bad_client_secret"
    assert error_of(exchange, oauth_fake, code, redirect_uri="https://elsewhere.example/") == "bad_redirect_uri"
    assert error_of(exchange, oauth_fake, "fake-oauth-code-never-issued") == "invalid_code"
    # None of the refusals used the code up; client credentials may also come as form arguments.
    form = anonymous.api_call("oauth.v2.access", data={"client_id": "1111.2222",
                                                       "client_secret": "fake-client-secret", "code": code})
    assert form["team"]["id"] == "T0NEW"

    late = code_of(oauth_fake.approve(install_url(oauth_fake), "T0LATE", user_id="U1"))
    clock.advance(600)
    assert error_of(exchange, oauth_fake, late) == "invalid_code"
    assert "T0LATE" not in oauth_fake.workspaces
    assert oauth_fake.problems == []


def test_reinstall_issues_fresh_tokens_and_the_old_ones_stop_working(oauth_fake):
    oauth_fake.add_workspace(OTHER, team_name="Other Org")
    old = WebClient(token="xoxb-fake-t0other", base_url=oauth_fake.url)
    code = code_of(oauth_fake.approve(install_url(oauth_fake), OTHER, user_id="U1"))
    answer = exchange(oauth_fake, code)
    assert answer["access_token"] != "xoxb-fake-t0other"
    assert answer["bot_user_id"] == "UBOT0OTH" and answer["team"] == {"id": OTHER, "name": "Other Org"}
    assert error_of(old.auth_test) == "invalid_auth"
    assert client_for(oauth_fake, OTHER).auth_test()["team_id"] == OTHER
    assert oauth_fake.problems == []


def test_rotating_install_refresh_and_expiry(oauth_fake, clock):
    code = code_of(oauth_fake.approve(install_url(oauth_fake), "T0ROT", user_id="U1", rotating=True,
                                      token_lifetime=3600))
    installed = exchange(oauth_fake, code)
    first = installed["access_token"]
    assert first.startswith("xoxe.xoxb-1-") and installed["refresh_token"].startswith("xoxe-1-")
    assert installed["expires_in"] == 3600 and installed["token_type"] == "bot"

    clock.advance(3000)
    rotated = refresh(oauth_fake, installed["refresh_token"])
    second = rotated["access_token"]
    assert second.startswith("xoxe.xoxb-1-") and second != first
    assert rotated["refresh_token"].startswith("xoxe-1-") and rotated["refresh_token"] != installed["refresh_token"]
    assert (rotated["expires_in"], rotated["token_type"], rotated["team"]["id"], rotated["app_id"],
            rotated["bot_user_id"], rotated["scope"]) == (3600, "bot", "T0ROT", "A0CONVENE", "UBOT0ROT",
                                                          "chat:write,commands")
    assert oauth_fake.installed_token("T0ROT") == second
    assert oauth_fake.refresh_grants("T0ROT") == 1
    assert error_of(refresh, oauth_fake, installed["refresh_token"]) == "invalid_refresh_token"
    assert oauth_fake.refresh_grants("T0ROT") == 1

    old = WebClient(token=first, base_url=oauth_fake.url)
    new = WebClient(token=second, base_url=oauth_fake.url)
    assert old.auth_test()["team_id"] == "T0ROT"  # the previous token lives until its own expiry
    clock.advance(600)
    assert error_of(old.auth_test) == "token_expired"
    assert new.auth_test()["team_id"] == "T0ROT"
    clock.advance(3000)
    assert error_of(new.auth_test) == "token_expired"
    assert [c.team_id for c in oauth_fake.calls_to("auth.test")] == ["T0ROT"] * 4
    assert oauth_fake.problems == []  # an expired token is the bot's to handle


def test_add_workspace_with_rotation_and_slack_sdks_token_rotator(oauth_fake, clock):
    from slack_sdk.oauth.installation_store import Bot
    from slack_sdk.oauth.token_rotation import TokenRotator

    other = oauth_fake.add_workspace(OTHER, rotating=True, token_lifetime=60)
    assert other["refresh_token"].startswith("xoxe-1-") and other["expires_at"] == clock.now + 60
    client = WebClient(token=other["bot_token"], base_url=oauth_fake.url)
    assert client.auth_test()["ok"]
    clock.advance(60)
    assert error_of(client.auth_test) == "token_expired"

    rotator = TokenRotator(client_id=oauth_fake.client_id, client_secret=oauth_fake.client_secret,
                           client=WebClient(base_url=oauth_fake.url))
    bot = Bot(team_id=OTHER, bot_token=other["bot_token"], bot_refresh_token=other["refresh_token"],
              bot_token_expires_at=int(time.time()), bot_id=other["bot_id"], bot_user_id=other["bot_user_id"],
              installed_at=time.time())
    rotated = rotator.perform_bot_token_rotation(bot=bot)
    assert rotated is not None and rotated.bot_token == oauth_fake.installed_token(OTHER)
    assert WebClient(token=rotated.bot_token, base_url=oauth_fake.url).auth_test()["team_id"] == OTHER
    assert oauth_fake.refresh_grants(OTHER) == 1
    assert oauth_fake.problems == []


def test_uninstall_kills_every_token(oauth_fake):
    code = code_of(oauth_fake.approve(install_url(oauth_fake), "T0GONE", user_id="U1", rotating=True))
    installed = exchange(oauth_fake, code)
    oauth_fake.uninstall("T0GONE")
    assert error_of(WebClient(token=installed["access_token"], base_url=oauth_fake.url).auth_test) == "invalid_auth"
    assert error_of(refresh, oauth_fake, installed["refresh_token"]) == "invalid_refresh_token"
    with pytest.raises(KeyError, match="not installed"):
        oauth_fake.installed_token("T0GONE")
    # Installing again brings the workspace back.
    again = exchange(oauth_fake, code_of(oauth_fake.approve(install_url(oauth_fake), "T0GONE", user_id="U1")))
    assert WebClient(token=again["access_token"], base_url=oauth_fake.url).auth_test()["team_id"] == "T0GONE"
    assert oauth_fake.problems == []


def test_reset_forgets_codes_and_refresh_counts_but_keeps_installs(oauth_fake):
    code = code_of(oauth_fake.approve(install_url(oauth_fake), "T0ROT", user_id="U1", rotating=True))
    refresh(oauth_fake, exchange(oauth_fake, code)["refresh_token"])
    pending = code_of(oauth_fake.approve(install_url(oauth_fake), "T0ROT", user_id="U1"))
    oauth_fake.reset()
    assert oauth_fake.refresh_grants("T0ROT") == 0
    assert error_of(exchange, oauth_fake, pending) == "invalid_code"
    assert client_for(oauth_fake, "T0ROT").auth_test()["team_id"] == "T0ROT"


def test_bolt_oauth_flow_installs_through_the_fake(oauth_fake, tmp_path):
    from slack_bolt import App, BoltRequest
    from slack_bolt.oauth.oauth_settings import OAuthSettings
    from slack_sdk.oauth.installation_store import FileInstallationStore
    from slack_sdk.oauth.state_store import FileOAuthStateStore

    store = FileInstallationStore(base_dir=str(tmp_path / "installations"))
    app = App(
        signing_secret="secret", client=WebClient(base_url=oauth_fake.url),
        oauth_settings=OAuthSettings(
            client_id=oauth_fake.client_id, client_secret=oauth_fake.client_secret, scopes=["chat:write"],
            redirect_uri=REDIRECT, authorization_url=oauth_fake.authorize_url,
            installation_store=store, state_store=FileOAuthStateStore(expiration_seconds=600,
                                                                      base_dir=str(tmp_path / "states")),
        ),
    )
    # What /slack/install and /slack/oauth_redirect do in any of Bolt's adapters.
    install_page = app.oauth_flow.handle_installation(BoltRequest(body="", query=""))
    [href] = re.findall(r'<a href="([^"]+)"', install_page.body)
    assert "&amp;" in href  # HTML-escaped, as in the page
    cookie = install_page.headers["set-cookie"][0].split(";")[0]
    redirect = oauth_fake.approve(href, "T0BOLT", user_id="UINSTALLER", team_name="Bolt Org")
    callback = app.oauth_flow.handle_callback(BoltRequest(
        body="", query=urllib.parse.urlsplit(redirect).query, headers={"cookie": [cookie]}))
    assert callback.status == 200, callback.body

    installation = store.find_installation(enterprise_id=None, team_id="T0BOLT")
    assert installation is not None
    assert installation.bot_token == oauth_fake.installed_token("T0BOLT")
    assert (installation.bot_user_id, installation.bot_id, installation.user_id) == ("UBOT0BOL", "B0BOLT", "UINSTALLER")
    assert [c.method for c in oauth_fake.calls if c.method != "oauth_authorize"] == ["oauth.v2.access", "auth.test"]
    assert oauth_fake.problems == []
