"""`/convene forget-me`, end to end: a busy member is forgotten, then the database itself is read,
table by table, and Slack is looked at as others see it; then Convene's own work goes on (fan-outs,
reminders, directory refreshes, nudges, the digest) and they stay forgotten until they come back.
"""

from __future__ import annotations

import json
import logging
from datetime import date

import pytest
from sqlalchemy import select

from bot.jobs import digest as digest_jobs
from bot.jobs import issues as issue_jobs
from bot.jobs import polls as poll_jobs
from bot.jobs import prompts as prompt_jobs
from storage.models import Absence, Member, Poll
from storage.repositories.workspaces import WorkspaceRepository
from tests.e2e.polls_helpers import footer_action, option_ids, poll_message, vote_action
from tests.e2e.privacy_sweep import Acting, Person, Sweep, messages_showing, stored_mentions
from tests.e2e.prompting import prompt_dms
from tests.harness.bot import TEAM_ID, BotUnderTest
from tests.harness.signed import view_state

WREN = Person("UWREN", "wren.h", "Wren Halloway", "wrenh", "Oakfield Trust")
OTHERS = ("UALICE", "UBEN", "UADMIN")
FRIDAY_4PM = "2026-11-27T16:00:00+00:00"
CONVENE_LOGGERS = ("bot", "handlers", "storage", "convene")


@pytest.fixture
def busy(bot: BotUnderTest) -> tuple[BotUnderTest, Acting]:
    """A workspace where Wren has done a bit of everything."""
    WREN.add_to(bot.fake)
    bot.fake.add_channel("CGROUP", name="wg-commissioning", members=[*OTHERS, WREN.user_id])
    with bot.runtime.db.unit_of_work() as session:
        workspace = WorkspaceRepository(session).get_or_create(TEAM_ID, now=bot.clock())
        workspace.created_at = bot.clock().replace(month=10)
        workspace.channel_id = "CGROUP"
    for user_id in (*OTHERS, WREN.user_id):
        bot.runtime.directory.ensure(TEAM_ID, user_id)
    with bot.runtime.db.unit_of_work() as session:
        session.get(Member, (TEAM_ID, WREN.user_id)).organisation = WREN.organisation
        session.add(Absence(team_id=TEAM_ID, user_id=WREN.user_id, starts_on=date(2026, 11, 30),
                            ends_on=date(2026, 12, 2), note="Oakfield away day"))
    act = Acting(bot)
    _coordinating(bot, act)
    _prompting(bot, act)
    _polling(bot, act)
    _raising_issues(bot, act)
    _volunteering(bot, act)
    bot.clock.set(FRIDAY_4PM)
    act.command("/digest", "now", user=WREN.user_id)
    for user in (*OTHERS, WREN.user_id):
        act.open_home(user=user)
    return bot, act


def _coordinating(bot: BotUnderTest, act: Acting) -> None:
    act.command("/convene", f"coordinators add <@{WREN.user_id}|{WREN.display_name}>", user="UADMIN")
    act.command("/convene", "coordinators add <@UBEN|ben>", user=WREN.user_id)
    act.command("/digest", "schedule Fri 16:00", user=WREN.user_id)
    act.command("/prompt", "add What would a fair monitoring regime look like for you?", user=WREN.user_id)
    act.command("/prompt", "schedule weekly Tue 10:00", user=WREN.user_id)
    act.command("/prompt", "nudge 2", user=WREN.user_id)


def _prompting(bot: BotUnderTest, act: Acting, *, sender: str = WREN.user_id) -> None:
    before = set(bot.runtime.jobs.ids())
    act.command("/prompt", "send now 3", user=sender)
    [job] = [job for job in set(bot.runtime.jobs.ids()) - before if job.startswith("prompts:round:")]
    prompt_jobs.deliver_round(TEAM_ID, int(job.rsplit(":", 1)[1]))
    for user, credit in ((WREN.user_id, "named"), ("UBEN", "anonymous")):
        act.click({"action_id": "prompt_answer"}, user=user, channel_id="D" + user[1:],
                  message=prompt_dms(bot, user)[0])
        modal = act.last_view()
        act.submit(modal, view_state(modal, {"text": f"Monitoring takes us a day a month ({credit}).", "credit": credit,
                                             "share": ["quote"]}), user=user)


