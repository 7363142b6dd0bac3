"""The App Home end to end: its buttons open the commands' own forms, coordinators' buttons are
theirs alone, and every list pages; `/meet list` pages too."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.jobs import prompts as prompt_jobs
from storage.models import Poll, PromptRound, VolunteerCall
from tests.e2e.polls_helpers import meet, poll_message
from tests.e2e.prompting import deliveries, use_group_channel
from tests.e2e.proposals_helpers import ASK, propose
from tests.harness.bot import TEAM_ID, BotUnderTest
from tests.harness.signed import view_state

CHANNEL = "CGROUP"
MEMBER_BUTTONS = ["poll_new", "issue_new", "availability_open", "volunteer_new", "proposal_new"]
COORDINATOR_BUTTONS = ["prompt_send_form", "digest_preview", "issue_export"]


def open_home(bot: BotUnderTest, user: str) -> dict[str, Any]:
    bot.slack.app_home_opened(user_id=user)
    bot.drain()
    return bot.fake.home_views[user]


def button_ids(view: dict[str, Any], block_id: str) -> list[str]:
    block = next((b for b in view["blocks"] if b.get("block_id") == block_id), None)
    return [e["action_id"] for e in block["elements"]] if block else []


def click(bot: BotUnderTest, user: str, action_id: str, **action: Any) -> None:
    """Click a button on the member's App Home as Slack sends it (no channel, no response URL)."""
    response = bot.slack.block_action({"action_id": action_id, **action}, user_id=user,
                                      view=bot.fake.home_views[user])
    assert response.status == 200 and response.elapsed < 3.0
    bot.drain()


def opened(bot: BotUnderTest) -> list[dict[str, Any]]:
    return [call.json("view") for call in bot.fake.calls_to("views.open", ok_only=True)]


def submit(bot: BotUnderTest, view: dict[str, Any], answers: dict[str, Any], *, user: str) -> dict[str, Any]:
    response = bot.slack.view_submission(view, view_state(view, answers), user_id=user)
    assert response.status == 200 and response.elapsed < 3.0
    bot.drain()
    return response.json() if response.text.strip() else {}


