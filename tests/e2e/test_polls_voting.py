"""Voting: changing answers, double clicks, bursts of clicks, "My votes" and Results."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from bot.jobs import polls as poll_jobs
from bot.services import polls
from bot.slack.polls import PollMessages, PollRefresher
from storage.models import Member, Poll, PollVote
from tests.e2e.polls_helpers import (
    CHANNEL,
    MEET,
    add_members,
    click,
    counts,
    database_counts,
    last_reply,
    meet,
    only_poll,
    option_texts,
    poll_message,
    press,
    rendered,
    vote_action,
)
from tests.harness.bot import TEAM_ID, BotUnderTest


def updates(bot: BotUnderTest) -> int:
    return len(bot.fake.calls_to("chat.update"))


def test_a_vote_shows_at_once_and_can_be_changed(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    message = poll_message(bot)
    click(bot, message, 0, "yes", user="UBEN")
    click(bot, message, 1, "maybe", user="UBEN")
    texts = option_texts(poll_message(bot))
    assert counts(texts[0]) == (1, 0, 0) and "_Yes:_ ben" in texts[0]
    assert counts(texts[1]) == (0, 1, 0) and "_If need be:_ ben" in texts[1]
    assert "Best so far" in rendered(poll_message(bot))

    click(bot, message, 0, "no", user="UBEN")
    texts = option_texts(poll_message(bot))
    assert counts(texts[0]) == (0, 0, 1) and "ben" not in texts[0]
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(PollVote)) == 2


def test_clicking_the_same_answer_twice_changes_nothing(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    message = poll_message(bot)
    click(bot, message, 0, "yes", user="UBEN")
    before = (updates(bot), only_poll(bot).revision)
    click(bot, message, 0, "yes", user="UBEN")
    assert (updates(bot), only_poll(bot).revision) == before
    assert database_counts(bot, only_poll(bot).id)[0] == (1, 0, 0)


def test_every_click_is_answered_before_the_message_is_updated(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    message = poll_message(bot)
    # Slack takes longer to update the message than the click may take to be answered: the ack
    # cannot have waited for it (bench/polls measures how quickly clicks are answered).
    bot.fake.delay("chat.update", 2.0, times=1)
    response = click(bot, message, 0, "yes", user="UBEN", drain=False)
    assert response.elapsed < 2.0 and response.text in ("", "{}")
    bot.drain()
    assert counts(option_texts(poll_message(bot))[0]) == (1, 0, 0)


def test_organisations_among_yes_votes_are_counted(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    message = poll_message(bot)
    bot.runtime.directory.ensure_many(TEAM_ID, ["UBEN", "UADMIN"])
    with bot.runtime.db.unit_of_work() as session:
        session.get(Member, (TEAM_ID, "UBEN")).organisation = "Riverside Food Bank"
        session.get(Member, (TEAM_ID, "UADMIN")).organisation = "Youth Trust"
    click(bot, message, 0, "yes", user="UBEN")
    click(bot, message, 0, "yes", user="UADMIN")
    click(bot, message, 0, "yes", user="UALICE")  # no organisation set
    click(bot, message, 1, "maybe", user="UBEN")
    texts = option_texts(poll_message(bot))
    assert ":office: 2 organisations" in texts[0] and ":office:" not in texts[1]


def test_a_hidden_poll_confirms_each_vote_privately(bot: BotUnderTest) -> None:
    meet(bot, '"Budget" "Tue 1 Dec 10am" "Wed 2 Dec 10am" hide-votes')
    message = poll_message(bot)
    click(bot, message, 1, "yes", user="UBEN")
    assert "Noted: *Yes* for Wed 2 Dec 10am" in last_reply(bot)
    assert bot.fake.calls_to("response_url")[-1].args["response_type"] == "ephemeral"
    shown = rendered(poll_message(bot))
    assert "1 of 3 answered" in shown and "ben" not in shown and ":white_check_mark: 1" not in shown


def test_if_need_be_is_refused_when_the_poll_does_not_allow_it(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    forged = vote_action(poll_message(bot), 0, "maybe")
    meet(bot, '"Yes or no" "Tue 1 Dec 10am" no-if-need-be')
    plain = poll_message(bot)
    assert "poll_vote_maybe" not in rendered(plain)
    forged["value"] = f"{only_poll_id(bot, 'Yes or no')}:{forged['value'].split(':')[1]}"
    bot.slack.block_action(forged, user_id="UBEN", channel_id=CHANNEL, message=plain)
    bot.drain()
    assert "not one of this poll's answers" in last_reply(bot) or "no longer in the poll" in last_reply(bot)


def only_poll_id(bot: BotUnderTest, title: str) -> int:
    with bot.runtime.db.unit_of_work() as session:
        return session.scalar(select(Poll.id).where(Poll.title == title))  # type: ignore[return-value]


def test_my_votes_shows_and_changes_a_members_answers(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    message = poll_message(bot)
    click(bot, message, 1, "maybe", user="UBEN")
    press(bot, message, "poll_my_votes", user="UBEN")
    view = bot.fake.calls_to("views.open")[-1].json("view")
    assert view["callback_id"] == "poll_my_votes"
    stored = next(v for v in bot.fake.views.values() if v["callback_id"] == "poll_my_votes")
    selects = [b for b in stored["blocks"] if b.get("block_id", "").startswith("my-vote-")]
    assert "initial_option" not in selects[0]["accessory"]
    assert selects[1]["accessory"]["initial_option"]["value"] == "maybe"

    bot.slack.block_action({"type": "static_select", "action_id": "poll_my_vote", "block_id": selects[0]["block_id"],
                            "selected_option": {"text": {"type": "plain_text", "text": "Yes"}, "value": "yes"}},
                           user_id="UBEN", view=stored)
    bot.drain()
    updated = bot.fake.views[stored["id"]]
    assert "Saved: Yes for Tue 1 Dec 10am" in json.dumps(updated)
    assert database_counts(bot, only_poll(bot).id)[:2] == [(1, 0, 0), (0, 1, 0)]
    assert counts(option_texts(poll_message(bot))[0]) == (1, 0, 0)


def test_results_show_everyone_for_long_polls(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    message = poll_message(bot)
    click(bot, message, 2, "no", user="UBEN")
    press(bot, message, "poll_results", user="UALICE")
    view = bot.fake.calls_to("views.open")[-1].json("view")
    shown = json.dumps(view)
    assert view["callback_id"] == "poll_results" and ":x: *No* (1): ben" in shown and "1 of 3 asked" in shown


def _burst(bot: BotUnderTest, message: dict, clicks: list[tuple[int, str, str]]) -> list:
    """Post every click at the same moment from its own thread; returns the bot's answers."""
    barrier = threading.Barrier(len(clicks))

    def send(index: int, choice: str, user: str):  # type: ignore[no-untyped-def]
        action = vote_action(message, index, choice)
        barrier.wait()
        return bot.slack.block_action(action, user_id=user, channel_id=CHANNEL, message=message)

    with ThreadPoolExecutor(max_workers=len(clicks)) as pool:
        return list(pool.map(lambda c: send(*c), clicks))