def _polling(bot: BotUnderTest, act: Acting) -> None:
    act.command("/meet", '"Wren\'s planning day" "Tue 1 Dec 10am" "Wed 2 Dec 2pm"', user=WREN.user_id)
    for user in (WREN.user_id, "UALICE"):
        act.click(vote_action(poll_message(bot), 0, "yes"), user=user, channel_id="CGROUP", message=poll_message(bot))
    act.click(footer_action(poll_message(bot), "poll_close"), user=WREN.user_id, channel_id="CGROUP",
              message=poll_message(bot))
    chooser = act.last_view()
    act.submit(chooser, view_state(chooser, {"final": str(option_ids(poll_message(bot))[0])}), user=WREN.user_id)
    # Alice's poll stays open, with a reminder still to come.
    act.command("/meet", '"Budget review" "Thu 3 Dec 10am" "Fri 4 Dec 10am" deadline "Wed 2 Dec 5pm"',
                user="UALICE")
    act.click(vote_action(poll_message(bot), 1, "maybe"), user=WREN.user_id, channel_id="CGROUP",
              message=poll_message(bot))


def _raising_issues(bot: BotUnderTest, act: Acting) -> None:
    act.command("/issue", "", user=WREN.user_id)
    form = act.last_view()
    act.submit(form, view_state(form, {"title": "Lead providers keep a fifth of the money", "credit": "named",
                                       "organisation": WREN.organisation}), user=WREN.user_id)
    theirs = bot.fake.add_message("CGROUP", "Six different monitoring portals, one contract.", user=WREN.user_id)
    act.shortcut(theirs, user="UALICE")
    form = act.last_view()
    act.submit(form, view_state(form, {"title": "Six monitoring portals for one contract"}), user="UALICE")
    question = bot.fake.messages(WREN.user_id)[-1]
    [named] = [e for b in question["blocks"] if b["type"] == "actions" for e in b["elements"]
               if e["action_id"] == "issue_credit_named"]
    act.click(named, user=WREN.user_id, channel_id="D" + WREN.user_id[1:], message=question)
    bens = bot.fake.add_message("CGROUP", "Payment in arrears is breaking small charities.", user="UBEN")
    act.shortcut(bens, user=WREN.user_id)
    form = act.last_view()
    act.submit(form, view_state(form, {"title": "Payment in arrears breaks small charities"}), user=WREN.user_id)
    act.command("/issue", "Nobody reads our quarterly returns #monitoring", user="UALICE")
    act.command("/issue", "+1 4", user=WREN.user_id)
    act.command("/issue", "tag 4 #nhs", user=WREN.user_id)
    act.command("/issue", "close 4 Raised with the ICB", user=WREN.user_id)


def _volunteering(bot: BotUnderTest, act: Acting) -> None:
    act.command("/volunteer", '"Draft the scope document" 2', user=WREN.user_id)
    act.command("/volunteer", '"Book a room for the planning day" 1', user="UALICE")
    calls = [m for m in bot.fake.messages("CGROUP") if "Volunteers wanted" in (m.get("text") or "")]
    helps = {}
    for message in calls:
        for block in message["blocks"]:
            for element in block.get("elements", []):
                if element.get("action_id") == "volunteer_help":
                    helps[message["text"]] = (element, message)
    for text, (element, message) in helps.items():
        user = "UALICE" if "scope" in text else WREN.user_id
        act.click(element, user=user, channel_id="CGROUP", message=message)


def _forget(bot: BotUnderTest, act: Acting) -> None:
    act.command("/convene", "forget-me", user=WREN.user_id)
    act.click({"type": "button", "action_id": "convene_forget_me", "value": "confirm"}, user=WREN.user_id,
              channel_id="D" + WREN.user_id[1:])


def _calls_to_them_since(bot: BotUnderTest, act: Acting, start: int) -> list[str]:
    sweep = Sweep(bot.fake, act)
    return [f"{call.method} {json.dumps(call.args)[:200]}" for call in bot.fake.calls[start:]
            if sweep.audience(call) == WREN.user_id]


