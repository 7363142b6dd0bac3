"""`/meet`: creating polls inline and from the modal, and everything that is refused."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from bot import areas
from bot.jobs import polls as poll_jobs
from bot.services import poll_dates, polls
from storage.models import Poll, PollInvitee, PollOption
from tests.e2e.polls_helpers import CHANNEL, MEET, last_reply, meet, only_poll, option_texts, poll_message, rendered
from tests.harness.bot import BotUnderTest, start_bot
from tests.harness.signed import view_state


def poll_count(bot: BotUnderTest) -> int:
    with bot.runtime.db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Poll)) or 0


def test_help_shows_the_grammar_with_examples(bot: BotUnderTest) -> None:
    body = meet(bot, "help")
    shown = json.dumps(body["blocks"])
    assert '/meet \\"Title\\" \\"option\\"' in shown and "deadline" in shown and "/meet list" in shown
    assert "Wed 2 Dec 2-4pm" in shown and "/meet suggest 90m next 2 weeks" in shown


def test_an_unknown_subcommand_answers_with_help(bot: BotUnderTest) -> None:
    body = meet(bot, "propose 90m next 2 weeks")
    shown = json.dumps(body["blocks"])
    assert "has no `propose`" in shown and "/meet list" in shown
    assert poll_count(bot) == 0


def test_an_inline_poll_with_typographic_quotes_is_posted_with_its_deadline(bot: BotUnderTest) -> None:
    meet(bot, "“First meeting” “Tue 1 Dec 10am” “Wed 2 Dec 2-4pm” “Thu 3 Dec” deadline “Fri 27 Nov 5pm”")
    message = poll_message(bot)
    texts = option_texts(message)
    assert len(texts) == 3
    assert f"<!date^{int(datetime(2026, 12, 1, 10, tzinfo=timezone.utc).timestamp())}^" in texts[0]
    assert "|14:00–" not in texts[1] and texts[1].count("<!date^") == 2  # a range: start and end
    assert "Thursday 3 December 2026 (all day)" in texts[2]
    assert "First meeting" in rendered(message) and "closes <!date^" in rendered(message)

    poll = only_poll(bot)
    assert poll.deadline == datetime(2026, 11, 27, 17, tzinfo=timezone.utc)
    assert poll.message_ts == message["ts"] and poll.creator_id == "UALICE"
    with bot.runtime.db.unit_of_work() as session:
        options = session.scalars(select(PollOption).order_by(PollOption.position)).all()
        invited = set(session.scalars(select(PollInvitee.user_id)))
    assert [(o.duration_minutes, o.all_day) for o in options] == [(None, False), (120, False), (None, True)]
    assert invited == {"UALICE", "UBEN", "UADMIN"}  # the channel's people, not the bot
    assert bot.runtime.jobs.next_run(f"poll-close:{poll.id}") == poll.deadline
    assert bot.runtime.jobs.next_run(f"poll-remind:{poll.id}") == poll.deadline - timedelta(hours=24)
    assert "0 of 3 answered" in rendered(poll_message(bot))


def test_options_are_read_in_the_authors_slack_time_zone(bot: BotUnderTest) -> None:
    meet(bot, '"Call" "Tue 1 Dec 10am"', user="UBEN")  # Ben is in New York
    with bot.runtime.db.unit_of_work() as session:
        option = session.scalars(select(PollOption)).one()
    assert option.starts_at == datetime(2026, 12, 1, 15, tzinfo=timezone.utc)
    assert only_poll(bot).timezone == "America/New_York"


def test_relative_options_count_from_the_clock(bot: BotUnderTest) -> None:
    bot.clock.set("2027-03-09T08:00:00+00:00")
    meet(bot, '"Catch-up" "tomorrow at noon" "next Tuesday 2pm" "1/4 14:00"')
    with bot.runtime.db.unit_of_work() as session:
        starts = [o.starts_at for o in session.scalars(select(PollOption).order_by(PollOption.position))]
    assert starts == [datetime(2027, 3, 10, 12, tzinfo=timezone.utc), datetime(2027, 3, 16, 14, tzinfo=timezone.utc),
                      datetime(2027, 4, 1, 13, tzinfo=timezone.utc)]  # 1 April is in British Summer Time


def test_bad_options_are_named_and_nothing_is_created(bot: BotUnderTest) -> None:
    meet(bot, '"First meeting" "Tue 3 Dec" "Mon 23 Nov 10am" "Tue 1 Dec 10am" "whenever suits"')
    reply = last_reply(bot)
    assert "“Tue 3 Dec”: 3 Dec 2026 is a Thursday, not a Tuesday" in reply
    assert "“Mon 23 Nov 10am”: 23 Nov 2026 is in the past" in reply
    assert "“whenever suits”: I can't read that" in reply
    assert 'For example: `/meet "First meeting"' in reply
    assert poll_count(bot) == 0
    assert bot.fake.messages(CHANNEL) == []


def test_unquoted_text_is_explained(bot: BotUnderTest) -> None:
    body = meet(bot, "First meeting Tuesday")
    shown = json.dumps(body["blocks"])
    assert "has no `first`" in shown and "e.g. `/meet \\\"First meeting\\\"" in shown
    assert poll_count(bot) == 0


def test_more_options_than_a_poll_can_show_are_refused(bot: BotUnderTest) -> None:
    options = " ".join(f'"{day} Dec 2026 10am"' for day in range(1, 24))
    meet(bot, f'"Too many" {options}')
    assert "at most 22 options" in last_reply(bot)
    assert poll_count(bot) == 0


def test_twenty_options_are_posted_within_block_kit_limits(bot: BotUnderTest) -> None:
    options = " ".join(f'"{day} Dec 2026 {day % 12 + 1}pm"' for day in range(1, 21))
    meet(bot, f'"Twenty" {options}')
    message = poll_message(bot)
    assert len(option_texts(message)) == 20 and len(message["blocks"]) <= 50
    # The fake Slack fails the test if the message broke any Block Kit limit.


def test_a_deadline_after_every_option_is_refused(bot: BotUnderTest) -> None:
    meet(bot, '"Late" "Tue 1 Dec 10am" deadline "Fri 4 Dec"')
    assert "deadline is after every option" in last_reply(bot)
    assert poll_count(bot) == 0


def test_a_channel_convene_is_not_in_is_explained_and_nothing_is_kept(bot: BotUnderTest) -> None:
    bot.fake.add_channel("COTHER", name="elsewhere", members=["UALICE"], bot_is_member=False)
    meet(bot, MEET, channel="COTHER")
    assert "/invite @Convene" in last_reply(bot)
    assert poll_count(bot) == 0


def test_the_modal_reports_bad_lines_next_to_the_options_and_creates_nothing(bot: BotUnderTest) -> None:
    meet(bot, "")
    [opened] = bot.fake.calls_to("views.open")
    view = opened.json("view")
    assert view["callback_id"] == "poll_create"
    assert "Europe/London" in json.dumps(view)  # options are read in the author's zone, and it says so
    values = view_state(view, {
        "title": "First meeting",
        "options": "Tue 1 Dec 10am\nTue 3 Dec\n\nsometime",
        "deadline": "Fri 27 Nov 5pm",
        "channel": CHANNEL,
        "settings": ["if_need_be"],
    })
    response = bot.slack.view_submission(view, values, user_id="UALICE")
    assert response.status == 200 and response.elapsed < 3.0
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"options"}
    assert "Line 2 “Tue 3 Dec”: 3 Dec 2026 is a Thursday, not a Tuesday" in answer["errors"]["options"]
    assert "Line 4 “sometime”" in answer["errors"]["options"]
    bot.drain()
    assert poll_count(bot) == 0


def test_the_modal_posts_the_poll_with_its_settings(bot: BotUnderTest) -> None:
    bot.fake.add_channel("CPLAN", name="planning", members=["UALICE", "UBEN"])
    meet(bot, "", channel="D0ALICE")
    view = bot.fake.calls_to("views.open")[0].json("view")
    values = view_state(view, {
        "title": "Strategy day",
        "options": "Thu 3 Dec\nFri 4 Dec 9am-5pm",
        "deadline": "",
        "channel": "CPLAN",
        "settings": ["hide_votes", "anonymous"],
    })
    response = bot.slack.view_submission(view, values, user_id="UALICE")
    assert response.status == 200 and response.text in ("", "{}")
    bot.drain()
    poll = only_poll(bot)
    assert (poll.channel_id, poll.anonymous, poll.hide_votes, poll.allow_if_need_be) == ("CPLAN", True, True, False)
    assert poll.deadline is None and bot.runtime.jobs.ids() == []
    shown = rendered(poll_message(bot, "CPLAN"))
    assert "hidden until" in shown and "poll_vote_maybe" not in shown


def test_the_modal_asks_for_a_title_and_a_channel(bot: BotUnderTest) -> None:
    meet(bot, "", channel="D0ALICE")
    view = bot.fake.calls_to("views.open")[0].json("view")
    values = view_state(view, {"title": " ", "options": "Tue 1 Dec 10am"})
    answer = bot.slack.view_submission(view, values, user_id="UALICE").json()
    assert set(answer["errors"]) == {"title", "channel"}


def test_the_date_parser_is_warmed_at_start_up() -> None:
    assert poll_dates.warm in areas.WARMERS


def test_how_long_before_the_deadline_the_reminder_goes_is_configurable(db, fake, clock) -> None:  # type: ignore[no-untyped-def]
    bot = start_bot(db.url, fake, clock=clock, convene_poll_reminder_hours=6)
    try:
        meet(bot, MEET)
        poll = only_poll(bot)
        assert bot.runtime.jobs.next_run(f"poll-remind:{poll.id}") == poll.deadline - timedelta(hours=6)
    finally:
        bot.drain()
        bot.stop()


def test_a_poll_from_the_modal_that_cannot_be_posted_comes_back_to_its_author(bot: BotUnderTest) -> None:
    bot.fake.add_channel("COTHER", name="elsewhere", members=["UALICE"], bot_is_member=False)
    meet(bot, "", channel="D0ALICE")
    view = bot.fake.calls_to("views.open")[0].json("view")
    values = view_state(view, {"title": "Strategy day", "options": "Thu 3 Dec\nFri 4 Dec 9am-5pm",
                               "channel": "COTHER"})
    assert bot.slack.view_submission(view, values, user_id="UALICE").status == 200
    bot.drain()
    [told] = bot.fake.messages("UALICE")
    assert "/invite @Convene" in told["text"] and "Strategy day\nThu 3 Dec\nFri 4 Dec 9am-5pm" in told["text"]
    assert poll_count(bot) == 0


def test_what_slack_escapes_in_the_command_is_kept_as_typed_and_shown_once_escaped(bot: BotUnderTest) -> None:
    # Slack sends "R&D <catch-up>" typed into /meet as "R&amp;D &lt;catch-up&gt;".
    meet(bot, '"R&amp;D &lt;catch-up&gt;" "Tue 1 Dec 10am" "Wed 2 Dec 2-4pm"')
    assert only_poll(bot).title == "R&D <catch-up>"
    header = poll_message(bot)["blocks"][0]["text"]
    assert header == {"type": "plain_text", "text": ":calendar: R&D <catch-up>", "emoji": True}
    assert "&amp;amp;" not in rendered(poll_message(bot))


def test_the_first_message_already_counts_everyone_in_the_channel(bot: BotUnderTest) -> None:
    bot.fake.add_user("UCAROL", name="carol", tz="Europe/London")
    bot.fake.add_channel("CBIG", name="wg-everyone", members=["UALICE", "UBEN", "UADMIN", "UCAROL"])
    meet(bot, MEET, channel="CBIG")
    [first] = [call for call in bot.fake.calls_to("chat.postMessage") if call.args.get("channel") == "CBIG"]
    assert "0 of 4 answered" in json.dumps(first.json("blocks")), "the number is right from the first message"
    assert not [call for call in bot.fake.calls_to("chat.update") if "answered" in json.dumps(call.json("blocks"))
                and "0 of 4 answered" not in json.dumps(call.json("blocks"))]


def test_a_poll_whose_people_cannot_be_listed_shows_no_denominator(bot: BotUnderTest) -> None:
    bot.fake.fail_next("conversations.members", error="missing_scope", times=5)
    meet(bot, MEET)
    assert "0 answered" in rendered(poll_message(bot)) and " of 1 answered" not in rendered(poll_message(bot))


def test_someone_joining_later_is_reminded_without_moving_the_count(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    poll = only_poll(bot)
    bot.fake.add_user("UNEW", name="newcomer", tz="Europe/London")
    bot.fake.add_channel(CHANNEL, name="wg-commissioning", members=["UALICE", "UBEN", "UADMIN", "UNEW"])
    bot.clock.set(poll.remind_at)
    poll_jobs.remind_non_voters(poll.team_id, poll.id)
    bot.drain()
    assert any("First meeting" in m["text"] for m in bot.fake.messages("UNEW")), "the newcomer is reminded"
    with bot.runtime.db.unit_of_work() as session:
        assert polls.load_state(session, poll.team_id, poll.id).invited == 3