def dms(bot: BotUnderTest, user: str) -> str:
    return json.dumps([(m["text"], m.get("blocks")) for m in bot.fake.messages(user)], ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# The buttons
# ---------------------------------------------------------------------------------------------


def test_members_get_the_commands_buttons_and_coordinators_theirs_too(bot: BotUnderTest) -> None:
    member = open_home(bot, "UALICE")
    assert button_ids(member, "home_buttons") == MEMBER_BUTTONS
    shown = json.dumps(member)
    assert button_ids(member, "home_coordinator_buttons") == []
    assert not any(action_id in shown for action_id in COORDINATOR_BUTTONS), "a member never sees them"
    labels = [e["text"]["text"] for b in member["blocks"] if b.get("block_id") == "home_buttons" for e in b["elements"]]
    assert labels == ["New poll", "Log an issue", "My availability", "Call for volunteers", "New proposal"]

    coordinator = open_home(bot, "UADMIN")  # a workspace admin
    assert button_ids(coordinator, "home_buttons") == MEMBER_BUTTONS
    assert button_ids(coordinator, "home_coordinator_buttons") == COORDINATOR_BUTTONS

    # Someone a coordinator added is one too, and sees them as soon as their Home is redrawn.
    bot.slack.command("/convene", "coordinators add <@UALICE|alice>", user_id="UADMIN")
    bot.drain()
    assert button_ids(open_home(bot, "UALICE"), "home_coordinator_buttons") == COORDINATOR_BUTTONS


@pytest.mark.parametrize(("action_id", "callback_id", "user"), [
    ("poll_new", "poll_create", "UALICE"),
    ("issue_new", "issue_modal", "UALICE"),
    ("availability_open", "availability_modal", "UALICE"),
    ("volunteer_new", "volunteer_create", "UALICE"),
    ("proposal_new", "proposal_create", "UALICE"),
    ("prompt_send_form", "prompt_send", "UADMIN"),
    ("digest_preview", "digest_preview", "UADMIN"),
])
def test_each_button_opens_its_form_from_the_clicks_trigger(bot: BotUnderTest, action_id: str, callback_id: str,
                                                            user: str) -> None:
    use_group_channel(bot)
    open_home(bot, user)
    click(bot, user, action_id)
    [call] = bot.fake.calls_to("views.open")
    assert call.ok and call.json("view")["callback_id"] == callback_id
    assert call.args["trigger_id"], "opened with the click's own trigger"
    assert bot.fake.calls_to("response_url") == [] and bot.fake.messages(user) == [], "nothing went wrong"


@pytest.mark.parametrize(("command", "action_id"), [("/meet", "poll_new"), ("/propose", "proposal_new"),
                                                    ("/availability", "availability_open"),
                                                    ("/volunteer", "volunteer_new")])
def test_a_button_opens_the_very_form_its_command_opens_in_the_groups_channel(bot: BotUnderTest, command: str,
                                                                               action_id: str) -> None:
    use_group_channel(bot)
    bot.slack.command(command, "", user_id="UBEN", channel_id=CHANNEL)
    bot.drain()
    open_home(bot, "UBEN")
    click(bot, "UBEN", action_id)
    from_command, from_home = opened(bot)
    if command == "/availability":
        # The form remembers where it came from, to redraw the Home after Save.
        from_command.pop("private_metadata"), from_home.pop("private_metadata")
    assert from_home == from_command


def test_the_issue_form_from_the_home_is_the_commands_form(bot: BotUnderTest) -> None:
    bot.slack.command("/issue", "", user_id="UBEN", channel_id=CHANNEL)
    bot.drain()
    open_home(bot, "UBEN")
    click(bot, "UBEN", "issue_new")
    from_command, from_home = opened(bot)
    # Each form carries its own token (what it is for stays on the server).
    assert from_command["private_metadata"] != from_home["private_metadata"]
    assert {**from_home, "private_metadata": ""} == {**from_command, "private_metadata": ""}


def test_a_poll_made_from_the_home_is_posted_in_the_channel_picked(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    open_home(bot, "UBEN")
    click(bot, "UBEN", "poll_new")
    [form] = opened(bot)
    channel = next(b for b in form["blocks"] if b.get("block_id") == "channel")
    assert channel["element"]["initial_conversation"] == CHANNEL, "the group's channel, to start with"
    answer = submit(bot, form, {"title": "Away day", "options": "Thu 3 Dec\nFri 4 Dec 10am",
                                "deadline": "Mon 30 Nov 5pm"}, user="UBEN")
    assert answer == {}
    posted = poll_message(bot, CHANNEL)
    assert "Away day" in json.dumps(posted["blocks"])
    with bot.runtime.db.unit_of_work() as session:
        [poll] = session.scalars(select(Poll)).all()
        assert (poll.creator_id, poll.channel_id, poll.anonymous) == ("UBEN", CHANNEL, False)
    assert bot.fake.messages("UBEN") == []


def test_an_issue_logged_from_the_home_is_posted_and_its_author_told_in_a_dm(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    open_home(bot, "UALICE")
    click(bot, "UALICE", "issue_new")
    [form] = opened(bot)
    assert submit(bot, form, {"title": "Six-month contracts for a three-year service", "credit": "named"},
                  user="UALICE") == {}
    [card] = [m for m in bot.fake.messages(CHANNEL) if "Issue #" in m["text"]]
    assert "Six-month contracts for a three-year service" in json.dumps(card["blocks"])
    assert "Added *#1*" in dms(bot, "UALICE"), "the form has no channel to answer in: a DM says it was added"


def test_a_call_for_volunteers_from_the_home_is_checked_then_posted(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    open_home(bot, "UBEN")
    click(bot, "UBEN", "volunteer_new")
    [form] = opened(bot)
    assert "America/New_York" in json.dumps(form), "the deadline is read in the member's own zone"
    answer = submit(bot, form, {"volunteer_task": "  ", "volunteer_needed": "0", "volunteer_deadline": "Tue 3 Dec"},
                    user="UBEN")
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"volunteer_task", "volunteer_needed", "volunteer_deadline"}
    assert "1 to 100" in answer["errors"]["volunteer_needed"] and "Thursday" in answer["errors"]["volunteer_deadline"]

    assert submit(bot, form, {"volunteer_task": "Draft the scope document", "volunteer_needed": "2",
                              "volunteer_deadline": "Fri 4 Dec"}, user="UBEN") == {}
    [call_message] = [m for m in bot.fake.messages(CHANNEL)
                      if (m.get("metadata") or {}).get("event_type") == "convene_volunteer_call"]
    assert "Draft the scope document" in call_message["text"] + json.dumps(call_message["blocks"])
    with bot.runtime.db.unit_of_work() as session:
        [call] = session.scalars(select(VolunteerCall)).all()
        assert (call.created_by, call.needed, call.channel_id, call.message_ts) == ("UBEN", 2, CHANNEL,
                                                                                   call_message["ts"])
        assert call.deadline.isoformat() == "2026-12-05T04:59:00+00:00", "23:59 on Friday in New York"


def test_volunteer_alone_opens_the_form_set_to_the_channel_it_was_typed_in(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    bot.fake.add_channel("CPLAN", name="planning", members=["UALICE", "UBEN"])
    response = bot.slack.command("/volunteer", "", user_id="UBEN", channel_id="CPLAN")
    assert response.status == 200 and response.text in ("", "{}")
    bot.drain()
    [form] = opened(bot)
    channel = next(b for b in form["blocks"] if b.get("block_id") == "volunteer_channel")
    assert form["callback_id"] == "volunteer_create" and channel["element"]["initial_conversation"] == "CPLAN"
    assert submit(bot, form, {"volunteer_task": "Take notes on Tuesday"}, user="UBEN") == {}
    assert any("Take notes on Tuesday" in m["text"] for m in bot.fake.messages("CPLAN"))
    help_reply = bot.slack.command("/volunteer", "help", user_id="UBEN").json()
    assert "open the form" in json.dumps(help_reply["blocks"])


def test_a_call_that_cannot_be_posted_is_not_kept_and_the_member_is_told(bot: BotUnderTest) -> None:
    bot.fake.add_channel("CPRIVATE", name="steering", members=["UBEN"], is_private=True, bot_is_member=False)
    open_home(bot, "UBEN")
    click(bot, "UBEN", "volunteer_new")
    [form] = opened(bot)
    submit(bot, form, {"volunteer_task": "Book the room", "volunteer_channel": "CPRIVATE"}, user="UBEN")
    assert "/invite @Convene" in dms(bot, "UBEN") and "Book the room" in dms(bot, "UBEN")
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(VolunteerCall)) == 0


def test_a_proposal_from_the_home_is_posted_in_the_groups_channel(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    open_home(bot, "UBEN")
    click(bot, "UBEN", "proposal_new")
    [form] = opened(bot)
    assert submit(bot, form, {"proposal_text": ASK, "proposal_closes": "Fri 4 Dec 5pm"}, user="UBEN") == {}
    posted = [m for m in bot.fake.messages(CHANNEL) if (m.get("metadata") or {}).get("event_type") == "convene_proposal"]
    assert len(posted) == 1 and ASK in json.dumps(posted[0]["blocks"])


def test_send_a_prompt_from_the_home_sends_the_one_picked_to_everyone(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    open_home(bot, "UADMIN")
    click(bot, "UADMIN", "prompt_send_form")
    [form] = opened(bot)
    choices = next(b for b in form["blocks"] if b.get("block_id") == "prompt_send_which")["element"]
    assert choices["initial_option"] == choices["options"][0], "the next in the queue, unless another is picked"
    before = set(bot.runtime.jobs.ids())
    assert submit(bot, form, {"prompt_send_which": "3"}, user="UADMIN") == {}
    [job] = [job for job in set(bot.runtime.jobs.ids()) - before if job.startswith("prompts:round:")]
    prompt_jobs.deliver_round(TEAM_ID, int(job.rsplit(":", 1)[1]))
    with bot.runtime.db.unit_of_work() as session:
        [round_] = session.scalars(select(PromptRound)).all()
        assert (round_.kind, round_.started_by) == ("manual", "UADMIN")
    assert {d.user_id for d in deliveries(bot)} == {"UALICE", "UBEN", "UADMIN"}
    assert "Sending prompt *#3*" in dms(bot, "UADMIN"), "the sender is told, as /prompt send now tells them"


def test_digest_preview_from_the_home_shows_what_the_command_shows_in_a_modal(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    meet(bot, '"First meeting" "Tue 1 Dec 10am" "Wed 2 Dec 2-4pm"')
    bot.slack.command("/digest", "preview", user_id="UADMIN", response_url=bot.fake.response_url("preview"))
    bot.drain()
    from_command = bot.fake.calls_to("response_url")[-1].args["blocks"]
    open_home(bot, "UADMIN")
    click(bot, "UADMIN", "digest_preview")
    [loading] = opened(bot)
    [update] = bot.fake.calls_to("views.update")
    assert update.ok and update.args["view_id"] == bot.fake.calls_to("views.open")[0].response["view"]["id"]
    preview = update.json("view")
    assert loading["callback_id"] == preview["callback_id"] == "digest_preview"
    assert preview["blocks"] == from_command
    assert "only you can see this" in json.dumps(preview)
    assert "First meeting" in json.dumps(preview)


def test_export_from_the_home_sends_a_coordinator_their_copy_in_a_dm(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    bot.slack.command("/issue", "Lead providers keep 15% #lead-provider-model", user_id="UALICE", channel_id=CHANNEL)
    bot.drain()
    open_home(bot, "UADMIN")
    click(bot, "UADMIN", "issue_export")
    uploads = [f for f in bot.fake.files if f["channel_id"] == "DADMIN"]
    assert sorted(f["filename"] for f in uploads) == ["convene-evidence-pack-2026-11-24.md",
                                                      "convene-issues-2026-11-24.csv", "decisions.csv"]
    assert "coordinators' copy" in next(f for f in uploads if f["filename"].endswith(".csv"))["initial_comment"]
    assert b"Lead providers keep 15%" in next(f for f in uploads if f["filename"].endswith(".csv"))["content"]


@pytest.mark.parametrize("action_id", COORDINATOR_BUTTONS)
def test_a_member_clicking_a_coordinators_button_is_refused_kindly(bot: BotUnderTest, action_id: str) -> None:
    use_group_channel(bot)
    open_home(bot, "UALICE")
    # Not on her Home: a click made up for it (an old Home from when she was a coordinator, or forged).
    click(bot, "UALICE", action_id, value="home", block_id="home_coordinator_buttons")
    assert bot.fake.calls_to("views.open") == [] and bot.fake.files == []
    assert bot.fake.calls_to("files.getUploadURLExternal") == []
    [told] = bot.fake.messages("UALICE")
    assert "coordinator" in told["text"] and "/convene coordinators list" in told["text"]
    assert "Something went wrong" not in told["text"]


def test_a_send_a_prompt_form_submitted_by_a_member_sends_nothing(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    open_home(bot, "UADMIN")
    click(bot, "UADMIN", "prompt_send_form")
    [form] = opened(bot)
    answer = submit(bot, form, {"prompt_send_which": "1"}, user="UALICE")
    assert answer["response_action"] == "errors" and "Only a coordinator" in answer["errors"]["prompt_send_which"]
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(PromptRound)) == 0


# ---------------------------------------------------------------------------------------------
# Paging
# ---------------------------------------------------------------------------------------------


def section_text(view: dict[str, Any], heading: str) -> str:
    """The blocks of the Home section under `heading`, up to the next divider, as text."""
    blocks = view["blocks"]
    start = next((i for i, b in enumerate(blocks) if heading in json.dumps(b)), None)
    if start is None:
        return ""
    end = next((i for i in range(start, len(blocks)) if blocks[i]["type"] == "divider"), len(blocks))
    return json.dumps(blocks[start:end], ensure_ascii=False)


def turn(bot: BotUnderTest, user: str, section: str, direction: str) -> bool:
    """Click Previous or Next under a section; False when it has no such button."""
    view = bot.fake.home_views[user]
    block = next((b for b in view["blocks"] if b.get("block_id") == f"home_page_{section}"), None)
    button = next((e for e in (block or {}).get("elements", []) if e["action_id"] == f"home_page_{direction}"), None)
    if button is None:
        return False
    click(bot, user, button["action_id"], block_id=block["block_id"], value=button["value"])
    return True


def read_every_page(bot: BotUnderTest, user: str, section: str, heading: str, pattern: str) -> list[list[str]]:
    """Walk a section from its first page to its last with Next: the items each page shows."""
    pages = []
    while True:
        text = section_text(bot.fake.home_views[user], heading)
        pages.append(re.findall(pattern, text))
        if not turn(bot, user, section, "next"):
            return pages


def add_issues(bot: BotUnderTest, count: int) -> None:
    from bot.services import issues
    with bot.runtime.db.unit_of_work() as session:
        for number in range(1, count + 1):
            issues.create_issue(session, TEAM_ID, issues.IssueDraft(title=f"Distinct problem {number} zq{number}x"),
                                author_id="UALICE", now=bot.clock())


def test_the_open_issues_page_through_all_33_each_once_and_back(bot: BotUnderTest) -> None:
    add_issues(bot, 33)
    home = open_home(bot, "UBEN")
    first = section_text(home, "Top open issues")
    assert "Page 1 of 7 · 33 open issues" in first and "more" not in first.replace("`/issue list top`", "")
    pages = read_every_page(bot, "UBEN", "issues", "Top open issues", r"\*#(\d+)\*")
    assert [len(page) for page in pages] == [5, 5, 5, 5, 5, 5, 3]
    seen = [int(number) for page in pages for number in page]
    assert sorted(seen) == list(range(1, 34)) and len(seen) == len(set(seen)), "every issue exactly once"
    assert "Page 7 of 7" in section_text(bot.fake.home_views["UBEN"], "Top open issues")
    assert turn(bot, "UBEN", "issues", "previous")
    assert re.findall(r"\*#(\d+)\*", section_text(bot.fake.home_views["UBEN"], "Top open issues")) == pages[5]
    # A value carries the section and the page, nothing about who is looking.
    values = [e["value"] for b in bot.fake.home_views["UBEN"]["blocks"]
              if str(b.get("block_id", "")).startswith("home_page_") for e in b["elements"]]
    assert values and all(set(json.loads(v)) == {"s", "p"} for v in values)


def test_paging_one_section_keeps_the_others_where_they_were(bot: BotUnderTest) -> None:
    add_issues(bot, 12)
    for number in range(1, 12):
        bot.slack.command("/volunteer", f'"Task {number} for the group" 2', user_id="UALICE", channel_id=CHANNEL)
    bot.drain()
    open_home(bot, "UBEN")
    assert turn(bot, "UBEN", "issues", "next") and turn(bot, "UBEN", "issues", "next")
    assert turn(bot, "UBEN", "calls", "next")
    home = bot.fake.home_views["UBEN"]
    assert "Page 3 of 3 · 12 open issues" in section_text(home, "Top open issues")
    assert "Page 2 of 3 · 11 open calls" in section_text(home, "Calls for volunteers")
    # Signing up from page 2 of the calls redraws the Home on the same pages.
    help_button = next(b["accessory"] for b in home["blocks"] if (b.get("accessory") or {}).get("action_id")
                       == "volunteer_help")
    click(bot, "UBEN", "volunteer_help", block_id="b", value=help_button["value"])
    home = bot.fake.home_views["UBEN"]
    assert "You're signed up" in section_text(home, "Calls for volunteers")
    assert "Page 2 of 3" in section_text(home, "Calls for volunteers") and "Page 3 of 3" in section_text(
        home, "Top open issues")
    # Opening the Home again starts every section on its first page.
    home = open_home(bot, "UBEN")
    assert "Page 1 of 3" in section_text(home, "Top open issues") and "Page 1 of 3" in section_text(
        home, "Calls for volunteers")


def test_a_page_past_the_end_or_a_made_up_value_still_shows_a_home(bot: BotUnderTest) -> None:
    add_issues(bot, 7)
    open_home(bot, "UBEN")
    click(bot, "UBEN", "home_page_next", block_id="home_page_issues", value='{"s":"issues","p":40}')
    assert "Page 2 of 2" in section_text(bot.fake.home_views["UBEN"], "Top open issues")
    click(bot, "UBEN", "home_page_next", block_id="home_page_issues", value='{"s":"<@UALICE>","p":"x"}')
    assert "Top open issues" in json.dumps(bot.fake.home_views["UBEN"])
    assert bot.fake.messages("UBEN") == []


def test_every_section_pages_a_long_list_within_slacks_limits(bot: BotUnderTest) -> None:
    use_group_channel(bot)
    for number in range(1, 32):
        meet(bot, f'"Poll {number} for the group" "Tue 1 Dec 10am" "Wed 2 Dec 2-4pm"')
    for number in range(1, 13):
        propose(bot, f'"Proposal text {number}: we ask for longer contracts" closes "Fri 4 Dec 5pm"')
    for number in range(1, 32):
        bot.slack.command("/volunteer", f'"Task {number} for the group" 2', user_id="UALICE", channel_id=CHANNEL)
    add_issues(bot, 31)
    for number in range(1, 12):
        bot.slack.command("/prompt", f"send now {number}", user_id="UADMIN", channel_id=CHANNEL)
        bot.drain()
    for job in [job for job in bot.runtime.jobs.ids() if job.startswith("prompts:round:")]:
        prompt_jobs.deliver_round(TEAM_ID, int(job.rsplit(":", 1)[1]))
    bot.drain()

    home = open_home(bot, "UBEN")  # the fake Slack refuses a Home over Slack's limits
    assert len(home["blocks"]) <= 100
    checks = [
        ("polls", "Polls waiting for your vote", r"Poll (\d+) for the group", 31),
        ("proposals", "Proposals waiting for your position", r"Proposal text (\d+):", 12),
        ("prompts", "Prompts waiting for your answer", r"prompt_waiting_(\d+)", 11),
        ("issues", "Top open issues", r"\*#(\d+)\*", 31),
        ("calls", "Calls for volunteers", r"Task (\d+) for the group", 31),
    ]
    for section, heading, pattern, count in checks:
        pages = read_every_page(bot, "UBEN", section, heading, pattern)
        seen = [item for page in pages for item in page]
        assert len(seen) == count == len(set(seen)), f"{section}: every item exactly once"
        assert all(len(page) <= 5 for page in pages) and len(pages) == -(-count // 5)
        assert len(bot.fake.home_views["UBEN"]["blocks"]) <= 100
    assert not bot.fake.problems


# ---------------------------------------------------------------------------------------------
# /meet list
# ---------------------------------------------------------------------------------------------


def test_meet_list_pages_with_previous_and_next_replacing_the_reply(bot: BotUnderTest) -> None:
    bot.fake.add_channel("COTHER", name="other", members=["UALICE", "UBEN", "UADMIN"])
    for number in range(1, 24):
        meet(bot, f'"Poll {number} for the group" "Tue 1 Dec 10am" deadline "Mon 30 Nov {number % 12 + 1}pm"')
    meet(bot, '"Elsewhere" "Tue 1 Dec 10am"', channel="COTHER")
    bot.slack.command("/meet", "list", user_id="UBEN", channel_id=CHANNEL,
                      response_url=bot.fake.response_url("list", channel=CHANNEL))
    bot.drain()
    reply = bot.fake.calls_to("response_url")[-1].args
    assert reply["replace_original"] is False and reply["response_type"] == "ephemeral"
    seen: list[int] = []
    pages = 0
    while True:
        pages += 1
        shown = json.dumps(reply["blocks"])
        assert f"Page {pages} of 3" in shown and "Elsewhere" not in shown and "more" not in shown
        seen += [int(n) for n in re.findall(r"Poll (\d+) for the group", shown)]
        buttons = {e["action_id"]: e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]}
        assert ("poll_list_page_previous" in buttons) == (pages > 1)
        if "poll_list_page_next" not in buttons:
            break
        bot.slack.block_action({"action_id": "poll_list_page_next", "block_id": "b",
                                "value": buttons["poll_list_page_next"]["value"]},
                               user_id="UBEN", channel_id=CHANNEL)
        bot.drain()
        reply = bot.fake.calls_to("response_url")[-1].args
        assert reply["replace_original"] is True, "the list is turned in place"
    assert pages == 3 and sorted(seen) == list(range(1, 24)) and len(seen) == len(set(seen))
    assert "(21–23 of 23)" in json.dumps(reply["blocks"], ensure_ascii=False)
    bot.slack.block_action({"action_id": "poll_list_page_previous", "block_id": "b",
                            "value": buttons["poll_list_page_previous"]["value"]}, user_id="UBEN", channel_id=CHANNEL)
    bot.drain()
    back = bot.fake.calls_to("response_url")[-1].args
    assert back["replace_original"] is True and "Page 2 of 3" in json.dumps(back["blocks"])


def test_meet_list_of_many_polls_stays_within_slacks_limits(bot: BotUnderTest) -> None:
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Poll)) == 0
    for number in range(1, 61):
        meet(bot, f'"{"A long title & more " * 6} {number}" "Tue 1 Dec 10am"')
    bot.slack.command("/meet", "list", user_id="UBEN", channel_id=CHANNEL)
    bot.drain()
    reply = bot.fake.calls_to("response_url")[-1].args
    assert len(reply["blocks"]) <= 50 and "Page 1 of 6" in json.dumps(reply["blocks"])
    assert not bot.fake.problems