def test_my_data_holds_every_row_that_refers_to_them(busy: tuple[BotUnderTest, Acting]) -> None:
    bot, act = busy
    act.command("/convene", "my-data", user=WREN.user_id)
    upload = next(f for f in bot.fake.files if f["filename"] == "convene-my-data.json")
    assert upload["channel_id"] == "D" + WREN.user_id[1:]
    rows = json.loads(upload["content"])["stored_rows"]
    # Settings they changed, prompts they wrote and sent, coordinators they added, issues they closed
    # and tagged, polls they were asked to answer, messages Convene sent them…
    for table in ("members", "absences", "coordinators", "digest_settings", "digest_runs", "prompt_settings",
                  "prompts", "prompt_rounds", "prompt_deliveries", "prompt_answers", "prompt_members", "polls",
                  "poll_votes", "poll_invitees", "issues", "issue_events", "issue_votes", "volunteer_calls",
                  "volunteer_responses", "dispatches"):
        assert rows.get(table), f"my-data has nothing from {table}"
    assert any(row.get("added_by") == WREN.user_id and row.get("user_id") == "UBEN" for row in rows["coordinators"])
    assert any(row.get("closed_by") == WREN.user_id for row in rows["issues"])
    assert any(row.get("kind") == "tagged" for row in rows["issue_events"])
    assert any(row.get("question", "").startswith("What would a fair monitoring") for row in rows["prompts"])
    # Rows of theirs that also name someone else leave that person out unless Slack shows them anyway.
    assert all(row.get("user_id") == WREN.user_id for row in rows["prompt_answers"])
    assert all("author_id" not in row or row["author_id"] == WREN.user_id for row in rows["issues"])