def test_a_burst_of_fifty_votes_is_all_recorded_and_the_message_matches_the_database(bot: BotUnderTest) -> None:
    voters = add_members(bot, 50)
    meet(bot, MEET)
    message = poll_message(bot)
    bot.fake.delay("chat.update", 0.2)  # Slack takes a moment to answer, as it does
    choices = ["yes", "maybe", "no"]
    answers = _burst(bot, message, [(i % 3, choices[i % 3], user) for i, user in enumerate(voters)])
    assert all(a.status == 200 for a in answers) and max(a.elapsed for a in answers) < 3.0
    bot.drain(timeout=60)
    poll = only_poll(bot)
    in_database = database_counts(bot, poll.id)
    assert sum(map(sum, in_database)) == 50
    assert [counts(text) for text in option_texts(poll_message(bot))] == in_database
    assert "50 of 53 answered" in rendered(poll_message(bot))
    assert updates(bot) < 25, f"{updates(bot)} chat.update calls for 50 clicks"
    assert poll.rendered_revision == poll.revision


def test_a_burst_of_a_hundred_clicks_costs_far_fewer_updates_and_ends_on_the_last_vote(bot: BotUnderTest) -> None:
    voters = add_members(bot, 50)
    meet(bot, MEET)
    message = poll_message(bot)
    bot.fake.delay("chat.update", 0.2)
    before = updates(bot)
    _burst(bot, message, [(option, "yes", user) for user in voters for option in (0, 1)])
    click(bot, message, 2, "yes", user="UBEN", drain=False)  # the last vote of the burst
    bot.drain(timeout=60)
    used = updates(bot) - before
    assert used <= 20, f"{used} chat.update calls for 101 clicks"
    texts = option_texts(poll_message(bot))
    assert [counts(t) for t in texts] == database_counts(bot, only_poll(bot).id) == [(50, 0, 0), (50, 0, 0), (1, 0, 0)]
    last = bot.fake.calls_to("chat.update")[-1]
    assert "ben" in json.dumps(last.json("blocks"))


