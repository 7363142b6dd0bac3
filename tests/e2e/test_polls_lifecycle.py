"""Reminders, the deadline, closing, the final date with its calendar file, and who may do what."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

from icalendar import Calendar
from sqlalchemy import func, select

from bot.jobs import polls as poll_jobs
from storage.models import Absence, Poll, PollVote
from tests.e2e.polls_helpers import (
    CHANNEL,
    MEET,
    click,
    counts,
    last_reply,
    meet,
    only_poll,
    option_ids,
    option_texts,
    poll_message,
    press,
    rendered,
)
from tests.harness.bot import TEAM_ID, BotUnderTest
from tests.harness.signed import view_state

REFUSAL = "only the person who made this poll or a coordinator"


def dms(bot: BotUnderTest, user: str) -> list[dict]:
    return bot.fake.messages(user)


def choose(bot: BotUnderTest, option_index: int | None = None, *, user: str = "UALICE") -> dict:
    """Submit the final-date chooser the bot opened last, keeping its preselection unless told."""
    view = bot.fake.calls_to("views.open")[-1].json("view")
    assert view["callback_id"] == "poll_choose"
    select = view["blocks"][1]["element"]
    value = select["initial_option"]["value"] if option_index is None else select["options"][option_index]["value"]
    response = bot.slack.view_submission(view, view_state(view, {"final": value}), user_id=user)
    assert response.status == 200 and response.elapsed < 3.0
    bot.drain()
    return response.json() if response.text.strip() else {}


def test_the_reminder_goes_once_to_members_who_have_not_answered(bot: BotUnderTest) -> None:
    bot.fake.add_user("UCAROL", name="carol", tz="Europe/London")
    bot.fake.add_user("UDAN", name="dan", tz="Europe/London")
    bot.fake.add_user("UGONE", name="gone", deleted=True)
    bot.fake.add_user("UHELPER", name="helper-bot", is_bot=True)
    bot.fake.add_channel(CHANNEL, name="wg-commissioning",
                         members=["UALICE", "UBEN", "UADMIN", "UCAROL", "UDAN", "UGONE", "UHELPER"])
    meet(bot, MEET)
    message = poll_message(bot)
    click(bot, message, 0, "yes", user="UALICE")
    click(bot, message, 2, "no", user="UBEN")  # a No is an answer too
    poll = only_poll(bot)
    bot.runtime.directory.ensure("T0CONVENE", "UCAROL")
    with bot.runtime.db.unit_of_work() as session:
        session.add(Absence(team_id=TEAM_ID, user_id="UCAROL", starts_on=date(2026, 11, 26),
                            ends_on=date(2026, 11, 26), note="leave"))

    bot.clock.set(poll.remind_at)
    assert poll.remind_at == datetime(2026, 11, 26, 17, tzinfo=timezone.utc)
    assert poll_jobs.remind_non_voters(TEAM_ID, poll.id) == 2
    assert poll_jobs.remind_non_voters(TEAM_ID, poll.id) == 0  # run twice (two clocks): nobody gets two
    for user in ("UADMIN", "UDAN"):
        [reminder] = dms(bot, user)
        assert "Could you answer the poll *First meeting*" in reminder["text"]
        assert "https://fake.slack.test/" in json.dumps(reminder["blocks"])  # chat.getPermalink
    for user in ("UALICE", "UBEN", "UCAROL", "UGONE", "UHELPER"):
        assert dms(bot, user) == [], user


def test_at_the_deadline_the_poll_closes_by_itself_once_and_asks_the_creator_to_choose(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    click(bot, poll_message(bot), 1, "yes", user="UBEN")
    poll = only_poll(bot)
    job = bot.runtime.scheduler.get_job(f"poll-close:{poll.id}")
    assert job.misfire_grace_time is None and job.args == (TEAM_ID, poll.id)

    bot.clock.set(poll.deadline - timedelta(minutes=1))
    assert poll_jobs.close_at_deadline(TEAM_ID, poll.id) is False
    assert only_poll(bot).status == "open"

    bot.clock.set(poll.deadline + timedelta(hours=3))  # the clock was late: it still closes
    assert poll_jobs.close_at_deadline(TEAM_ID, poll.id) is True
    assert poll_jobs.close_at_deadline(TEAM_ID, poll.id) is False
    closed = poll_message(bot)
    assert "poll_vote_yes" not in rendered(closed) and "*Closed.*" in rendered(closed)
    assert "poll_choose_final" in rendered(closed)
    [asked] = dms(bot, "UALICE")
    assert "has closed" in asked["text"] and "poll_choose_final" in json.dumps(asked["blocks"])
    assert bot.runtime.jobs.next_run(f"poll-remind:{poll.id}") is None

    # The creator chooses from the DM.
    button = asked["blocks"][1]["elements"][0]
    bot.slack.block_action({"action_id": button["action_id"], "value": button["value"], "block_id": "b"},
                           user_id="UALICE", channel_id="DALICE", message=asked)
    bot.drain()
    choose(bot)
    assert only_poll(bot).status == "decided"


def test_closing_early_then_choosing_announces_the_date_with_a_calendar_file(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    message = poll_message(bot)
    click(bot, message, 0, "no", user="UBEN")
    click(bot, message, 1, "yes", user="UBEN")
    click(bot, message, 1, "maybe", user="UADMIN")
    poll = only_poll(bot)

    press(bot, message, "poll_close", user="UALICE")
    assert only_poll(bot).status == "closed"
    assert bot.runtime.jobs.next_run(f"poll-close:{poll.id}") is None
    chooser = bot.fake.calls_to("views.open")[-1].json("view")
    assert chooser["blocks"][1]["element"]["initial_option"]["value"] == str(option_ids(message)[1])  # the best

    choose(bot)
    decided = only_poll(bot)
    assert decided.status == "decided" and decided.decided_option_id == option_ids(message)[1]
    channel = bot.fake.messages(CHANNEL)
    announcement = next(m for m in channel if "the date is" in m["text"])
    assert "First meeting" in announcement["text"] and "1 yes, 1 if need be" in json.dumps(announcement["blocks"])
    assert "Final date" in rendered(poll_message(bot))

    [upload] = bot.fake.files
    assert upload["filename"] == "first-meeting.ics" and upload["channel_id"] == CHANNEL
    assert bot.fake.calls_to("files.completeUploadExternal")  # files_upload_v2
    content = upload["content"]
    assert b"DTSTART;TZID=Europe/London:20261202T140000" in content
    assert b"DTEND;TZID=Europe/London:20261202T160000" in content
    [event] = Calendar.from_ical(content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "First meeting"
    assert str(event["UID"]) == f"convene-poll-{TEAM_ID}-{poll.id}@convene"
    assert str(event["URL"]).startswith("https://fake.slack.test/")

    reminder_at = datetime(2026, 12, 1, 14, tzinfo=timezone.utc)
    assert bot.runtime.jobs.next_run(f"poll-meeting-reminder:{poll.id}") == reminder_at
    bot.clock.set(reminder_at)
    assert poll_jobs.remind_meeting(TEAM_ID, poll.id, decided.decided_option_id) == 2
    assert poll_jobs.remind_meeting(TEAM_ID, poll.id, decided.decided_option_id) == 0
    assert len(dms(bot, "UBEN")) == 1 and len(dms(bot, "UADMIN")) == 1 and dms(bot, "UALICE") == []
    assert "Reminder: *First meeting*" in dms(bot, "UBEN")[0]["text"]


def test_an_all_day_final_date_is_an_all_day_event_reminded_the_morning_before(bot: BotUnderTest) -> None:
    meet(bot, '"Away day" "Thu 3 Dec" "Fri 4 Dec"')
    message = poll_message(bot)
    click(bot, message, 0, "yes", user="UBEN")
    press(bot, message, "poll_close", user="UADMIN")  # a coordinator may close anyone's poll
    choose(bot, user="UADMIN")
    [upload] = bot.fake.files
    assert b"DTSTART;VALUE=DATE:20261203" in upload["content"]
    assert b"DTEND;VALUE=DATE:20261204" in upload["content"]
    poll = only_poll(bot)
    morning_before = datetime(2026, 12, 2, 9, tzinfo=timezone.utc)
    assert bot.runtime.jobs.next_run(f"poll-meeting-reminder:{poll.id}") == morning_before


def test_changing_the_final_date_announces_it_again_under_the_same_calendar_uid(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    message = poll_message(bot)
    press(bot, message, "poll_close", user="UALICE")
    choose(bot, 0)
    choose_again = poll_message(bot)
    press(bot, choose_again, "poll_choose_final", user="UALICE")
    choose(bot, 0)  # the same date: nothing new to announce
    assert len(bot.fake.files) == 1
    press(bot, choose_again, "poll_choose_final", user="UALICE")
    choose(bot, 2)
    first, second = (Calendar.from_ical(f["content"]).walk("VEVENT")[0] for f in bot.fake.files)
    assert first["UID"] == second["UID"] and second["SEQUENCE"] > first["SEQUENCE"]
    assert second.decoded("DTSTART") == date(2026, 12, 3)
    assert sum("the date is" in m["text"] for m in bot.fake.messages(CHANNEL)) == 2


def test_only_the_creator_or_a_coordinator_can_close_reopen_choose_or_delete(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    message = poll_message(bot)
    opened = len(bot.fake.calls_to("views.open"))
    press(bot, message, "poll_close", user="UBEN")
    assert REFUSAL in last_reply(bot) and "close" in last_reply(bot)
    assert bot.fake.calls_to("response_url")[-1].args["response_type"] == "ephemeral"
    press(bot, message, "poll_delete", user="UBEN")
    assert REFUSAL in last_reply(bot)
    assert only_poll(bot).status == "open" and len(bot.fake.calls_to("views.open")) == opened

    press(bot, message, "poll_close", user="UALICE")
    chooser = bot.fake.calls_to("views.open")[-1].json("view")
    closed = poll_message(bot)
    for action in ("poll_reopen", "poll_choose_final"):
        press(bot, closed, action, user="UBEN")
        assert REFUSAL in last_reply(bot)
    first = chooser["blocks"][1]["element"]["options"][0]["value"]
    forged = bot.slack.view_submission(chooser, view_state(chooser, {"final": first}), user_id="UBEN")
    assert REFUSAL in forged.json()["errors"]["final"]
    bot.drain()
    assert only_poll(bot).status == "closed" and bot.fake.files == []


def test_a_closed_poll_refuses_votes_and_can_be_reopened_with_a_new_deadline(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    message = poll_message(bot)
    press(bot, message, "poll_close", user="UALICE")
    click(bot, message, 0, "yes", user="UBEN")
    assert "has closed" in last_reply(bot)

    press(bot, poll_message(bot), "poll_reopen", user="UALICE")
    view = bot.fake.calls_to("views.open")[-1].json("view")
    assert view["callback_id"] == "poll_reopen"
    bad = bot.slack.view_submission(view, view_state(view, {"deadline": "Mon 23 Nov 5pm"}), user_id="UALICE")
    assert "in the past" in bad.json()["errors"]["deadline"]
    good = bot.slack.view_submission(view, view_state(view, {"deadline": "Mon 30 Nov 5pm"}), user_id="UALICE")
    assert good.status == 200 and good.text in ("", "{}")
    bot.drain()
    poll = only_poll(bot)
    assert poll.status == "open" and poll.deadline == datetime(2026, 11, 30, 17, tzinfo=timezone.utc)
    assert bot.runtime.jobs.next_run(f"poll-close:{poll.id}") == poll.deadline
    reopened = poll_message(bot)
    click(bot, reopened, 0, "yes", user="UBEN")
    assert counts(option_texts(poll_message(bot))[0]) == (1, 0, 0)


def test_the_creator_deletes_a_poll_and_its_message(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    message = poll_message(bot)
    click(bot, message, 0, "yes", user="UBEN")
    poll = only_poll(bot)
    press(bot, message, "poll_delete", user="UALICE")
    assert "Deleted the poll “First meeting”" in last_reply(bot)
    assert [c.args["ts"] for c in bot.fake.calls_to("chat.delete")] == [message["ts"]]
    assert not any(m["ts"] == message["ts"] for m in bot.fake.messages(CHANNEL))
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Poll)) == 0
        assert session.scalar(select(func.count()).select_from(PollVote)) == 0
    assert not any(job.endswith(f":{poll.id}") for job in bot.runtime.jobs.ids())


def test_meet_list_shows_the_open_polls_of_the_channel(bot: BotUnderTest) -> None:
    bot.fake.add_channel("CPLAN", name="planning", members=["UALICE"])
    meet(bot, MEET)
    meet(bot, '"Second" "Wed 9 Dec 10am"')
    meet(bot, '"Closed one" "Thu 10 Dec 10am"')
    meet(bot, '"Elsewhere" "Thu 10 Dec 10am"', channel="CPLAN")
    with bot.runtime.db.unit_of_work() as session:
        session.scalars(select(Poll).where(Poll.title == "Closed one")).one().status = "closed"
    meet(bot, "list", user="UBEN")
    reply = last_reply(bot)
    assert "First meeting" in reply and "Second" in reply
    assert "Closed one" not in reply and "Elsewhere" not in reply
    assert "https://fake.slack.test/" in reply and "0 of 3 answered" in reply


def test_the_app_home_lists_polls_waiting_for_a_members_vote(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    bot.slack.app_home_opened(user_id="UBEN")
    bot.drain()
    home = json.dumps(bot.fake.home_views["UBEN"])
    assert "Polls waiting for your vote" in home and "First meeting" in home
    click(bot, poll_message(bot), 0, "no", user="UBEN")
    bot.slack.app_home_opened(user_id="UBEN")
    bot.drain()
    assert "Polls waiting for your vote" not in json.dumps(bot.fake.home_views["UBEN"])


def test_my_data_has_a_members_votes_and_forget_me_removes_them_but_keeps_their_polls(bot: BotUnderTest) -> None:
    meet(bot, MEET, user="UBEN")
    message = poll_message(bot)
    click(bot, message, 0, "yes", user="UBEN")
    click(bot, message, 1, "yes", user="UALICE")
    bot.slack.command("/convene", "my-data", user_id="UBEN")
    bot.drain()
    exported = json.loads(bot.fake.files[-1]["content"])["data"]["Polls"]
    assert {"vote": "Yes", "poll": "First meeting"}.items() <= exported[0].items()
    assert any(record.get("created_poll") == "First meeting" for record in exported)

    bot.slack.block_action({"type": "button", "action_id": "convene_forget_me", "block_id": "b", "value": "confirm"},
                           user_id="UBEN", channel_id="DBEN")
    bot.drain()
    poll = only_poll(bot)
    assert poll.creator_id is None
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalars(select(PollVote.user_id)).all() == ["UALICE"]
    bot.clock.advance(minutes=2)
    poll_jobs.refresh_unrendered()
    shown = rendered(poll_message(bot))
    assert "ben" not in shown.lower() and "Poll by" not in shown
    assert counts(option_texts(poll_message(bot))[0]) == (0, 0, 0)


def test_a_reminder_slack_failed_to_deliver_is_retried_without_repeats(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    poll = only_poll(bot)
    bot.clock.set(poll.remind_at)
    bot.fake.fail_next("conversations.open", "internal_error")
    assert poll_jobs.remind_non_voters(TEAM_ID, poll.id) == 2  # one of the three failed
    retry_at = poll.remind_at + poll_jobs.RETRY_AFTER
    assert bot.runtime.jobs.next_run(f"poll-remind:{poll.id}") == retry_at
    bot.clock.set(retry_at)
    assert poll_jobs.remind_non_voters(TEAM_ID, poll.id) == 1
    assert [len(dms(bot, user)) for user in ("UALICE", "UBEN", "UADMIN")] == [1, 1, 1]


def test_closing_while_slack_is_down_is_finished_by_a_retry(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    poll = only_poll(bot)
    bot.clock.set(poll.deadline)
    bot.fake.fail_next("conversations.open", "internal_error")
    assert poll_jobs.close_at_deadline(TEAM_ID, poll.id) is True
    assert only_poll(bot).status == "closed" and dms(bot, "UALICE") == []
    retry_at = poll.deadline + poll_jobs.RETRY_AFTER
    assert bot.runtime.jobs.next_run(f"poll-close:{poll.id}") == retry_at
    bot.clock.set(retry_at)
    poll_jobs.close_at_deadline(TEAM_ID, poll.id)
    poll_jobs.close_at_deadline(TEAM_ID, poll.id)
    assert len(dms(bot, "UALICE")) == 1


def test_an_announcement_that_failed_half_way_is_finished_by_choosing_again(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    press(bot, poll_message(bot), "poll_close", user="UALICE")
    bot.fake.fail_next("files.getUploadURLExternal", "internal_error")
    choose(bot, 1)
    assert bot.fake.files == [] and "Something went wrong" in dms(bot, "UALICE")[-1]["text"]
    press(bot, poll_message(bot), "poll_choose_final", user="UALICE")
    choose(bot, 1)
    assert len(bot.fake.files) == 1
    assert sum("the date is" in m["text"] for m in bot.fake.messages(CHANNEL)) == 1
