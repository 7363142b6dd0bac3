"""Tests for FakeSlack, driven through a real slack_sdk WebClient (no bot code involved)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
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
