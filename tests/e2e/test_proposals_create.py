"""Making proposals: in one line or with the form, bad input refused with nothing created, help,
`/propose list` and `/propose show`."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from storage.models import Proposal, ProposalInvitee, ProposalIssue
from tests.e2e.proposals_helpers import (
    ASK,
    CHANNEL,
    PROPOSE,
    add_issues,
    last_reply,
    last_view,
    only_proposal,
    proposal_message,
    proposal_messages,
    propose,
    rendered,
    submit,
    take,
)
from tests.harness.bot import TEAM_ID, BotUnderTest

EXAMPLE = '/propose "We ask commissioners to stop requiring a single lead provider" #12 #15 closes "Fri 5pm"'


def proposal_count(bot: BotUnderTest) -> int:
    with bot.runtime.db.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(Proposal)) or 0)


def test_a_one_line_proposal_is_posted_with_its_issues_and_its_closing_time_in_the_authors_zone(
        bot: BotUnderTest) -> None:
    add_issues(bot, 2)
    propose(bot, f'"{ASK}" #1 #2 closes "Fri 5pm"', user="UBEN")  # Ben is in New York
    reply = last_reply(bot)
    assert "Posted proposal 1 in <#CGROUP>" in reply and "America/New_York" in reply
    assert bot.fake.calls_to("response_url")[-1].args["response_type"] == "ephemeral"
    proposal = only_proposal(bot)
    assert proposal.closes_at == datetime(2026, 11, 27, 22, tzinfo=timezone.utc)  # 5pm in New York
    assert proposal.remind_at == proposal.closes_at - timedelta(hours=24)
    message = proposal_message(bot)
    shown = rendered(message)
    assert ASK in shown and "Addresses #1 Issue 1" in shown and "#2 Issue 2" in shown
    assert "0 of 3 have responded" in shown and "Proposed by ben" in shown
    assert message["metadata"]["event_type"] == "convene_proposal"
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(ProposalInvitee)) == 3
        assert [link.position for link in session.scalars(select(ProposalIssue).order_by(ProposalIssue.position))] \
            == [1, 2]
    close = bot.runtime.scheduler.get_job(f"proposal-close:{proposal.id}")
    remind = bot.runtime.scheduler.get_job(f"proposal-remind:{proposal.id}")
    assert close.misfire_grace_time is None and close.args == (TEAM_ID, proposal.id)
    assert bot.runtime.jobs.next_run(f"proposal-close:{proposal.id}") == proposal.closes_at
    assert remind is not None and bot.runtime.jobs.next_run(f"proposal-remind:{proposal.id}") == proposal.remind_at


def test_proposals_are_numbered_in_the_workspace(bot: BotUnderTest) -> None:
    propose(bot, PROPOSE)
    propose(bot, '"We ask for contracts of five years or more" closes "Mon 7 Dec 10am"')
    assert [m["text"].split(":")[0] for m in proposal_messages(bot)] == ["Proposal 1", "Proposal 2"]


def test_an_unknown_issue_number_is_named_and_nothing_is_created(bot: BotUnderTest) -> None:
    add_issues(bot, 1)
    posted = len(bot.fake.calls_to("chat.postMessage"))
    propose(bot, f'"{ASK}" #1 #99 #100 closes "Fri 5pm"')
    reply = last_reply(bot)
    assert "There is no issue #99 or #100 in the register, so nothing was proposed" in reply
    assert EXAMPLE.removeprefix("/propose ") in reply
    assert proposal_count(bot) == 0 and len(bot.fake.calls_to("chat.postMessage")) == posted
    assert not any(job.startswith("proposal-") for job in bot.runtime.jobs.ids())


def test_a_closing_time_in_the_past_or_empty_text_is_refused_and_nothing_is_created(bot: BotUnderTest) -> None:
    for typed, said in ((f'"{ASK}" closes "Mon 23 Nov 5pm"', "in the past"),
                        ('"" closes "Fri 5pm"', "the proposal is empty"),
                        (f'"{ASK}" closes "the twelfth of never"', "can't read"),
                        (f"{ASK} closes Fri", "Put the proposal in quotes")):
        propose(bot, typed)
        assert said in last_reply(bot), (typed, last_reply(bot))
        assert "For example" in last_reply(bot)
    assert proposal_count(bot) == 0 and proposal_messages(bot) == []


def test_a_proposal_is_not_made_in_a_direct_message(bot: BotUnderTest) -> None:
    propose(bot, PROPOSE, channel="DALICE")
    assert "Propose in the group's channel" in last_reply(bot)
    assert proposal_count(bot) == 0


def test_a_channel_convene_is_not_in_is_explained_and_nothing_is_kept(bot: BotUnderTest) -> None:
    bot.fake.add_channel("CPRIVATE", name="private-one", members=["UALICE"], bot_is_member=False, is_private=True)
    propose(bot, PROPOSE, channel="CPRIVATE")
    assert "/invite @Convene" in last_reply(bot)
    assert proposal_count(bot) == 0
    assert not any(j.startswith("proposal-") for j in bot.runtime.jobs.ids())


def test_the_form_picks_issues_by_type_ahead_and_posts_the_proposal(bot: BotUnderTest) -> None:
    add_issues(bot, 3)
    propose(bot, "")
    view = last_view(bot, "proposal_create")
    channel_select = next(b for b in view["blocks"] if b["block_id"] == "proposal_channel")["element"]
    assert channel_select["initial_conversation"] == CHANNEL
    by_number = bot.slack.block_suggestion("proposal_issues", "#2", user_id="UALICE", view=view)
    assert by_number.status == 200 and by_number.elapsed < 3.0
    options = by_number.json()["options"]
    assert options[0]["text"]["text"].startswith("#2 Issue 2")
    by_words = bot.slack.block_suggestion("proposal_issues", "issue 3", user_id="UALICE", view=view).json()["options"]
    assert [o["text"]["text"].split()[0] for o in by_words] == ["#3"]
    everything = bot.slack.block_suggestion("proposal_issues", "", user_id="UALICE", view=view).json()["options"]
    assert len(everything) == 3

    picked = [{"text": o["text"], "value": o["value"]} for o in (options[0], by_words[0])]
    answer = submit(bot, view, {"proposal_text": ASK + "\n\nSecond paragraph & more.", "proposal_issues": picked,
                                "proposal_closes": "Mon 30 Nov 12:00", "proposal_channel": CHANNEL,
                                "proposal_settings": ["hidden"]}, user="UALICE")
    assert answer == {}
    proposal = only_proposal(bot)
    assert proposal.hide_positions and not proposal.anonymous
    assert proposal.closes_at == datetime(2026, 11, 30, 12, tzinfo=timezone.utc)
    shown = rendered(proposal_message(bot))
    assert "Addresses #2 Issue 2" in shown and "#3 Issue 3" in shown and "Second paragraph &amp; more." in shown
    assert "positions hidden until it closes" in shown


def test_the_form_shows_what_is_wrong_beside_each_field_and_creates_nothing(bot: BotUnderTest) -> None:
    propose(bot, "")
    view = last_view(bot, "proposal_create")
    answer = submit(bot, view, {"proposal_text": "  ", "proposal_closes": "Mon 23 Nov 5pm",
                                "proposal_channel": CHANNEL,
                                "proposal_issues": [{"text": {"type": "plain_text", "text": "#9"}, "value": "999"}]},
                    user="UALICE")
    assert answer["response_action"] == "errors"
    errors = answer["errors"]
    assert "empty" in errors["proposal_text"] and "in the past" in errors["proposal_closes"]
    assert "no longer in the register" in errors["proposal_issues"]
    assert proposal_count(bot) == 0


def test_help_shows_the_grammar_with_examples_that_work(bot: BotUnderTest) -> None:
    answer = propose(bot, "help")
    shown = json.dumps(answer["blocks"])
    assert "/propose list" in shown and "/propose show N" in shown and "closes" in shown
    assert "#12 #15" in shown
    unknown = propose(bot, "frobnicate")
    assert "has no `frobnicate`" in json.dumps(unknown["blocks"])


def test_list_pages_through_proposals_and_show_gives_one_in_full(bot: BotUnderTest) -> None:
    add_issues(bot, 1)
    for n in range(12):
        propose(bot, f'"Proposal number {n + 1} asks for something" #1 closes "Fri 5pm"')
    propose(bot, "list")
    first = bot.fake.calls_to("response_url")[-1].args
    shown = json.dumps(first["blocks"], ensure_ascii=False)
    assert "(1–10 of 12)" in shown and "Proposal number 12 asks" in shown and "Proposal number 2 asks" not in shown
    assert "https://fake.slack.test/" in shown  # each links to its message
    paging = next(b for b in first["blocks"] if b["type"] == "actions")
    next_button = next(e for e in paging["elements"] if e["action_id"] == "proposal_list_page_next")
    bot.slack.block_action({"action_id": next_button["action_id"], "value": next_button["value"], "block_id": "b"},
                           user_id="UALICE", channel_id=CHANNEL)
    bot.drain()
    second = bot.fake.calls_to("response_url")[-1].args
    assert second["replace_original"] is True and "(11–12 of 12)" in json.dumps(second["blocks"], ensure_ascii=False)

    take(bot, proposal_messages(bot)[2], "agree", user="UBEN")
    propose(bot, "show 3")
    detail = last_reply(bot)
    assert "Proposal number 3 asks" in detail and "Agree *1*" in detail and "Issues it addresses (1)" in detail
    assert "proposal_stance_agree" not in detail
    propose(bot, "show 99")
    assert "There is no proposal 99" in last_reply(bot)
    propose(bot, "list decided")
    assert "Decided proposals:* none yet" in last_reply(bot)
    assert {c.args["response_type"] for c in bot.fake.calls_to("response_url")} == {"ephemeral"}
