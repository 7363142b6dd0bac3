"""Nothing a client sends back is trusted: a member who forges a coordinator's buttons, a modal's
private metadata or someone else's form gets a refusal, and nothing changes.

Ben is a member; Alice made the poll, the call and the issue; Ada is a workspace admin, so a
coordinator. Every payload below is what a coordinator's click or form would send, sent as Ben.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.jobs import prompts as prompt_jobs
from storage.models import (
    Coordinator,
    DigestRun,
    DigestSettings,
    Issue,
    Poll,
    PromptRound,
    PromptSettings,
    VolunteerCall,
    Workspace,
)
from storage.repositories.workspaces import WorkspaceRepository
from tests.e2e.polls_helpers import footer_action, option_ids, poll_message
from tests.e2e.prompting import prompt_dms
from tests.harness.bot import TEAM_ID, BotUnderTest
from tests.harness.signed import view_state

MEMBER = "UBEN"


@pytest.fixture
def group(bot: BotUnderTest) -> BotUnderTest:
    with bot.runtime.db.unit_of_work() as session:
        workspace = WorkspaceRepository(session).get_or_create(TEAM_ID, now=bot.clock())
        workspace.created_at = bot.clock().replace(month=10)
        workspace.channel_id = "CGROUP"
    return bot


def _command(bot: BotUnderTest, command: str, text: str, user: str = MEMBER) -> str:
    name = f"forged-{len(bot.fake.calls)}"
    bot.slack.command(command, text, user_id=user, channel_id="CGROUP",
                      response_url=bot.fake.response_url(name, user=user))
    bot.drain()
    said = [c.args for c in bot.fake.calls_to("response_url") if c.args.get("response_url_name") == name]
    return json.dumps(said)


def _count(bot: BotUnderTest, model: Any, *where: Any) -> int:
    with bot.runtime.db.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _poll(bot: BotUnderTest) -> Poll:
    with bot.runtime.db.unit_of_work() as session:
        return session.scalars(select(Poll)).one()


# Polls ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("action_id", "closed_first"), [
    ("poll_close", False), ("poll_delete", False), ("poll_choose_final", True), ("poll_reopen", True),
    ("poll_delete", True),
])
def test_a_member_cannot_use_the_creators_buttons_on_someone_elses_poll(group: BotUnderTest, action_id: str,
                                                                          closed_first: bool) -> None:
    bot = group
    bot.slack.command("/meet", '"Planning" "Tue 1 Dec 10am" "Wed 2 Dec 2pm"', user_id="UALICE", channel_id="CGROUP")
    bot.drain()
    if closed_first:
        bot.slack.block_action(footer_action(poll_message(bot), "poll_close"), user_id="UALICE", channel_id="CGROUP",
                               message=poll_message(bot))
        bot.drain()
    status = _poll(bot).status
    message = poll_message(bot)
    opened = len(bot.fake.calls_to("views.open"))
    bot.slack.block_action(footer_action(message, action_id), user_id=MEMBER, channel_id="CGROUP", message=message)
    bot.drain()
    assert "only the person who made this poll or a coordinator" in bot.fake.calls_to("response_url")[-1].args["text"]
    assert _poll(bot).status == status and len(bot.fake.calls_to("views.open")) == opened
    assert bot.fake.calls_to("chat.delete") == []


def test_forged_final_date_and_reopen_forms_are_refused(group: BotUnderTest) -> None:
    bot = group
    bot.slack.command("/meet", '"Planning" "Tue 1 Dec 10am" "Wed 2 Dec 2pm"', user_id="UALICE", channel_id="CGROUP")
    bot.drain()
    poll, option = _poll(bot), option_ids(poll_message(bot))[0]
    metadata = json.dumps({"poll_id": poll.id})
    chooser = {"callback_id": "poll_choose", "private_metadata": metadata}
    answer = bot.slack.view_submission(chooser, {"final": {"final": {"type": "static_select", "selected_option": {
        "value": str(option), "text": {"type": "plain_text", "text": "x"}}}}}, user_id=MEMBER)
    assert "only the person who made this poll" in answer.json()["errors"]["final"]
    # Closed by Alice, then Ben forges the reopen form.
    bot.slack.block_action(footer_action(poll_message(bot), "poll_close"), user_id="UALICE", channel_id="CGROUP",
                           message=poll_message(bot))
    bot.drain()
    reopen = {"callback_id": "poll_reopen", "private_metadata": metadata}
    answer = bot.slack.view_submission(reopen, {"deadline": {"deadline": {"type": "plain_text_input", "value": ""}}},
                                       user_id=MEMBER)
    assert "only the person who made this poll" in answer.json()["errors"]["deadline"]
    bot.drain()
    assert _poll(bot).status == "closed" and _poll(bot).decided_option_id is None


# Issues -----------------------------------------------------------------------------------------


def test_a_member_cannot_close_untag_or_reopen_someone_elses_issue(group: BotUnderTest) -> None:
    bot = group
    _command(bot, "/issue", "Short contracts kill continuity #contract-length", user="UALICE")
    assert "Only whoever raised issue #1 or a coordinator" in _command(bot, "/issue", "close 1 Not an issue")
    assert "Only whoever raised issue #1 or a coordinator" in _command(bot, "/issue", "untag 1 #contract-length")
    assert _count(bot, Issue, Issue.status == "open") == 1
    _command(bot, "/issue", "close 1 Raised with the council", user="UADMIN")
    assert "Only whoever raised issue #1 or a coordinator" in _command(bot, "/issue", "reopen 1")
    assert _count(bot, Issue, Issue.status == "closed") == 1


def _issue_form(bot: BotUnderTest, user: str) -> dict[str, Any]:
    bot.slack.command("/issue", "", user_id=user, channel_id="CGROUP")
    bot.drain()
    return bot.fake.calls_to("views.open")[-1].json("view")


def test_an_issue_form_can_only_be_submitted_by_whoever_it_was_opened_for(group: BotUnderTest) -> None:
    bot = group
    alices = _issue_form(bot, "UALICE")
    response = bot.slack.view_submission(alices, view_state(alices, {"title": "Raised in Alice's name by Ben",
                                                                     "credit": "named"}), user_id=MEMBER)
    assert "out of date" in response.json()["errors"]["issue_title"]
    bot.drain()
    assert _count(bot, Issue) == 0


def test_private_metadata_cannot_choose_who_an_issue_credits_or_where_it_came_from(group: BotUnderTest) -> None:
    bot = group
    # What the form's metadata carried before: origin, author and credit. Sent as hints now, ignored.
    legacy = {"callback_id": "issue_modal",
              "private_metadata": json.dumps({"o": "prompt-answer:1", "a": "UALICE", "c": "named"})}
    answers = {"issue_title": {"title": {"type": "plain_text_input", "value": "Alice said this, honest"}}}
    response = bot.slack.view_submission(legacy, answers, user_id=MEMBER)
    assert "out of date" in response.json()["errors"]["issue_title"]
    # Ben's own form, with the same hints added to its metadata: it is still his own issue.
    own = _issue_form(bot, MEMBER)
    forged = dict(own, private_metadata=json.dumps({**json.loads(own["private_metadata"]),
                                                    "o": "prompt-answer:1", "a": "UALICE", "c": "named"}))
    bot.slack.view_submission(forged, view_state(own, {"title": "Monitoring returns are duplicated",
                                                       "credit": "anonymous"}), user_id=MEMBER)
    bot.drain()
    with bot.runtime.db.unit_of_work() as session:
        [issue] = session.scalars(select(Issue)).all()
        assert (issue.author_id, issue.credit, issue.origin) == (MEMBER, "anonymous", None)


def test_a_coordinators_form_from_an_anonymous_answer_cannot_be_submitted_by_a_member(group: BotUnderTest) -> None:
    bot = group
    before = set(bot.runtime.jobs.ids())
    _command(bot, "/prompt", "send now 3", user="UADMIN")
    [job] = [job for job in set(bot.runtime.jobs.ids()) - before if job.startswith("prompts:round:")]
    prompt_jobs.deliver_round(TEAM_ID, int(job.rsplit(":", 1)[1]))
    bot.slack.block_action({"action_id": "prompt_answer"}, user_id="UALICE", channel_id="DALICE",
                           message=prompt_dms(bot, "UALICE")[0])
    bot.drain()
    modal = bot.fake.calls_to("views.open")[-1].json("view")
    bot.slack.view_submission(modal, view_state(modal, {"text": "Our contract was cut again.", "credit": "anonymous",
                                                        "share": ["quote"]}), user_id="UALICE")
    bot.drain()
    page = json.loads(_command(bot, "/prompt", "answers 3", user="UADMIN"))[-1]
    make = next(b["accessory"] for b in page["blocks"]
                if (b.get("accessory") or {}).get("action_id") == "prompt_answer_to_issue")
    # Ben forges the coordinator's button…
    bot.slack.block_action(make, user_id=MEMBER, channel_id="CGROUP",
                           response_url=bot.fake.response_url("forged-make", user=MEMBER))
    bot.drain()
    assert "Only whoever wrote an answer" in bot.fake.calls_to("response_url")[-1].args["text"]
    # …and the coordinator's form itself.
    bot.slack.block_action(make, user_id="UADMIN", channel_id="CGROUP")
    bot.drain()
    form = bot.fake.calls_to("views.open")[-1].json("view")
    assert "UALICE" not in json.dumps(form) and "Alice" not in json.dumps(form)
    response = bot.slack.view_submission(form, view_state(form, {}), user_id=MEMBER)
    assert "out of date" in response.json()["errors"]["issue_title"]
    bot.drain()
    assert _count(bot, Issue) == 0


def test_only_the_author_of_a_logged_message_chooses_its_credit(group: BotUnderTest) -> None:
    bot = group
    message = bot.fake.add_message("CGROUP", "Grant conditions change mid-year", user="UALICE")
    bot.slack.message_shortcut("issue_log_message", message, user_id="UADMIN", channel_id="CGROUP")
    bot.drain()
    form = bot.fake.calls_to("views.open")[-1].json("view")
    bot.slack.view_submission(form, view_state(form, {"title": "Grant conditions change mid-year"}), user_id="UADMIN")
    bot.drain()
    with bot.runtime.db.unit_of_work() as session:
        issue = session.scalars(select(Issue)).one()
    value = json.dumps({"i": issue.id, "c": "named"})
    bot.slack.block_action({"type": "button", "action_id": "issue_credit_named", "value": value}, user_id=MEMBER,
                           channel_id="DBEN")
    bot.drain()
    assert "Only the person who wrote that message" in bot.fake.calls_to("response_url")[-1].args["text"]
    assert _count(bot, Issue, Issue.credit == "pending") == 1


# Prompts, digest, settings, coordinators ------------------------------------------------------------


def test_a_member_cannot_add_schedule_or_send_prompts(group: BotUnderTest) -> None:
    bot = group
    for text in ("add What would a fair monitoring regime look like?", "schedule weekly Tue 10:00",
                 "send now", "send now 2", "nudge 2", "answers 3", "retire 1", "move 2 to 1"):
        assert "Only a coordinator can" in _command(bot, "/prompt", text), text
    assert _count(bot, PromptRound) == 0
    assert _count(bot, PromptSettings, PromptSettings.cadence != "off") == 0
    bot.slack.block_action({"type": "button", "action_id": "prompt_answers_page_next", "value": "3:2"},
                           user_id=MEMBER, channel_id="CGROUP")
    bot.drain()
    assert "Only a coordinator can" in bot.fake.calls_to("response_url")[-1].args["text"]


def test_a_member_cannot_post_preview_schedule_or_move_the_digest(group: BotUnderTest) -> None:
    bot = group
    for text in ("now", "preview", "schedule Mon 9:00", "schedule off", "channel <#CGROUP|wg-commissioning>"):
        assert "looked after by coordinators" in _command(bot, "/digest", text), text
    assert _count(bot, DigestRun) == 0 and _count(bot, DigestSettings) == 0
    assert not [m for m in bot.fake.messages("CGROUP") if (m.get("metadata") or {}).get("event_type")]


def test_a_member_cannot_add_coordinators_or_change_the_group_settings(group: BotUnderTest) -> None:
    bot = group
    assert "Only a coordinator can add coordinators" in _command(bot, "/convene", "coordinators add <@UBEN|ben>")
    assert _count(bot, Coordinator) == 0
    assert "Only a coordinator can" in _command(bot, "/convene", "settings channel <#CNEW|new>")
    settings = {"callback_id": "convene_settings", "private_metadata": ""}
    values = {"channel": {"channel_select": {"type": "conversations_select", "selected_conversation": "CNEW"}},
              "timezone": {"timezone_select": {"type": "external_select", "selected_option": None}}}
    response = bot.slack.view_submission(settings, values, user_id=MEMBER)
    assert "Only a coordinator" in json.dumps(response.json()["errors"])
    bot.drain()
    with bot.runtime.db.unit_of_work() as session:
        assert session.get(Workspace, TEAM_ID).channel_id == "CGROUP"


# Volunteering -------------------------------------------------------------------------------------


def test_a_member_cannot_close_or_change_someone_elses_call(group: BotUnderTest) -> None:
    bot = group
    bot.slack.command("/volunteer", '"Draft the scope document" 2', user_id="UALICE", channel_id="CGROUP")
    bot.drain()
    with bot.runtime.db.unit_of_work() as session:
        call_id = session.scalars(select(VolunteerCall.id)).one()
    close = {"type": "overflow", "action_id": "volunteer_manage",
             "selected_option": {"value": f"close:{call_id}", "text": {"type": "plain_text", "text": "Close"}}}
    bot.slack.block_action(close, user_id=MEMBER, channel_id="CGROUP")
    bot.drain()
    assert "or a coordinator can close or change this call" in bot.fake.calls_to("response_url")[-1].args["text"]
    extend = {"callback_id": "volunteer_extend", "private_metadata": json.dumps({"call": call_id})}
    values = {"volunteer_needed": {"volunteer_needed": {"type": "number_input", "value": "9"}},
              "volunteer_deadline": {"volunteer_deadline": {"type": "plain_text_input", "value": ""}}}
    response = bot.slack.view_submission(extend, values, user_id=MEMBER)
    assert "or a coordinator can close or change this call" in response.json()["errors"]["volunteer_needed"]
    bot.drain()
    with bot.runtime.db.unit_of_work() as session:
        call = session.get(VolunteerCall, call_id)
        assert (call.status, call.needed) == ("open", 2)
