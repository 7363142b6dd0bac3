"""Taking positions: changing them, double clicks, bursts, reasons credited as chosen, organisations
counted, and anonymous proposals that name nobody anywhere."""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from storage.models import Member, ProposalPosition
from tests.e2e.proposals_helpers import (
    ASK,
    CHANNEL,
    PROPOSE,
    add_members,
    block_text,
    last_reply,
    last_view,
    only_proposal,
    positions,
    press,
    proposal_message,
    propose,
    rendered,
    say_position,
    set_organisations,
    stance_action,
    submit,
    take,
    tally,
)
from tests.harness.bot import TEAM_ID, BotUnderTest


def names(text: str, name: str) -> bool:
    """Whether `name` appears in `text` as a word, in any case (not inside "metadata" or "benefit")."""
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.IGNORECASE) is not None


def updates(bot: BotUnderTest) -> int:
    return len(bot.fake.calls_to("chat.update"))


def test_a_position_shows_at_once_and_can_be_changed_until_it_closes(bot: BotUnderTest) -> None:
    propose(bot, PROPOSE)
    message = proposal_message(bot)
    take(bot, message, "agree", user="UBEN")
    assert "Noted: you *agree* with proposal 1. Shown with your name." in last_reply(bot)
    assert bot.fake.calls_to("response_url")[-1].args["response_type"] == "ephemeral"
    shown = proposal_message(bot)
    assert tally(shown) == {"agree": 1, "abstain": 0, "disagree": 0, "block": 0}
    assert "_Agree:_ Ben Brown" in block_text(shown, "proposal-tally") and "1 of 3 have responded" in rendered(shown)
    assert "2 have not responded yet" in rendered(shown)

    take(bot, message, "abstain", user="UBEN")
    assert tally(proposal_message(bot)) == {"agree": 0, "abstain": 1, "disagree": 0, "block": 0}
    assert positions(bot) == {"UBEN": "abstain"}


def test_the_same_position_twice_changes_nothing(bot: BotUnderTest) -> None:
    propose(bot, PROPOSE)
    message = proposal_message(bot)
    take(bot, message, "agree", user="UBEN")
    before = (updates(bot), only_proposal(bot).revision)
    take(bot, message, "agree", user="UBEN")
    assert (updates(bot), only_proposal(bot).revision) == before
    assert tally(proposal_message(bot))["agree"] == 1


def test_a_double_click_arriving_at_once_counts_once(bot: BotUnderTest) -> None:
    propose(bot, PROPOSE)
    message = proposal_message(bot)
    action = stance_action(message, "agree")
    barrier = threading.Barrier(4)

    def click(_: int) -> int:
        barrier.wait()
        return bot.slack.block_action(action, user_id="UBEN", channel_id=CHANNEL, message=message).status

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(click, range(4))) == [200] * 4
    bot.drain()
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(ProposalPosition)) == 1
    assert tally(proposal_message(bot))["agree"] == 1


def test_every_click_is_answered_before_the_message_is_updated(bot: BotUnderTest) -> None:
    propose(bot, PROPOSE)
    message = proposal_message(bot)
    bot.fake.delay("chat.update", 0.4, times=1)
    response = take(bot, message, "agree", user="UBEN", drain=False)
    assert response.elapsed < 0.4 and response.text in ("", "{}")
    bot.drain()
    assert tally(proposal_message(bot))["agree"] == 1


