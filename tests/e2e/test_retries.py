"""When Slack fails after it has acted (a 5xx once the message is posted), nothing appears twice
and nothing is lost; when it fails before acting, nothing is half-created."""

from __future__ import annotations

from sqlalchemy import select

from bot.jobs import polls as poll_jobs
from storage.models import Dispatch, Poll, VolunteerCall
from tests.e2e.polls_helpers import MEET, click, database_counts, meet, only_poll, poll_message
from tests.e2e.prompting import deliveries, prompt_dms, send_now, tick, use_group_channel
from tests.harness.bot import TEAM_ID, BotUnderTest


def _poll_messages(bot: BotUnderTest) -> list[dict]:
    return [m for m in bot.fake.messages("CGROUP")
            if any(b.get("block_id") == "poll-footer" for b in m.get("blocks") or [])]


def test_a_poll_posted_before_slack_failed_is_kept_once(bot: BotUnderTest) -> None:
    bot.fake.fail_after_next("chat.postMessage", status=500)
    meet(bot, MEET)
    assert len(_poll_messages(bot)) == 1, "posted once, not retried into a second message"
    poll = only_poll(bot)
    assert poll.message_ts == _poll_messages(bot)[0]["ts"], "the poll knows the message it has"
    click(bot, poll_message(bot), 0, "yes", user="UBEN")
    assert database_counts(bot, poll.id)[0] == (1, 0, 0)


def test_a_poll_slack_refused_with_a_5xx_is_not_half_created(bot: BotUnderTest) -> None:
    bot.fake.fail_next("chat.postMessage", status=500)
    meet(bot, MEET)
    assert _poll_messages(bot) == []
    assert len([c for c in bot.fake.calls if c.method == "chat.postMessage"]) == 1, "a post is never retried blindly"
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalars(select(Poll)).all() == []
    assert "Something went wrong" in bot.fake.calls_to("response_url")[-1].args["text"]


def test_a_reminder_posted_before_slack_failed_is_not_sent_again(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    poll = only_poll(bot)
    bot.clock.set(poll.remind_at)
    bot.fake.fail_after_next("chat.postMessage", status=503, error="service_unavailable")
    poll_jobs.remind_non_voters(TEAM_ID, poll.id)
    poll_jobs.remind_non_voters(TEAM_ID, poll.id)  # the job runs again, as after a crash
    for user in ("UALICE", "UBEN", "UADMIN"):
        reminded = [m for m in bot.fake.messages(user) if "First meeting" in m["text"]]
        assert len(reminded) == 1, user
    with bot.runtime.db.unit_of_work() as session:
        dispatches = session.scalars(select(Dispatch).where(Dispatch.key.like("poll-reminder:%"))).all()
        assert len(dispatches) == 3 and {d.status for d in dispatches} == {"sent"}
        assert all(d.ts for d in dispatches), "the ts of the message that did go out is kept"


def test_a_prompt_delivered_before_slack_failed_is_not_delivered_again(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    bot.fake.fail_after_next("chat.postMessage", status=500)
    send_now(bot)
    tick(bot, "2026-11-24T09:05:00+00:00")  # the next tick finishes unfinished rounds
    assert [len(prompt_dms(bot, user)) for user in ("UALICE", "UBEN", "UADMIN")] == [1, 1, 1]
    assert {delivery.status for delivery in deliveries(bot)} == {"sent"}


def test_a_call_for_volunteers_posted_before_slack_failed_is_kept_once(bot: BotUnderTest) -> None:
    bot.fake.fail_after_next("chat.postMessage", status=500)
    bot.slack.command("/volunteer", '"Draft the scope document" 2', user_id="UALICE", channel_id="CGROUP")
    bot.drain()
    calls = [m for m in bot.fake.messages("CGROUP") if "Draft the scope document" in m["text"]]
    assert len(calls) == 1
    with bot.runtime.db.unit_of_work() as session:
        [call] = session.scalars(select(VolunteerCall)).all()
        assert call.message_ts == calls[0]["ts"]


def test_reads_are_retried_after_a_5xx(bot: BotUnderTest) -> None:
    bot.fake.fail_next("users.info", status=500)
    meet(bot, MEET)
    assert len(_poll_messages(bot)) == 1
    assert bot.sleep.calls, "the retry waited (recorded, not slept)"
