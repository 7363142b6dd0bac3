"""/convene my-data and /convene forget-me."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from storage.models import Absence, Member
from tests.harness.bot import BotUnderTest


def _prepare_alice(bot: BotUnderTest) -> None:
    bot.runtime.directory.ensure("T0CONVENE", "UALICE")
    with bot.runtime.db.unit_of_work() as session:
        member = session.get(Member, ("T0CONVENE", "UALICE"))
        member.organisation = "Riverside Food Bank"
        session.add(Absence(team_id="T0CONVENE", user_id="UALICE", starts_on=date(2026, 12, 20),
                            ends_on=date(2027, 1, 3), note="Christmas"))


def test_my_data_arrives_as_a_file_in_a_direct_message(bot: BotUnderTest) -> None:
    _prepare_alice(bot)
    bot.slack.command("/convene", "my-data", user_id="UALICE")
    bot.drain()
    [upload] = bot.fake.files
    assert upload["channel_id"].startswith("D")
    exported = json.loads(upload["content"])
    profile = exported["data"]["Profile"]
    assert profile[0]["organisation"] == "Riverside Food Bank"
    assert {"away_from": "2026-12-20", "away_until": "2027-01-03", "note": "Christmas"} in profile
    assert "direct message" in bot.fake.calls_to("response_url")[-1].args["text"]


def test_forget_me_asks_first_then_deletes(bot: BotUnderTest) -> None:
    _prepare_alice(bot)
    bot.slack.command("/convene", "forget-me", user_id="UALICE")
    bot.drain()
    question = bot.fake.calls_to("response_url")[-1].args
    assert "cannot be undone" in json.dumps(question["blocks"])
    with bot.runtime.db.unit_of_work() as session:
        assert session.get(Member, ("T0CONVENE", "UALICE")) is not None, "nothing is deleted before confirming"

    bot.slack.block_action({"type": "button", "action_id": "convene_forget_me", "block_id": "b", "value": "confirm"},
                           user_id="UALICE", channel_id="DALICE")
    bot.drain()
    done = bot.fake.calls_to("response_url")[-1].args
    assert done["replace_original"] is True and "Done" in done["text"]
    with bot.runtime.db.unit_of_work() as session:
        assert session.get(Member, ("T0CONVENE", "UALICE")) is None
        assert session.scalar(select(func.count()).select_from(Absence)) == 0
