"""/volunteer end to end: posting a call, signing up to the limit and no further, closing and extending."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select

from bot.jobs.volunteering import close_call_at_deadline, job_id
from storage.models import VolunteerCall, VolunteerResponse
from tests.harness.bot import BotUnderTest
from tests.harness.signed import view_state

T = "T0CONVENE"


def post(bot: BotUnderTest, text: str, user_id: str = "UALICE", channel_id: str = "CGROUP") -> dict[str, Any]:
    bot.slack.command("/volunteer", text, user_id=user_id, channel_id=channel_id)
    bot.drain()
    return bot.fake.messages(channel_id)[-1]


def call_id_of(message: dict[str, Any]) -> int:
    return int(message["blocks"][-1]["block_id"].removeprefix("volunteer_call_"))


def click(bot: BotUnderTest, message: dict[str, Any], action_id: str, user_id: str, **extra: Any) -> dict[str, Any]:
    """Click a button on the call as it is now in the channel; returns the message afterwards."""
    current = bot.fake.message("CGROUP", message["ts"])
    bot.slack.block_action({"action_id": action_id, **extra}, user_id=user_id, channel_id="CGROUP", message=current)
    bot.drain()
    return bot.fake.message("CGROUP", message["ts"])


def last_ephemeral(bot: BotUnderTest) -> str:
    return bot.fake.calls_to("response_url")[-1].args["text"]


def thread_replies(bot: BotUnderTest, message: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in bot.fake.messages("CGROUP") if m.get("thread_ts") == message["ts"] and m["ts"] != message["ts"]]


def test_a_call_fills_up_thanks_its_volunteers_and_takes_nobody_more(bot: BotUnderTest) -> None:
    message = post(bot, '"Draft the scope document" 2 by Fri 4 Dec')
    text = json.dumps(message["blocks"])
    assert "Volunteers wanted:* Draft the scope document" in text and "<@UALICE> is asking for 2 people" in text
    call_id = call_id_of(message)
    # The deadline, read in Alice's time zone (London), closes the call by itself.
    assert bot.runtime.jobs.next_run(job_id(call_id)) == datetime(2026, 12, 4, 23, 59, tzinfo=timezone.utc)

    message = click(bot, message, "volunteer_help", "UBEN")
    assert "Signed up (1 of 2):* <@UBEN>" in json.dumps(message["blocks"])
    assert "You're down to help" in last_ephemeral(bot)

    message = click(bot, message, "volunteer_help", "UBEN")
    assert "already signed up" in last_ephemeral(bot)

    message = click(bot, message, "volunteer_help", "UADMIN")
    text = json.dumps(message["blocks"])
    assert "all places taken" in text and "<@UBEN> and <@UADMIN>" in text
    assert "volunteer_help" not in text
    [thanks] = thread_replies(bot, message)
    assert "Thank you <@UBEN> and <@UADMIN>" in thanks["text"]
    assert bot.runtime.jobs.next_run(job_id(call_id)) is None, "a filled call needs no deadline job"

    # A late click on an old copy of the message (or /volunteer list) takes no place.
    bot.slack.block_action({"action_id": "volunteer_help", "value": str(call_id)}, user_id="UALICE",
                           channel_id="CGROUP")
    bot.drain()
    assert "already has everyone" in last_ephemeral(bot)
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(VolunteerResponse)) == 2


def test_concurrent_clicks_for_the_last_places_never_overfill(bot: BotUnderTest) -> None:
    people = [f"UPERSON{n}" for n in range(10)]
    for user_id in people:
        bot.fake.add_user(user_id, name=user_id.lower(), tz="Europe/London")
    message = post(bot, '"Staff the stall" 3')
    start = threading.Barrier(len(people))

    def sign_up(user_id: str) -> None:
        start.wait(timeout=10)
        bot.slack.block_action({"action_id": "volunteer_help"}, user_id=user_id, channel_id="CGROUP", message=message)

    threads = [threading.Thread(target=sign_up, args=(user_id,)) for user_id in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    bot.drain()
    with bot.runtime.db.unit_of_work() as session:
        helpers = session.scalars(select(VolunteerResponse.user_id).where(VolunteerResponse.answer == "help")).all()
        call = session.scalars(select(VolunteerCall)).one()
    assert len(helpers) == 3 and call.status == "closed"
    final = json.dumps(bot.fake.message("CGROUP", message["ts"])["blocks"])
    assert "Signed up (3 of 3)" in final and all(f"<@{user_id}>" in final for user_id in helpers)
    assert len(thread_replies(bot, message)) == 1
    texts = [c.args["text"] for c in bot.fake.calls_to("response_url")]
    assert sum("You're down to help" in t for t in texts) == 3
    assert sum("already has everyone" in t for t in texts) == 7


def test_cant_this_time_is_counted_and_withdraws_a_sign_up(bot: BotUnderTest) -> None:
    message = post(bot, '"Bring the banner" 2')
    message = click(bot, message, "volunteer_cant", "UBEN")
    assert "1 can't this time" in json.dumps(message["blocks"])
    message = click(bot, message, "volunteer_help", "UADMIN")
    message = click(bot, message, "volunteer_cant", "UADMIN")
    assert "no longer signed up" in last_ephemeral(bot)
    text = json.dumps(message["blocks"])
    assert "nobody yet" in text and "2 can't this time" in text


def test_the_deadline_closes_the_call_and_says_so_once(bot: BotUnderTest) -> None:
    message = post(bot, '"Read the draft" 3 by tomorrow at noon')
    message = click(bot, message, "volunteer_help", "UBEN")
    call_id = call_id_of(message)
    bot.clock.set("2026-11-25T11:59:00+00:00")
    close_call_at_deadline(T, call_id)  # early (a clock running fast): nothing happens
    assert "Volunteers wanted" in json.dumps(bot.fake.message("CGROUP", message["ts"])["blocks"])
    bot.clock.set("2026-11-25T12:00:30+00:00")
    close_call_at_deadline(T, call_id)
    close_call_at_deadline(T, call_id)  # a second clock runs it too
    text = json.dumps(bot.fake.message("CGROUP", message["ts"])["blocks"])
    assert "Closed at its deadline" in text and "<@UBEN>" in text
    [reply] = thread_replies(bot, message)
    assert "reached its deadline with 1 of 3 signed up" in reply["text"] and "<@UBEN>" in reply["text"]


def test_only_the_poster_or_a_coordinator_can_close(bot: BotUnderTest) -> None:
    message = post(bot, '"Draft the scope document" 2')
    close = {"type": "overflow", "selected_option": {"text": {"type": "plain_text", "text": "Close"},
                                                     "value": f"close:{call_id_of(message)}"}}
    message = click(bot, message, "volunteer_manage", "UBEN", **close)
    assert "Only <@UALICE>, who posted it, or a coordinator" in last_ephemeral(bot)
    assert "Volunteers wanted" in json.dumps(message["blocks"])
    message = click(bot, message, "volunteer_help", "UBEN")
    message = click(bot, message, "volunteer_manage", "UADMIN", **close)  # an admin is a coordinator
    text = json.dumps(message["blocks"])
    assert ":white_check_mark: *Closed:*" in text and "<@UBEN>" in text
    assert "Thank you <@UBEN>" in thread_replies(bot, message)[0]["text"]


def test_the_poster_extends_a_filled_call_with_more_places_and_a_deadline(bot: BotUnderTest) -> None:
    message = post(bot, '"Draft the scope document" 1')
    message = click(bot, message, "volunteer_help", "UBEN")
    assert "all places taken" in json.dumps(message["blocks"])
    call_id = call_id_of(message)
    extend = {"type": "overflow", "selected_option": {"text": {"type": "plain_text", "text": "Reopen"},
                                                      "value": f"extend:{call_id}:reopen"}}
    click(bot, message, "volunteer_manage", "UALICE", **extend)
    view = bot.fake.calls_to("views.open", ok_only=True)[-1].json("view")
    assert view["callback_id"] == "volunteer_extend"

    bad = bot.slack.view_submission(view, view_state(view, {"volunteer_needed": "3",
                                                            "volunteer_deadline": "Tue 3 Dec"}), user_id="UALICE")
    assert bad.json()["response_action"] == "errors"
    assert "is a Thursday" in bad.json()["errors"]["volunteer_deadline"]

    ok = bot.slack.view_submission(view, view_state(view, {"volunteer_needed": "3", "volunteer_deadline": "Fri 4 Dec 5pm"}),
                                   user_id="UALICE")
    assert ok.status == 200 and ok.text in ("", "{}")
    bot.drain()
    text = json.dumps(bot.fake.message("CGROUP", message["ts"])["blocks"])
    assert "Volunteers wanted" in text and "Signed up (1 of 3)" in text and "2 places left" in text
    assert bot.runtime.jobs.next_run(job_id(call_id)) == datetime(2026, 12, 4, 17, 0, tzinfo=timezone.utc)


def test_a_bad_call_is_explained_and_nothing_is_posted(bot: BotUnderTest) -> None:
    bot.slack.command("/volunteer", '"Draft the scope document" 2 by Tue 3 Dec', user_id="UALICE", channel_id="CGROUP")
    bot.drain()
    reply = last_ephemeral(bot)
    assert "“Tue 3 Dec”" in reply and "is a Thursday" in reply and '/volunteer "Draft the scope document" 2 by Fri 4 Dec' in reply
    assert bot.fake.messages("CGROUP") == []
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(VolunteerCall)) == 0


def test_a_channel_convene_cannot_post_in_leaves_nothing_behind(bot: BotUnderTest) -> None:
    bot.fake.fail_next("chat.postMessage", error="not_in_channel")
    bot.slack.command("/volunteer", '"Draft the scope document" 2', user_id="UALICE", channel_id="CGROUP")
    bot.drain()
    assert "/invite @Convene" in last_ephemeral(bot)
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(VolunteerCall)) == 0


def test_mentions_in_the_task_are_escaped(bot: BotUnderTest) -> None:
    message = post(bot, '"Ping <!channel> & <@UBEN>" 1')
    assert "<!channel>" not in json.dumps(message["blocks"]) + message["text"]


def test_list_help_and_a_stray_word(bot: BotUnderTest) -> None:
    post(bot, '"Draft the scope document" 2')
    bot.slack.command("/volunteer", "list", user_id="UBEN", channel_id="CGROUP")
    bot.drain()
    listed = bot.fake.calls_to("response_url")[-1].args
    assert "Draft the scope document" in json.dumps(listed["blocks"]) and "0 of 2 signed up" in json.dumps(listed["blocks"])
    reply = bot.slack.command("/volunteer", "help", user_id="UBEN").json()
    assert '/volunteer \\"Draft the scope document\\" 2 by Fri 4 Dec' in json.dumps(reply["blocks"])
    reply = bot.slack.command("/volunteer", "lsit", user_id="UBEN", channel_id="CGROUP").json()
    assert "has no `lsit`" in json.dumps(reply["blocks"])
    bot.drain()
    assert len(bot.fake.messages("CGROUP")) == 1, "a stray word never becomes a public call"


def test_app_home_lists_open_calls_and_signs_up_from_there(bot: BotUnderTest) -> None:
    message = post(bot, '"Draft the scope document" 2')
    bot.slack.app_home_opened(user_id="UBEN")
    bot.drain()
    home = bot.fake.home_views["UBEN"]
    assert "Calls for volunteers" in json.dumps(home)
    bot.slack.block_action({"action_id": "volunteer_help"}, user_id="UBEN", view=home)
    bot.drain()
    assert "You're signed up" in json.dumps(bot.fake.home_views["UBEN"])
    assert "<@UBEN>" in json.dumps(bot.fake.message("CGROUP", message["ts"])["blocks"])


def test_my_data_and_forget_me_cover_sign_ups(bot: BotUnderTest) -> None:
    message = post(bot, '"Draft the scope document" 2')
    click(bot, message, "volunteer_help", "UBEN")
    bot.slack.command("/convene", "my-data", user_id="UBEN")
    bot.drain()
    exported = json.loads(bot.fake.files[-1]["content"])["data"]["Volunteering"]
    assert exported[0]["call"] == "Draft the scope document" and exported[0]["answer"] == "I'll help"
    bot.slack.block_action({"type": "button", "action_id": "convene_forget_me", "value": "confirm"},
                           user_id="UBEN", channel_id="DBEN")
    bot.drain()
    assert "volunteering (1)" in last_ephemeral(bot)
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(VolunteerResponse)) == 0