def test_forgotten_means_nowhere_in_the_database_and_nowhere_in_slack(busy: tuple[BotUnderTest, Acting],
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    bot, act = busy
    assert stored_mentions(bot.runtime.db, WREN), "the scenario stored plenty about them"
    shown_before = messages_showing(bot.fake, WREN, ["CGROUP", *OTHERS])
    assert shown_before, "the scenario showed them in Slack"

    _forget(bot, act)

    assert stored_mentions(bot.runtime.db, WREN) == []
    # Poll messages, issue cards, calls for volunteers, the decision, the thank-you, the digest and the
    # credit question Ben got all showed them; every one is redrawn.
    assert messages_showing(bot.fake, WREN, ["CGROUP", *OTHERS]) == []
    # Other people's App Home never names anyone else, so it has nothing to redraw.
    for user in OTHERS:
        home = json.dumps(bot.fake.home_views[user])
        assert "Top open issues" in home
        assert not any(needle.lower() in home.lower() for needle in WREN.needles)
    with bot.runtime.db.unit_of_work() as session:
        polls = list(session.scalars(select(Poll)))
        assert len(polls) == 2 and all(p.creator_id != WREN.user_id for p in polls), "their poll stays for the group"
    done = bot.fake.calls_to("response_url")[-1].args["text"]
    assert "Done" in done and "leave you out" in done


def test_once_forgotten_convene_leaves_them_out_until_they_come_back(busy: tuple[BotUnderTest, Acting],
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    bot, act = busy
    _forget(bot, act)
    start = len(bot.fake.calls)
    caplog.clear()
    caplog.set_level(logging.DEBUG)

    # Everything Convene does by itself in the weeks after.
    prompt_jobs.tick()  # the manual round is still within its grace: it used to be re-sent to them
    bot.runtime.directory.refresh_all(TEAM_ID)
    with bot.runtime.db.unit_of_work() as session:
        open_poll = session.scalar(select(Poll).where(Poll.status == "open")).id
    poll_jobs.remind_non_voters(TEAM_ID, open_poll)
    issue_jobs.refresh_stale_cards()
    poll_jobs.refresh_unrendered()
    bot.clock.set("2026-11-29T10:00:00+00:00")
    prompt_jobs.send_nudges(bot.runtime, now=bot.clock())
    bot.clock.set("2026-12-01T10:05:00+00:00")  # the weekly prompt, Tuesday 10:00
    prompt_jobs.tick()
    bot.clock.set("2026-12-04T16:00:00+00:00")
    digest_jobs.post_due_digest(TEAM_ID)
    act.command("/meet", "suggest 1h next week", user="UALICE")
    act.command("/availability", "team", user="UALICE")
    act.command("/convene", f"coordinators add <@{WREN.user_id}|{WREN.display_name}>", user="UADMIN")
    act.open_home(user=WREN.user_id)  # looking is not using: nothing is stored

    assert stored_mentions(bot.runtime.db, WREN) == []
    assert [call for call in _calls_to_them_since(bot, act, start) if "views.publish" not in call] == []
    assert "Convene has forgotten you" in json.dumps(bot.fake.home_views[WREN.user_id])
    logged = [record.getMessage() for record in caplog.records
              if record.name.split(".")[0] in CONVENE_LOGGERS or record.levelno >= logging.INFO]
    assert logged and not [line for line in logged if WREN.user_id in line]
    assert any(prompt_dms(bot, user) for user in ("UALICE", "UBEN")), "the others did get the weekly prompt"

    # They use Convene again: from then on they are a member like any other.
    prompts_before = len(prompt_dms(bot, WREN.user_id))
    act.command("/convene", "help", user=WREN.user_id)
    before = set(bot.runtime.jobs.ids())
    act.command("/prompt", "send now 4", user="UADMIN")
    [job] = [job for job in set(bot.runtime.jobs.ids()) - before if job.startswith("prompts:round:")]
    prompt_jobs.deliver_round(TEAM_ID, int(job.rsplit(":", 1)[1]))
    assert len(prompt_dms(bot, WREN.user_id)) == prompts_before + 1
    with bot.runtime.db.unit_of_work() as session:
        assert session.get(Member, (TEAM_ID, WREN.user_id)) is not None



def test_the_prompt_fan_out_does_not_bring_them_back_minutes_later(bot: BotUnderTest) -> None:
    """The fan-out re-sends a recent `/prompt send now` to members without a delivery: not to them."""
    WREN.add_to(bot.fake)
    bot.fake.add_channel("CGROUP", name="wg-commissioning", members=[*OTHERS, WREN.user_id])
    with bot.runtime.db.unit_of_work() as session:
        WorkspaceRepository(session).get_or_create(TEAM_ID, now=bot.clock()).channel_id = "CGROUP"
    act = Acting(bot)
    _prompting(bot, act, sender="UADMIN")
    assert len(prompt_dms(bot, WREN.user_id)) == 1
    _forget(bot, act)
    bot.clock.set("2026-11-24T09:05:00+00:00")
    prompt_jobs.tick()
    prompt_jobs.tick()
    assert len(prompt_dms(bot, WREN.user_id)) == 1, "no second prompt"
    assert stored_mentions(bot.runtime.db, WREN) == []


def test_logging_a_forgotten_members_old_message_does_not_link_or_ask_them(bot: BotUnderTest) -> None:
    WREN.add_to(bot.fake)
    bot.fake.add_channel("CGROUP", name="wg-commissioning", members=[*OTHERS, WREN.user_id])
    with bot.runtime.db.unit_of_work() as session:
        WorkspaceRepository(session).get_or_create(TEAM_ID, now=bot.clock()).channel_id = "CGROUP"
    act = Acting(bot)
    old = bot.fake.add_message("CGROUP", "Our contract was cut to six months.", user=WREN.user_id)
    act.command("/convene", "help", user=WREN.user_id)
    _forget(bot, act)
    start = len(bot.fake.calls)
    act.shortcut(old, user="UALICE")
    form = act.last_view()
    assert WREN.user_id not in json.dumps(form) and "Credited as its author chose: Anonymous." in json.dumps(form)
    act.submit(form, view_state(form, {"title": "Contracts cut to six months"}), user="UALICE")
    assert stored_mentions(bot.runtime.db, WREN) == []
    assert _calls_to_them_since(bot, act, start) == []
    card = next(m for m in bot.fake.messages("CGROUP") if "Contracts cut" in (m.get("text") or ""))
    assert "Raised anonymously" in json.dumps(card["blocks"]) and "the original message" not in json.dumps(card)
    said = _command_reply(bot, act, f"coordinators add <@{WREN.user_id}|{WREN.display_name}>")
    assert "ask them to use Convene" in said


def _command_reply(bot: BotUnderTest, act: Acting, text: str) -> str:
    act.command("/convene", text, user="UADMIN")
    return bot.fake.calls_to("response_url")[-1].args.get("text", "")