def test_a_burst_of_forty_positions_is_all_counted_in_few_updates_and_the_message_ends_on_the_database(
        bot: BotUnderTest) -> None:
    members = add_members(bot, 40)
    propose(bot, PROPOSE)
    message = proposal_message(bot)
    bot.fake.delay("chat.update", 0.2)  # Slack takes a moment to answer, as it does
    before = updates(bot)
    stances = ["agree", "agree", "abstain", "disagree"]
    clicks = [(stances[i % 4], user) for i, user in enumerate(members)]
    barrier = threading.Barrier(len(clicks))

    def send(stance: str, user: str):  # type: ignore[no-untyped-def]
        action = stance_action(message, stance)
        barrier.wait()
        return bot.slack.block_action(action, user_id=user, channel_id=CHANNEL, message=message)

    with ThreadPoolExecutor(max_workers=len(clicks)) as pool:
        answers = list(pool.map(lambda c: send(*c), clicks))
    assert all(a.status == 200 for a in answers) and max(a.elapsed for a in answers) < 3.0
    bot.drain(timeout=60)
    used = updates(bot) - before
    assert used <= 12, f"{used} chat.update calls for 40 positions"
    assert tally(proposal_message(bot)) == {"agree": 20, "abstain": 10, "disagree": 10, "block": 0}
    assert "40 of 43 have responded" in rendered(proposal_message(bot))
    proposal = only_proposal(bot)
    assert proposal.rendered_revision == proposal.revision


def test_disagree_and_block_ask_for_a_reason_without_forcing_one(bot: BotUnderTest) -> None:
    propose(bot, PROPOSE)
    message = proposal_message(bot)
    take(bot, message, "disagree", user="UBEN")
    form = last_view(bot, "proposal_position")
    assert positions(bot) == {"UBEN": "disagree"}, "closing the form keeps the position"
    reason_block = next(b for b in form["blocks"] if b.get("block_id") == "proposal_reason")
    assert reason_block["optional"] is True and "Please say why" in reason_block["hint"]["text"]
    stance = next(b for b in form["blocks"] if b.get("block_id") == "proposal_stance")
    assert stance["element"]["initial_option"]["value"] == "disagree"
    assert "UBEN" not in form["private_metadata"] and json.loads(form["private_metadata"]) == {"p": 1}

    submit(bot, form, {"proposal_reason": "Two years is too soon <@UADMIN> & risky"}, user="UBEN")
    shown = rendered(proposal_message(bot))
    assert "*Reasons*" in shown and "_Ben Brown:_ Two years is too soon &lt;@UADMIN&gt; &amp; risky" in shown

    take(bot, message, "block", user="UADMIN")
    blocked = proposal_message(bot)
    assert "1 member blocks this proposal" in block_text(blocked, "proposal-blocks")
    order = [b.get("block_id") for b in blocked["blocks"]]
    assert order.index("proposal-blocks") < order.index("proposal-tally"), "a block is shown first"


def test_each_member_is_shown_as_they_chose(bot: BotUnderTest) -> None:
    set_organisations(bot, {"UALICE": "Riverside Trust", "UBEN": "Youth Hub", "UADMIN": "Food Bank"})
    propose(bot, PROPOSE)
    message = proposal_message(bot)
    say_position(bot, message, "agree", user="UALICE", reason="Long overdue", credit="named")
    say_position(bot, message, "agree", user="UBEN", reason="We lost a contract to this", credit="organisation")
    say_position(bot, message, "disagree", user="UADMIN", reason="Not yet", credit="anonymous")
    shown = rendered(proposal_message(bot))
    assert "_Alice Adams (Riverside Trust):_ Long overdue" in shown
    assert "_Someone at Youth Hub:_ We lost a contract to this" in shown
    assert "_Anonymous:_ Not yet" in shown
    assert not names(shown, "ben") and not names(shown, "ada") and "Food Bank" not in shown
    # The organisation-only and anonymous members' own DMs and the modal say how they are shown, to them only.
    press(bot, message, "proposal_all_positions", user="UALICE")
    everything = json.dumps(last_view(bot, "proposal_positions"))
    assert "Someone at Youth Hub" in everything and not names(everything, "ben") and not names(everything, "ada")


