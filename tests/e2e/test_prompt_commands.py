"""/prompt for coordinators: the bank, its order, the schedule; help and friendly refusals."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.services.prompts import shipped_bank
from storage.models import Prompt
from tests.e2e.prompting import say
from tests.harness.bot import BotUnderTest


def test_help_shows_grammar_and_examples_in_the_ack(bot: BotUnderTest) -> None:
    response = bot.slack.command("/prompt", "help", user_id="UALICE")
    assert response.elapsed < 3.0
    blocks = json.dumps(response.json()["blocks"])
    for shown in ("/prompt schedule weekly Tue 10:00", "/prompt send now 3", "/prompt add", "/prompt move 7 to 1",
                  "/prompt answers 7", "/prompt nudge 3"):
        assert shown in blocks


def test_an_unknown_subcommand_answers_with_help(bot: BotUnderTest) -> None:
    blocks = json.dumps(bot.slack.command("/prompt", "frobnicate <!here>", user_id="UALICE").json()["blocks"])
    assert "has no `frobnicate`" in blocks and "/prompt list" in blocks and "<!here>" not in blocks


def test_the_shipped_bank_is_loaded_once_on_first_use(bot: BotUnderTest) -> None:
    listing = say(bot, "list", user="UALICE")
    assert len(shipped_bank()) >= 15
    assert "1. *#1*" in listing and f"*#{len(shipped_bank())}*" in listing and "lead provider" in listing
    assert "not scheduled" in listing
    assert "/prompt retire N" not in listing, "members see the list without the coordinators' commands"
    say(bot, "list")
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Prompt)) == len(shipped_bank())


def test_coordinators_add_edit_move_retire_and_restore(bot: BotUnderTest) -> None:
    count = len(shipped_bank())
    added = say(bot, "add “What would a three-year contract let you do that one year does not?”")
    new = count + 1
    assert f"Added prompt *#{new}*" in added and f"number {new} in the queue" in added
    assert "already prompt" in say(bot, "add what would a three-year contract let you do that one year does not?")

    assert "sent next" in say(bot, f"move #{new} to 1")
    assert say(bot, "list").index(f"1. *#{new}*") >= 0

    assert "now reads" in say(bot, f"edit {new} What would a three-year contract change for your team?")
    assert "three-year contract change" in say(bot, "list")

    assert "Retired prompt *#2*" in say(bot, "retire 2")
    listing = say(bot, "list")
    assert "*#2*" not in listing and "1 retired" in listing
    assert "*#2*" in say(bot, "list retired")
    assert "already retired" in say(bot, "retire 2")
    assert "back in the queue" in say(bot, "restore 2")
    assert "*#2*" in say(bot, "list")


def test_members_cannot_change_prompts(bot: BotUnderTest) -> None:
    for text in ("add What is the hardest part of a tender?", "retire 1", "move 1 to 3", "edit 1 Something new here?",
                 "schedule weekly Tue 10:00", "nudge off", "send now"):
        assert "Only a coordinator" in say(bot, text, user="UALICE"), text


def test_bad_input_is_named_with_an_example_that_works(bot: BotUnderTest) -> None:
    cases = {
        "add hi": ("a few words", "/prompt add"),
        "retire seven": ("“seven” is not a prompt number", "/prompt retire 4"),
        "retire 99": ("There is no prompt #99", ""),
        "move 3": ("where to in the queue", "/prompt move 7 to 1"),
        "move 3 to middle": ("“middle” is not a place", "/prompt move 7 to 1"),
        "schedule sometimes": ("“sometimes”", "/prompt schedule weekly Tue 10:00"),
        "schedule weekly": ("which day", "/prompt schedule weekly Tue 10:00"),
        "schedule weekly Tue 25:00": ("“25:00” as a time", "/prompt schedule weekly Tue 10:00"),
        "nudge often": ("after how many days", "/prompt nudge 3"),
        "answers": ("which prompt", "/prompt answers 7"),
    }
    for text, (problem, example) in cases.items():
        reply = say(bot, text)
        assert problem in reply and example in reply, (text, reply)
    assert bot.fake.calls_to("chat.postMessage") == []


def test_schedule_reads_friendly_times_and_off(bot: BotUnderTest) -> None:
    assert "every Thursday at 14:30" in say(bot, "schedule weekly on Thursdays at 2:30pm")
    assert "every other Monday at 09:00" in say(bot, "schedule fortnightly Monday 9am")
    assert "no channel yet" in say(bot, "schedule weekly Tue 10:00")
    assert "Scheduled prompts are off" in say(bot, "schedule off")
    assert "not scheduled" in say(bot, "list")


def test_a_question_with_mentions_is_escaped_everywhere(bot: BotUnderTest) -> None:
    # As Slack sends "What would @channel say about @ben & <co>?" typed into the command.
    reply = say(bot, "add What would <!channel> say about <@UBEN|ben> &amp; &lt;co&gt;?")
    assert "What would @channel say about @ben &amp; &lt;co&gt;?" in reply and "<!channel>" not in reply
    assert "<!channel>" not in say(bot, "list")
