"""Anonymous means nobody in Slack can tell who it was: a whole working week, then everything
Convene sent to Slack is searched for the anonymous member.

A member votes in an anonymous poll, answers a prompt anonymously (in the modal and in a reply),
raises anonymous issues (from the form and from their own message), disagrees with a reason in an
anonymous proposal, and a coordinator turns their shared answer into an issue. Then others list, show, export, preview and post the digest, open the
poll's results and their App Home. Nothing anyone but the member was sent (messages, modals,
App Homes, replies, uploaded files, and what clients receive but do not show: private metadata,
block and action IDs, button values) holds their ID, names or organisation.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from bot.jobs import prompts as prompt_jobs
from storage.models import Member
from storage.repositories.workspaces import WorkspaceRepository
from tests.e2e.polls_helpers import footer_action, option_ids, poll_message, vote_action
from tests.e2e.privacy_sweep import Acting, Person, Sweep
from tests.e2e.prompting import prompt_dms
from tests.e2e.proposals_helpers import footer_action as proposal_footer
from tests.e2e.proposals_helpers import proposal_message, stance_action
from tests.harness.bot import TEAM_ID, BotUnderTest
from tests.harness.signed import view_state

ANON = Person("UQUILL", "zed.quill", "Zed Quillfeather", "zedq", "Marshwood Collective")
FRIDAY_4PM = "2026-11-27T16:00:00+00:00"


@pytest.fixture
def week(bot: BotUnderTest) -> tuple[BotUnderTest, Acting]:
    ANON.add_to(bot.fake)
    bot.fake.add_channel("CGROUP", name="wg-commissioning", members=["UALICE", "UBEN", "UADMIN", ANON.user_id])
    with bot.runtime.db.unit_of_work() as session:
        workspace = WorkspaceRepository(session).get_or_create(TEAM_ID, now=bot.clock())
        workspace.created_at = bot.clock().replace(month=10)
        workspace.channel_id = "CGROUP"
    for user_id in ("UALICE", "UBEN", "UADMIN", ANON.user_id):
        bot.runtime.directory.ensure(TEAM_ID, user_id)
    with bot.runtime.db.unit_of_work() as session:
        session.get(Member, (TEAM_ID, ANON.user_id)).organisation = ANON.organisation
        session.get(Member, (TEAM_ID, "UBEN")).organisation = "Eastside Youth Project"
    return bot, Acting(bot)


def _ephemeral_blocks(bot: BotUnderTest) -> list[dict[str, Any]]:
    return [c.args for c in bot.fake.calls_to("response_url") if c.args.get("blocks")]


def _round_id(bot: BotUnderTest, before: set[str]) -> int:
    added = [job for job in set(bot.runtime.jobs.ids()) - before if job.startswith("prompts:round:")]
    assert added
    return int(added[0].rsplit(":", 1)[1])


def _anonymous_poll(bot: BotUnderTest, act: Acting) -> None:
    act.command("/meet", '"Planning day" "Tue 1 Dec 10am" "Wed 2 Dec 2pm" deadline "Fri 27 Nov 5pm" anonymous',
                user="UALICE")
    message = poll_message(bot)
    act.click(vote_action(message, 0, "yes"), user=ANON.user_id, channel_id="CGROUP", message=message)
    act.click(vote_action(poll_message(bot), 0, "yes"), user="UBEN", channel_id="CGROUP", message=poll_message(bot))
    act.click(vote_action(poll_message(bot), 1, "no"), user=ANON.user_id, channel_id="CGROUP",
              message=poll_message(bot))
    act.click(footer_action(poll_message(bot), "poll_my_votes"), user=ANON.user_id, channel_id="CGROUP",
              message=poll_message(bot))
    for viewer in ("UADMIN", "UALICE", "UBEN"):
        act.click(footer_action(poll_message(bot), "poll_results"), user=viewer, channel_id="CGROUP",
                  message=poll_message(bot))
        results = json.dumps(bot.fake.calls_to("views.open")[-1].json("view"))
        assert "Eastside" not in results, "an anonymous poll hides which organisations answered too"
        assert ":office: 2 organisations" in results, "it still counts them"


def _anonymous_answers(bot: BotUnderTest, act: Acting) -> None:
    before = set(bot.runtime.jobs.ids())
    act.command("/prompt", "send now 3", user="UADMIN")
    prompt_jobs.deliver_round(TEAM_ID, _round_id(bot, before))
    delivered = prompt_dms(bot, ANON.user_id)[0]
    act.click({"action_id": "prompt_answer"}, user=ANON.user_id, channel_id="D" + ANON.user_id[1:], message=delivered)
    modal = act.last_view()
    act.submit(modal, view_state(modal, {"text": "Marshwood-style monitoring costs us a day a month.",
                                         "credit": "anonymous", "share": ["quote"]}), user=ANON.user_id)
    channel = "D" + ANON.user_id[1:]
    reply = bot.fake.add_message(channel, "Also: the portal logs us out every ten minutes.", user=ANON.user_id)
    bot.slack.message_event(reply["text"], user_id=ANON.user_id, channel_id=channel, ts=reply["ts"],
                            channel_type="im")
    bot.drain()
    # A coordinator reads the answers and turns the shared one into an issue.
    act.command("/prompt", "answers 3", user="UADMIN")
    page = _ephemeral_blocks(bot)[-1]
    make = next(b["accessory"] for b in page["blocks"]
                if (b.get("accessory") or {}).get("action_id") == "prompt_answer_to_issue")
    act.click(make, user="UADMIN", channel_id="CGROUP")
    form = act.last_view()
    assert "Credited as its author chose: Anonymous." in json.dumps(form)
    act.submit(form, view_state(form, {}), user="UADMIN")


def _anonymous_issues(bot: BotUnderTest, act: Acting) -> None:
    act.command("/issue", "", user=ANON.user_id)
    form = act.last_view()
    act.submit(form, view_state(form, {"title": "Commissioners ignore the evidence we collect for them",
                                       "credit": "anonymous", "organisation": ANON.organisation}),
               user=ANON.user_id)
    mine = bot.fake.add_message("CGROUP", "Our youth contract was cut to six months, again.", user=ANON.user_id)
    act.shortcut(mine, user=ANON.user_id)
    form = act.last_view()
    act.submit(form, view_state(form, {"title": "Youth contracts keep being cut to six months",
                                       "credit": "anonymous"}), user=ANON.user_id)


def _anonymous_positions(bot: BotUnderTest, act: Acting) -> None:
    """An anonymous proposal: the member disagrees with a reason, others agree, it is decided."""
    act.command("/propose", '"We ask commissioners to stop requiring a single lead provider" closes "Fri 5pm" '
                            "anonymous", user="UALICE")
    message = proposal_message(bot)
    act.click(stance_action(message, "disagree"), user=ANON.user_id, channel_id="CGROUP", message=message)
    form = act.last_view()
    act.submit(form, view_state(form, {"proposal_stance": "disagree",
                                       "proposal_reason": "Marshwood would lose its only contract."}),
               user=ANON.user_id)
    act.click(stance_action(proposal_message(bot), "agree"), user="UBEN", channel_id="CGROUP",
              message=proposal_message(bot))
    shown = json.dumps(proposal_message(bot)["blocks"])
    assert "Disagree *1*" in shown and "would lose its only contract" in shown, "the reason is shown, unnamed"
    act.click(proposal_footer(proposal_message(bot), "proposal_record_outcome"), user="UALICE", channel_id="CGROUP",
              message=proposal_message(bot))
    outcome = act.last_view()
    act.submit(outcome, view_state(outcome, {"proposal_outcome_choice": "agreed_with_changes"}), user="UALICE")
    assert "Agreed with changes" in json.dumps(bot.fake.messages("CGROUP")[-1])
    for viewer in ("UADMIN", "UBEN"):
        act.command("/propose", "show 1", user=viewer)


def _everyone_else_looks(bot: BotUnderTest, act: Acting) -> None:
    for user, command in (("UBEN", "list"), ("UBEN", "show 1"), ("UBEN", "show 2"), ("UBEN", "show 3"),
                          ("UALICE", "list all"), ("UADMIN", "show 2"), ("UADMIN", "export"), ("UBEN", "export")):
        act.command("/issue", command, user=user)
    act.command("/digest", "preview", user="UADMIN")
    bot.clock.set(FRIDAY_4PM)
    act.command("/digest", "now", user="UADMIN")
    for user in ("UALICE", "UBEN", "UADMIN"):
        act.open_home(user=user)
    # The poll closes and its date is announced; results are opened again.
    act.click(footer_action(poll_message(bot), "poll_close"), user="UALICE", channel_id="CGROUP",
              message=poll_message(bot))
    chooser = act.last_view()
    act.submit(chooser, view_state(chooser, {"final": str(option_ids(poll_message(bot))[0])}), user="UALICE")
    act.click(footer_action(poll_message(bot), "poll_results"), user="UADMIN", channel_id="CGROUP",
              message=poll_message(bot))


def test_nothing_sent_to_anyone_else_can_tell_who_the_anonymous_member_is(
        week: tuple[BotUnderTest, Acting]) -> None:
    bot, act = week
    _anonymous_poll(bot, act)
    _anonymous_answers(bot, act)
    _anonymous_issues(bot, act)
    _anonymous_positions(bot, act)
    _everyone_else_looks(bot, act)
    act.command("/convene", "my-data", user=ANON.user_id)
    act.open_home(user=ANON.user_id)

    sweep = Sweep(bot.fake, act)
    assert sweep.leaks(ANON) == []
    # The sweep does see them where Convene speaks to them alone (their own export, their modals).
    assert sweep.seen_by_themselves(ANON) > 0
    exported = [f for f in bot.fake.files if f["filename"].startswith("convene-issues") and f["filename"].endswith(".csv")]
    assert len(exported) == 2 and all(b"Raised anonymously" in f["content"] for f in exported)
    digest = [m for m in bot.fake.messages("CGROUP") if (m.get("metadata") or {}).get("event_type") == "convene_digest"]
    assert digest and "Anonymous" in json.dumps(digest[0]["blocks"]), "the quote is in the digest, unnamed"


def test_the_anonymous_authors_own_view_says_the_issue_is_theirs_and_nobody_elses_does(
        week: tuple[BotUnderTest, Acting]) -> None:
    bot, act = week
    _anonymous_issues(bot, act)
    act.command("/issue", "show 1", user=ANON.user_id)
    assert "You raised this; only you can see that here." in json.dumps(_ephemeral_blocks(bot)[-1])
    act.command("/issue", "show 1", user="UADMIN")
    shown = json.dumps(_ephemeral_blocks(bot)[-1])
    assert "You raised this" not in shown and "Raised anonymously" in shown


def test_an_away_member_is_named_in_plain_text_never_mentioned(week: tuple[BotUnderTest, Acting]) -> None:
    bot, act = week
    from storage.models import Absence
    with bot.runtime.db.unit_of_work() as session:
        session.add(Absence(team_id=TEAM_ID, user_id=ANON.user_id, starts_on=date(2026, 11, 30),
                            ends_on=date(2026, 12, 2)))
    bot.clock.set(FRIDAY_4PM)
    act.command("/digest", "now", user="UADMIN")
    act.command("/availability", "team", user="UALICE")
    posted = [json.dumps(c.args) for c in bot.fake.calls if c.method in ("chat.postMessage", "response_url",
                                                                           "files.completeUploadExternal")]
    assert any("zedq" in text for text in posted), "the away list names them"
    assert not any(f"<@{ANON.user_id}" in text for text in posted), "but never pings them"
