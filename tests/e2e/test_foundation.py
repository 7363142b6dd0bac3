"""The bot in HTTP mode, driven by signed requests, observed through the fake Slack."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.request

from tests.harness.bot import SIGNING_SECRET, BotUnderTest


def test_url_verification_answers_the_challenge(bot: BotUnderTest) -> None:
    response = bot.slack.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    assert response.status == 200
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_a_bad_signature_gets_401(bot: BotUnderTest) -> None:
    body = b"token=x&team_id=T0CONVENE&user_id=UALICE&command=%2Fconvene&text=help"
    response = bot.slack.raw(body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64)
    assert response.status == 401
    assert bot.fake.calls == [call for call in bot.fake.calls if call.method == "auth.test"]


def test_a_stale_signature_gets_401(bot: BotUnderTest) -> None:
    body = b"token=x&team_id=T0CONVENE&user_id=UALICE&command=%2Fconvene&text=help"
    stale = str(int(time.time()) - 10 * 60)
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), f"v0:{stale}:".encode() + body, hashlib.sha256).hexdigest()
    response = bot.slack.raw(body, "application/x-www-form-urlencoded", timestamp=stale, signature=signature)
    assert response.status == 401


def test_convene_help_is_answered_in_the_ack_within_three_seconds(bot: BotUnderTest) -> None:
    response = bot.slack.command("/convene", "help", user_id="UALICE")
    assert response.status == 200
    assert response.elapsed < 3.0
    reply = response.json()
    rendered = json.dumps(reply["blocks"])
    assert "/convene settings" in rendered and "/convene coordinators add @someone" in rendered
    assert reply.get("response_type", "ephemeral") == "ephemeral"


def test_an_unknown_subcommand_answers_with_help(bot: BotUnderTest) -> None:
    response = bot.slack.command("/convene", "frobnicate <!channel>", user_id="UALICE")
    blocks = json.dumps(response.json()["blocks"])
    assert "has no `frobnicate`" in blocks
    assert "/convene help" in blocks
    assert "<!channel>" not in blocks


def test_health_check(bot: BotUnderTest) -> None:
    with urllib.request.urlopen(bot.url + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert response.read() == b"ok\n"


def test_the_same_event_delivered_twice_is_handled_once(bot: BotUnderTest) -> None:
    event = {"type": "app_home_opened", "user": "UALICE", "channel": "DALICE", "tab": "home", "event_ts": "1.1"}
    first = bot.slack.event(event, event_id="Ev0HOME1")
    bot.drain()
    retry = bot.slack.event(event, event_id="Ev0HOME1", retry_num=1, retry_reason="http_timeout")
    bot.drain()
    assert (first.status, retry.status) == (200, 200)
    published = bot.fake.calls_to("views.publish")
    assert len(published) == 1
    assert published[0].args["user_id"] == "UALICE"


def test_app_home_shows_the_commands(bot: BotUnderTest) -> None:
    bot.slack.event({"type": "app_home_opened", "user": "UBEN", "tab": "home", "event_ts": "1.2"}, event_id="Ev0HOME2")
    bot.drain()
    view = bot.fake.home_views["UBEN"]
    assert "/convene help" in json.dumps(view)


def test_a_member_sees_settings_but_cannot_change_them(bot: BotUnderTest) -> None:
    bot.slack.command("/convene", "settings", user_id="UALICE", response_url=bot.fake.response_url("show"))
    bot.drain()
    shown = bot.fake.calls_to("response_url")[-1].args
    assert "Europe/London" in json.dumps(shown["blocks"])
    assert "Change settings" not in json.dumps(shown["blocks"])
    assert "*Weekly digest:* Fridays at 16:00 (Europe/London)" in json.dumps(shown["blocks"])
    assert "*Prompts:* off, one nudge after 3 days" in json.dumps(shown["blocks"])

    bot.slack.command("/convene", "settings timezone America/New_York", user_id="UALICE",
                      response_url=bot.fake.response_url("change"))
    bot.drain()
    refusal = bot.fake.calls_to("response_url")[-1].args
    assert refusal["response_type"] == "ephemeral"
    assert "Only a coordinator" in refusal["text"]


def test_an_admin_sets_the_channel_and_convene_says_hello_there(bot: BotUnderTest) -> None:
    bot.slack.command("/convene", "settings channel <#CGROUP|wg-commissioning>", user_id="UADMIN",
                      response_url=bot.fake.response_url("set"))
    bot.drain()
    assert "will go to <#CGROUP>" in bot.fake.calls_to("response_url")[-1].args["text"]
    hello = bot.fake.messages("CGROUP")
    assert len(hello) == 1 and "weekly digest" in hello[0]["text"]


def test_setting_a_channel_convene_is_not_in_asks_to_be_invited(bot: BotUnderTest) -> None:
    bot.fake.fail_next("chat.postMessage", error="not_in_channel")
    bot.slack.command("/convene", "settings channel <#CGROUP|wg-commissioning>", user_id="UADMIN",
                      response_url=bot.fake.response_url("set"))
    bot.drain()
    text = bot.fake.calls_to("response_url")[-1].args["text"]
    assert "/invite @Convene" in text


def test_a_429_is_waited_out_and_the_message_arrives_once(bot: BotUnderTest) -> None:
    bot.fake.rate_limit_next("chat.postMessage", retry_after=7, times=1)
    bot.slack.command("/convene", "settings channel <#CGROUP|wg-commissioning>", user_id="UADMIN",
                      response_url=bot.fake.response_url("set"))
    bot.drain()
    attempts = bot.fake.calls_to("chat.postMessage")
    assert [call.status for call in attempts] == [429, 200]
    assert len(bot.fake.messages("CGROUP")) == 1
    assert len(bot.sleep.calls) == 1 and 7 <= bot.sleep.calls[0] < 8


def test_a_bad_time_zone_is_named_with_an_example(bot: BotUnderTest) -> None:
    bot.slack.command("/convene", "settings timezone Narnia/Cair_Paravel", user_id="UADMIN",
                      response_url=bot.fake.response_url("tz"))
    bot.drain()
    text = bot.fake.calls_to("response_url")[-1].args["text"]
    assert "Narnia/Cair_Paravel" in text and "/convene settings timezone Europe/London" in text


def test_the_settings_modal_saves_channel_and_time_zone(bot: BotUnderTest) -> None:
    bot.slack.block_action({"type": "button", "action_id": "convene_open_settings", "block_id": "b", "value": ""},
                           user_id="UADMIN", channel_id="CGROUP", response_url=bot.fake.response_url("open"))
    bot.drain()
    opened = bot.fake.calls_to("views.open")
    assert len(opened) == 1
    view = opened[0].json("view")
    assert view["callback_id"] == "convene_settings"

    options = bot.slack.block_suggestion("timezone_select", "new y", user_id="UADMIN", block_id="timezone")
    assert "America/New_York" in [o["value"] for o in options.json()["options"]]

    response = bot.slack.view_submission(view, {
        "channel": {"channel_select": {"type": "conversations_select", "selected_conversation": "CGROUP"}},
        "timezone": {"timezone_select": {"type": "external_select",
                                         "selected_option": {"text": {"type": "plain_text", "text": "New York"},
                                                             "value": "America/New_York"}}},
    }, user_id="UADMIN")
    assert response.status == 200 and response.text in ("", "{}")
    bot.drain()
    bot.slack.command("/convene", "settings", user_id="UALICE", response_url=bot.fake.response_url("show"))
    bot.drain()
    shown = json.dumps(bot.fake.calls_to("response_url")[-1].args["blocks"])
    assert "<#CGROUP>" in shown and "America/New_York" in shown


def test_coordinators_are_added_listed_and_removed(bot: BotUnderTest) -> None:
    def say(text: str, user: str) -> str:
        bot.slack.command("/convene", text, user_id=user, response_url=bot.fake.response_url("c"))
        bot.drain()
        reply = bot.fake.calls_to("response_url")[-1].args
        return reply["text"] + json.dumps(reply.get("blocks") or [])

    assert "Only a coordinator" in say("coordinators add <@UBEN|ben>", "UALICE")
    assert "is now a coordinator" in say("coordinators add <@UALICE|alice>", "UADMIN")
    assert "is now a coordinator" in say("coordinators add <@UBEN|ben>", "UALICE")
    listed = say("coordinators list", "UBEN")
    assert "<@UALICE>" in listed and "<@UBEN>" in listed and "<@UADMIN>" in listed
    assert "no longer a coordinator" in say("coordinators remove <@UBEN|ben>", "UALICE")
    assert "Workspace admins and owners are always coordinators" in say("coordinators remove <@UADMIN|ada>", "UALICE")
    assert "Name the person with @" in say("coordinators add ben", "UALICE")
