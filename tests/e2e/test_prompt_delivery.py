"""Prompts reach each member at their own local time, once, whatever the clock or Slack does."""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import func, select

from bot.jobs import prompts as prompt_jobs
from storage.models import Absence, PromptDelivery, PromptRound
from tests.e2e.prompting import (
    answers,
    deliveries,
    delivery_id_of,
    nudges,
    prompt_dms,
    reply_in_dm,
    say,
    send_now,
    tick,
    use_group_channel,
)
from tests.harness.bot import TEAM_ID, BotUnderTest

# The bot fixture's clock starts on Tuesday 24 November 2026 at 09:00 UTC (09:00 in London, 04:00 in New York).


def test_each_member_gets_the_prompt_at_ten_in_their_own_time_zone(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    reply = say(bot, "schedule weekly Tue 10:00")
    assert "every Tuesday at 10:00" in reply and "Tuesday 24 November" in reply

    tick(bot, "2026-11-24T09:59:00+00:00")
    assert [prompt_dms(bot, u) for u in ("UALICE", "UADMIN", "UBEN")] == [[], [], []]

    tick(bot, "2026-11-24T10:00:00+00:00")  # 10:00 in London
    assert len(prompt_dms(bot, "UALICE")) == 1 and len(prompt_dms(bot, "UADMIN")) == 1
    assert prompt_dms(bot, "UBEN") == [], "05:00 in New York is too early"

    tick(bot, "2026-11-24T14:59:00+00:00")
    assert prompt_dms(bot, "UBEN") == []
    tick(bot, "2026-11-24T15:00:00+00:00")  # 10:00 in New York
    [ben] = prompt_dms(bot, "UBEN")
    [alice] = prompt_dms(bot, "UALICE")
    assert ben["blocks"][1] == alice["blocks"][1], "one round: everyone gets this week's question"
    assert "This week's question" in ben["text"]

    tick(bot, "2026-11-24T15:02:00+00:00")
    assert [len(prompt_dms(bot, u)) for u in ("UALICE", "UADMIN", "UBEN")] == [1, 1, 1]

    tick(bot, "2026-12-01T10:00:00+00:00")  # next week, London
    first, second = prompt_dms(bot, "UALICE")
    assert first["blocks"][1] != second["blocks"][1], "the next prompt in the queue"
    assert len(prompt_dms(bot, "UBEN")) == 1


def test_the_same_period_is_one_round_whichever_member_starts_it(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    say(bot, "schedule weekly Tue 10:00")
    tick(bot, "2026-11-24T10:00:00+00:00")
    tick(bot, "2026-11-24T15:00:00+00:00")
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(PromptRound)) == 1
        assert session.scalar(select(func.count()).select_from(PromptDelivery)) == 3


def test_a_clock_that_was_down_catches_up_but_never_sends_a_stale_prompt(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    say(bot, "schedule weekly Tue 10:00")
    tick(bot, "2026-11-24T13:00:00+00:00")  # three hours late for London
    assert len(prompt_dms(bot, "UALICE")) == 1
    tick(bot, "2026-11-25T09:00:00+00:00")  # New York's 10:00 was eighteen hours ago
    assert prompt_dms(bot, "UBEN") == []


def test_nobody_is_sent_a_prompt_whose_moment_passed_before_the_schedule_existed(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    bot.clock.set("2026-11-24T12:00:00+00:00")
    say(bot, "schedule weekly Tue 10:00")
    tick(bot, "2026-11-24T12:01:00+00:00")
    assert prompt_dms(bot, "UALICE") == []
    tick(bot, "2026-11-24T15:00:00+00:00")
    assert len(prompt_dms(bot, "UBEN")) == 1


def test_members_who_are_away_or_paused_are_skipped(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    bot.runtime.directory.ensure(TEAM_ID, "UALICE")
    with bot.runtime.db.unit_of_work() as session:
        session.add(Absence(team_id=TEAM_ID, user_id="UALICE", starts_on=date(2026, 11, 23),
                            ends_on=date(2026, 11, 27), note="Leave"))
    assert "paused" in say(bot, "pause", user="UADMIN")
    say(bot, "schedule weekly Tue 10:00", user="UADMIN")
    tick(bot, "2026-11-24T10:00:00+00:00")
    tick(bot, "2026-11-24T15:00:00+00:00")
    assert prompt_dms(bot, "UALICE") == [] and prompt_dms(bot, "UADMIN") == []
    assert len(prompt_dms(bot, "UBEN")) == 1
    tick(bot, "2026-12-01T10:00:00+00:00")
    assert len(prompt_dms(bot, "UALICE")) == 1, "back from leave"
    assert prompt_dms(bot, "UADMIN") == [], "still paused for four weeks"
    assert "Welcome back" in say(bot, "resume", user="UADMIN")
    tick(bot, "2026-12-08T10:00:00+00:00")
    assert len(prompt_dms(bot, "UADMIN")) == 1


def test_fortnightly_and_monthly_schedules_skip_the_weeks_between(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    say(bot, "schedule fortnightly Tue 10:00")
    for week in ("2026-11-24", "2026-12-01", "2026-12-08"):
        tick(bot, f"{week}T10:00:00+00:00")
    assert len(prompt_dms(bot, "UALICE")) == 2
    reply = say(bot, "schedule monthly Wed 9:30am")
    assert "first Wednesday of each month at 09:30" in reply and "Wednesday 6 January" in reply
    tick(bot, "2027-01-06T09:30:00+00:00")
    tick(bot, "2027-01-13T09:30:00+00:00")
    tick(bot, "2027-02-03T09:30:00+00:00")
    assert len(prompt_dms(bot, "UALICE")) == 4


def test_a_job_run_twice_at_once_sends_nothing_twice(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    say(bot, "schedule weekly Tue 10:00")
    bot.clock.set("2026-11-24T15:00:00+00:00")  # everyone is due
    runs = [threading.Thread(target=prompt_jobs.tick) for _ in range(3)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=30)
    assert [len(prompt_dms(bot, u)) for u in ("UALICE", "UADMIN", "UBEN")] == [1, 1, 1]
    assert len(bot.fake.calls_to("chat.postMessage", ok_only=True)) == 3


def test_a_failed_send_is_tried_again_by_the_next_tick(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    say(bot, "schedule weekly Tue 10:00")
    bot.fake.fail_next("chat.postMessage", error="internal_error")
    tick(bot, "2026-11-24T10:00:00+00:00")
    assert sorted(len(prompt_dms(bot, u)) for u in ("UALICE", "UADMIN")) == [0, 1]
    tick(bot, "2026-11-24T10:02:00+00:00")
    assert [len(prompt_dms(bot, u)) for u in ("UALICE", "UADMIN")] == [1, 1]


def test_send_now_reaches_everyone_once_and_reports_back(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    round_id = send_now(bot, "send now 5")
    for user in ("UALICE", "UADMIN", "UBEN"):
        [dm] = prompt_dms(bot, user)
        assert "A question from the working group" in dm["text"] and "commissioner last ask you" in dm["text"]
    report = [m for m in bot.fake.messages("UADMIN") if "went to 3 members" in m["text"]]
    assert len(report) == 1 and "/prompt answers 5" in report[0]["text"]

    # A double-click, or the job run again: nothing more.
    assert "already sent today" in say(bot, "send now 5")
    prompt_jobs.deliver_round(TEAM_ID, round_id)
    prompt_jobs.tick()
    assert [len(prompt_dms(bot, u)) for u in ("UALICE", "UADMIN", "UBEN")] == [1, 1, 1]


def test_send_now_sends_the_next_in_the_queue_and_rotates_it_to_the_back(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    say(bot, "move 9 to 1")
    send_now(bot)
    assert "monitoring and reporting" in prompt_dms(bot, "UALICE")[0]["text"]
    listing = say(bot, "list")
    assert listing.index("*#1*") < listing.index("*#9*"), "#9 went to the back of the queue"


def test_send_now_needs_a_channel_and_a_coordinator(bot: BotUnderTest) -> None:
    assert "no channel yet" in say(bot, "send now")
    use_group_channel(bot)
    assert "Only a coordinator" in say(bot, "send now", user="UALICE")
    assert bot.fake.calls_to("chat.postMessage") == []


def test_a_fan_out_to_500_members_under_rate_limits_sends_each_exactly_one_dm(bot: BotUnderTest) -> None:
    members = [f"UM{index:04d}" for index in range(500)]
    for index, user_id in enumerate(members):
        bot.fake.add_user(user_id, name=f"member{index}", tz="Europe/London" if index % 2 else "America/New_York")
    bot.fake.add_channel("CBIG", name="wg-everyone", members=members + ["UADMIN"])
    use_group_channel(bot, "CBIG")
    bot.fake.rate_limit_share(0.3, retry_after=2)

    send_now(bot)

    sent = bot.fake.calls_to("chat.postMessage", ok_only=True)
    prompt_posts = [c for c in sent if "A question from the working group" in c.args.get("text", "")]
    assert sorted(c.args["channel"] for c in prompt_posts) == sorted(members + ["UADMIN"])
    limited = [c for c in bot.fake.calls if c.status == 429]
    assert len(limited) > 100, "the fake should have refused a good share of calls"
    assert len(bot.sleep.calls) == len(limited) and all(2 <= s < 3 for s in bot.sleep.calls)
    assert all(d.status == "sent" for d in deliveries(bot))


def test_one_nudge_after_three_days_and_never_a_second(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    say(bot, "schedule weekly Tue 10:00")
    tick(bot, "2026-11-24T10:00:00+00:00")
    tick(bot, "2026-11-24T15:00:00+00:00")
    reply_in_dm(bot, "UADMIN", "Monitoring takes us a day a month and nobody reads it.")
    [ben_prompt] = prompt_dms(bot, "UBEN")
    bot.slack.block_action({"action_id": "prompt_skip"}, user_id="UBEN", channel_id="DBEN", message=ben_prompt)
    bot.drain()

    tick(bot, "2026-11-27T09:59:00+00:00")
    assert nudges(bot, "UALICE") == []
    tick(bot, "2026-11-27T10:00:00+00:00")
    [nudge] = nudges(bot, "UALICE")
    assert "gentle nudge" in nudge["text"]
    assert delivery_id_of(nudge) == delivery_id_of(prompt_dms(bot, "UALICE")[0])
    assert nudges(bot, "UADMIN") == [], "answered"
    tick(bot, "2026-11-27T15:00:00+00:00")
    assert nudges(bot, "UBEN") == [], "skipped"

    tick(bot, "2026-11-27T16:00:00+00:00")
    tick(bot, "2026-11-28T10:00:00+00:00")
    assert len(nudges(bot, "UALICE")) == 1


def test_a_reply_in_the_nudges_thread_answers_the_prompt(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    say(bot, "schedule weekly Tue 10:00")
    tick(bot, "2026-11-24T10:00:00+00:00")
    tick(bot, "2026-11-27T10:00:00+00:00")
    [nudge] = nudges(bot, "UALICE")
    reply_in_dm(bot, "UALICE", "Sorry, busy week. Three-year contracts would change everything.", thread_ts=nudge["ts"])
    [delivery] = deliveries(bot, "UALICE")
    [answer] = answers(bot, "UALICE")
    assert answer.delivery_id == delivery.id


def test_members_who_let_the_last_three_prompts_pass_are_not_nudged(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    say(bot, "schedule weekly Tue 10:00")
    for week in ("2026-11-24", "2026-12-01", "2026-12-08", "2026-12-15"):
        tick(bot, f"{week}T10:00:00+00:00")
        if week == "2026-12-01":
            reply_in_dm(bot, "UADMIN", "Our last bid took nine working days for a two-year contract.")
    tick(bot, "2026-12-18T10:00:00+00:00")
    assert nudges(bot, "UALICE") == [], "three prompts in a row went unanswered: no nagging"
    assert len(nudges(bot, "UADMIN")) == 1


def test_nudges_can_be_turned_off_or_delayed(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    say(bot, "schedule weekly Tue 10:00")
    assert "No more nudges" in say(bot, "nudge off")
    tick(bot, "2026-11-24T10:00:00+00:00")
    tick(bot, "2026-11-27T10:00:00+00:00")
    assert nudges(bot, "UALICE") == []
    assert "after 5 days" in say(bot, "nudge 5")
    tick(bot, "2026-12-01T10:00:00+00:00")
    tick(bot, "2026-12-04T10:00:00+00:00")
    assert nudges(bot, "UALICE") == []
    tick(bot, "2026-12-06T10:00:00+00:00")
    assert len(nudges(bot, "UALICE")) == 1
    assert "1 to 28 days" in say(bot, "nudge 90")


def test_a_member_slack_will_never_let_us_reach_is_not_retried(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    say(bot, "schedule weekly Tue 10:00")
    bot.fake.fail_next("chat.postMessage", error="cannot_dm_bot", times=2)
    tick(bot, "2026-11-24T10:00:00+00:00")
    tick(bot, "2026-11-24T10:02:00+00:00")
    tick(bot, "2026-11-24T10:04:00+00:00")
    attempts = [c for c in bot.fake.calls_to("chat.postMessage") if c.args.get("channel") in ("UALICE", "UADMIN")]
    assert len(attempts) == 2, "one refused attempt each, never repeated"
    assert {d.error for d in deliveries(bot)} == {"cannot_dm_bot"}


def test_a_nudge_slack_refused_is_tried_once_more_and_still_sent_only_once(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    say(bot, "schedule weekly Tue 10:00")
    tick(bot, "2026-11-24T10:00:00+00:00")
    reply_in_dm(bot, "UADMIN", "Answered, so no nudge for me.")
    bot.fake.fail_next("chat.postMessage", error="internal_error")
    tick(bot, "2026-11-27T10:00:00+00:00")
    assert nudges(bot, "UALICE") == []
    tick(bot, "2026-11-27T10:02:00+00:00")
    tick(bot, "2026-11-27T10:04:00+00:00")
    assert len(nudges(bot, "UALICE")) == 1