def test_organisations_are_counted_from_the_channel_and_from_what_members_type(bot: BotUnderTest) -> None:
    set_organisations(bot, {"UALICE": "Riverside Trust", "UBEN": "riverside trust"})
    propose(bot, PROPOSE)
    message = proposal_message(bot)
    take(bot, message, "agree", user="UBEN")
    assert "*1 of 1* organisations represented here agree" in rendered(proposal_message(bot))
    say_position(bot, message, "agree", user="UADMIN", organisation="Food Bank")
    with bot.runtime.db.unit_of_work() as session:
        assert session.get(Member, (TEAM_ID, "UADMIN")).organisation == "Food Bank"
    assert "*2 of 2* organisations represented here agree: Food Bank, riverside trust" in \
        rendered(proposal_message(bot)) or "*2 of 2* organisations represented here agree: Food Bank, Riverside" in \
        rendered(proposal_message(bot))
    take(bot, message, "block", user="UALICE")
    shown = rendered(proposal_message(bot))
    assert "*1 of 2* organisations represented here agree: Food Bank (1 divided)" in shown


def test_an_anonymous_proposal_says_nobodys_name_or_organisation_anywhere(bot: BotUnderTest) -> None:
    set_organisations(bot, {"UALICE": "Riverside Trust", "UBEN": "Youth Hub", "UADMIN": "Food Bank"})
    propose(bot, f'"{ASK}" closes "Fri 5pm" anonymous')
    message = proposal_message(bot)
    take(bot, message, "agree", user="UBEN")
    assert "nobody sees who took which position" in last_reply(bot)
    take(bot, message, "block", user="UADMIN")
    form = last_view(bot, "proposal_position")
    assert not any(b.get("block_id") == "proposal_credit" for b in form["blocks"])
    submit(bot, form, {"proposal_reason": "It would hurt small groups"}, user="UADMIN")
    say_position(bot, message, "disagree", user="UALICE", reason="Not the right time")
    press(bot, proposal_message(bot), "proposal_all_positions", user="UADMIN")  # a coordinator looks

    seen_by_others = [rendered(m) for m in bot.fake.messages(CHANNEL)]
    seen_by_others += [json.dumps(c.args) for c in bot.fake.calls_to("chat.update")]
    seen_by_others += [json.dumps(c.json("view")) for c in bot.fake.calls_to("views.open")
                       if c.json("view")["callback_id"] == "proposal_positions"]
    everything = "\n".join(seen_by_others)
    assert "Agree *1*" in everything and "Block *1*" in everything and "It would hurt small groups" in everything
    assert "*1 of 3* organisations represented here agree" in everything
    for secret in ("ben", "ada", "Ben Brown", "Ada Admin", "UBEN", "UADMIN", "Youth Hub", "Food Bank", "Riverside"):
        assert not names(everything, secret), secret
    # Not even in the fields Slack clients receive but do not show.
    for block in proposal_message(bot)["blocks"]:
        for element in block.get("elements") or []:
            assert "U" not in str(element.get("value", "")).replace("UALICE", ""), element


def test_a_closed_proposal_refuses_positions(bot: BotUnderTest) -> None:
    propose(bot, PROPOSE)
    message = proposal_message(bot)
    with bot.runtime.db.unit_of_work() as session:
        from storage.models import Proposal
        session.get(Proposal, only_proposal(bot).id).status = "closed"
    take(bot, message, "agree", user="UBEN")
    assert "has closed, so positions can't change" in last_reply(bot)
    assert positions(bot) == {}


def test_hidden_positions_are_confirmed_privately_and_only_counted_in_public(bot: BotUnderTest) -> None:
    propose(bot, f'"{ASK}" closes "Fri 5pm" hidden')
    message = proposal_message(bot)
    take(bot, message, "agree", user="UBEN")
    assert "Positions stay hidden until it closes" in last_reply(bot)
    shown = rendered(proposal_message(bot))
    assert "1 of 3 have responded" in shown and "Agree *1*" not in shown and not names(shown, "ben")


def test_a_block_whose_reason_form_comes_too_late_is_still_confirmed(bot: BotUnderTest) -> None:
    propose(bot, PROPOSE)
    bot.fake.fail_next("views.open", "expired_trigger_id")
    take(bot, proposal_message(bot), "block", user="UBEN")
    assert "Noted: you *block* proposal 1." in last_reply(bot)
    assert "*My position* adds a reason" in last_reply(bot)
    assert positions(bot) == {"UBEN": "block"}