def test_updates_that_land_out_of_order_are_followed_by_one_showing_the_database(bot: BotUnderTest) -> None:
    """Two web workers refresh the same poll; the older render reaches Slack last, then is corrected."""
    meet(bot, MEET)
    poll = only_poll(bot)
    with bot.runtime.db.unit_of_work() as session:
        state = polls.load_state(session, TEAM_ID, poll.id)
    option_id = state.options[0].id
    rt = bot.runtime
    other_worker = PollMessages(rt.client, rt.db, rt.directory, rt.sender, rt.clock)
    bot.fake.delay("chat.update", 0.5, times=1)
    seen = len(bot.fake.calls_to("chat.update"))
    worker = threading.Thread(target=other_worker.refresh, args=(TEAM_ID, poll.id))
    worker.start()  # renders revision r (no votes) and is held by Slack
    bot.fake.wait_for(lambda: len(bot.fake.calls_to("chat.update")) > seen)
    with rt.db.unit_of_work() as session:  # meanwhile a vote lands in another worker's database session
        polls.record_vote(session, TEAM_ID, poll.id, option_id, "UBEN", "yes", now=rt.clock())
    worker.join(10)
    assert counts(option_texts(poll_message(bot))[0]) == (1, 0, 0)
    assert only_poll(bot).rendered_revision == only_poll(bot).revision


def test_a_message_left_behind_is_repaired_by_the_clock(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    message = poll_message(bot)
    bot.fake.fail_next("chat.update", "internal_error")
    click(bot, message, 0, "yes", user="UBEN")
    assert counts(option_texts(poll_message(bot))[0]) == (0, 0, 0)
    assert poll_jobs.refresh_unrendered() == 0  # too recent: a web worker may still be on it
    bot.clock.advance(minutes=2)
    assert poll_jobs.refresh_unrendered() == 1
    assert counts(option_texts(poll_message(bot))[0]) == (1, 0, 0)
    assert poll_jobs.refresh_unrendered() == 0


def test_a_refresh_with_nothing_new_to_show_costs_no_update(bot: BotUnderTest) -> None:
    meet(bot, MEET)
    poll = only_poll(bot)
    rt = bot.runtime
    refresher = PollRefresher(PollMessages(rt.client, rt.db, rt.directory, rt.sender, rt.clock), rt.executor,
                              sleep=rt.sleep)
    refresher.request(TEAM_ID, poll.id)
    bot.drain()
    before = updates(bot)
    refresher.request(TEAM_ID, poll.id)
    bot.drain()
    assert updates(bot) == before
    with rt.db.unit_of_work() as session:
        polls.record_vote(session, TEAM_ID, poll.id, polls.load_state(session, TEAM_ID, poll.id).options[0].id,
                          "UBEN", "yes", now=rt.clock())
    refresher.request(TEAM_ID, poll.id)
    bot.drain()
    assert updates(bot) == before + 1
