"""The whole life of a proposal: the reminder, closing at its time (once, whatever runs it), the
outcome, blocks, quorum, who may do what, and where decisions show up afterwards."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bot.jobs import digest as digest_jobs
from bot.jobs import proposals as proposal_jobs
from storage.models import Absence, Issue, PromptMember, Proposal, ProposalPosition
from storage.repositories.workspaces import WorkspaceRepository
from tests.e2e.proposals_helpers import (
    ASK,
    CHANNEL,
    PROPOSE,
    add_issues,
    last_reply,
    last_view,
    only_proposal,
    press,
    proposal_message,
    propose,
    record_outcome,
    rendered,
    say_position,
    set_organisations,
    submit,
    take,
)
from tests.harness.bot import TEAM_ID, BotUnderTest

REFUSAL = "only the person who proposed this or a coordinator"


def dms(bot: BotUnderTest, user: str) -> list[dict]:
    return bot.fake.messages(user)


def test_the_reminder_goes_once_to_members_who_have_not_responded_skipping_those_away_or_paused(
        bot: BotUnderTest) -> None:
    for user in ("UCAROL", "UDAN", "UERIN"):
        bot.fake.add_user(user, name=user[1:].lower(), tz="Europe/London")
    bot.fake.add_user("UHELPER", name="helper-bot", is_bot=True)
    bot.fake.add_channel(CHANNEL, name="wg-commissioning",
                         members=["UALICE", "UBEN", "UADMIN", "UCAROL", "UDAN", "UERIN", "UHELPER"])
    propose(bot, PROPOSE)
    message = proposal_message(bot)
    take(bot, message, "agree", user="UALICE")
    take(bot, message, "disagree", user="UBEN")  # a Disagree is a response too
    proposal = only_proposal(bot)
    bot.runtime.directory.ensure_many(TEAM_ID, ["UCAROL", "UERIN"])
    with bot.runtime.db.unit_of_work() as session:
        session.add(Absence(team_id=TEAM_ID, user_id="UCAROL", starts_on=date(2026, 11, 26),
                            ends_on=date(2026, 11, 26), note="leave"))
        session.add(PromptMember(team_id=TEAM_ID, user_id="UERIN", paused_until=proposal.closes_at + timedelta(days=9),
                                 updated_at=bot.clock()))

    bot.clock.set(proposal.remind_at)
    assert proposal.remind_at == datetime(2026, 11, 26, 17, tzinfo=timezone.utc)
    assert proposal_jobs.remind_non_responders(TEAM_ID, proposal.id) == 2
    assert proposal_jobs.remind_non_responders(TEAM_ID, proposal.id) == 0  # a second clock: nobody gets two
    for user in ("UADMIN", "UDAN"):
        [reminder] = dms(bot, user)
        assert "Proposal 1 in <#CGROUP> closes" in reminder["text"] and "where do you stand?" in reminder["text"]
        assert "https://fake.slack.test/" in json.dumps(reminder["blocks"])
    for user in ("UALICE", "UBEN", "UCAROL", "UERIN", "UHELPER"):
        assert dms(bot, user) == [], user
    # Nobody was named in the channel for not responding.
    assert "<@" not in json.dumps([m.get("blocks") for m in bot.fake.messages(CHANNEL)])

    # The reminder's button opens the member's position form.
    [reminder] = dms(bot, "UDAN")
    button = reminder["blocks"][-1]["elements"][0]
    bot.slack.block_action({"action_id": button["action_id"], "value": button["value"], "block_id": "b"},
                           user_id="UDAN", channel_id="DDAN", message=reminder)
    bot.drain()
    submit(bot, last_view(bot, "proposal_position"), {"proposal_stance": "abstain"}, user="UDAN")
    assert proposal_message(bot)["blocks"] and "Abstain *1*" in rendered(proposal_message(bot))


def test_at_its_closing_time_a_proposal_closes_once_and_asks_its_author_for_the_outcome(bot: BotUnderTest) -> None:
    propose(bot, PROPOSE)
    message = proposal_message(bot)
    take(bot, message, "agree", user="UBEN")
    proposal = only_proposal(bot)
    bot.clock.set(proposal.closes_at - timedelta(minutes=1))
    assert proposal_jobs.close_at_closing_time(TEAM_ID, proposal.id) is False
    assert only_proposal(bot).status == "open"

    bot.clock.set(proposal.closes_at + timedelta(hours=5))  # the clock was late: it still closes
    assert proposal_jobs.close_at_closing_time(TEAM_ID, proposal.id) is True
    assert proposal_jobs.close_at_closing_time(TEAM_ID, proposal.id) is False  # a second clock, or a restart
    closed = proposal_message(bot)
    assert "proposal_stance_agree" not in rendered(closed) and "*Closed.*" in rendered(closed)
    assert "Record outcome" in rendered(closed)
    [asked] = dms(bot, "UALICE")
    assert "has closed: 1 agree" in asked["text"]
    assert bot.runtime.jobs.next_run(f"proposal-remind:{proposal.id}") is None

    take(bot, message, "agree", user="UADMIN")  # a click on the message as it was before it closed
    assert "has closed" in last_reply(bot)

    # The author records the outcome from the DM.
    button = asked["blocks"][1]["elements"][0]
    bot.slack.block_action({"action_id": button["action_id"], "value": button["value"], "block_id": "b"},
                           user_id="UALICE", channel_id="DALICE", message=asked)
    bot.drain()
    submit(bot, last_view(bot, "proposal_outcome"), {"proposal_outcome_choice": "agreed"}, user="UALICE")
    assert only_proposal(bot).status == "decided"


def test_two_clocks_closing_at_once_close_it_once_and_tell_the_author_once(bot: BotUnderTest) -> None:
    from concurrent.futures import ThreadPoolExecutor

    propose(bot, PROPOSE)
    proposal = only_proposal(bot)
    bot.clock.set(proposal.closes_at)
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: proposal_jobs.close_at_closing_time(TEAM_ID, proposal.id), range(3)))
    assert results.count(True) == 1
    assert len(dms(bot, "UALICE")) == 1


def test_a_crash_after_closing_is_finished_by_the_next_run_without_telling_twice(bot: BotUnderTest) -> None:
    propose(bot, PROPOSE)
    proposal = only_proposal(bot)
    bot.clock.set(proposal.closes_at)
    bot.fake.fail_next("chat.update", "service_unavailable")
    proposal_jobs.close_at_closing_time(TEAM_ID, proposal.id)
    assert only_proposal(bot).status == "closed"
    retry = bot.runtime.jobs.next_run(f"proposal-close:{proposal.id}")
    assert retry == proposal.closes_at + proposal_jobs.RETRY_AFTER
    bot.clock.set(retry)
    proposal_jobs.close_at_closing_time(TEAM_ID, proposal.id)
    assert "*Closed.*" in rendered(proposal_message(bot))
    assert len(dms(bot, "UALICE")) == 1


def test_the_author_closes_early_and_the_outcome_is_posted_once(bot: BotUnderTest) -> None:
    add_issues(bot, 2)
    set_organisations(bot, {"UALICE": "Riverside Trust", "UBEN": "Youth Hub", "UADMIN": "Food Bank"})
    propose(bot, f'"{ASK}" #1 #2 closes "Fri 5pm"')
    message = proposal_message(bot)
    take(bot, message, "agree", user="UALICE")
    take(bot, message, "agree", user="UBEN")
    take(bot, message, "abstain", user="UADMIN")
    proposal = only_proposal(bot)

    press(bot, message, "proposal_record_outcome", user="UALICE")
    form = last_view(bot, "proposal_outcome")
    statement = next(b for b in form["blocks"] if b.get("block_id") == "proposal_statement")["element"]
    assert "2 agree, 1 abstain, 0 disagree, 0 block" in statement["initial_value"]
    assert "2 of 3 organisations represented agreed" in statement["initial_value"]
    choice = next(b for b in form["blocks"] if b.get("block_id") == "proposal_outcome_choice")["element"]
    assert choice["initial_option"]["value"] == "agreed"
    assert only_proposal(bot).status == "open", "opening the form closes nothing"

    answer = submit(bot, form, {"proposal_outcome_choice": "agreed_with_changes",
                                "proposal_statement": "Agreed, asking for five-year contracts instead of three."},
                    user="UALICE")
    assert answer == {}
    decided = only_proposal(bot)
    assert decided.status == "decided" and decided.outcome == "agreed_with_changes" and decided.closed_by == "UALICE"
    assert decided.organisations_represented == 3
    assert bot.runtime.jobs.next_run(f"proposal-close:{proposal.id}") is None
    with bot.runtime.db.unit_of_work() as session:
        frozen = {p.user_id: p.organisation for p in session.scalars(select(ProposalPosition))}
    assert frozen == {"UALICE": "Riverside Trust", "UBEN": "Youth Hub", "UADMIN": "Food Bank"}

    [posted] = [m for m in bot.fake.messages(CHANNEL) if m["text"].startswith("Proposal 1: Agreed with changes")]
    shown = json.dumps(posted["blocks"])
    assert "five-year contracts" in shown and "2 of 3 organisations agreed" in shown and "recorded by alice" in shown
    final = rendered(proposal_message(bot))
    assert "*Agreed with changes*" in final and "proposal_stance_agree" not in final

    # Submitting the same again (a retry, a double click) posts nothing new.
    submit(bot, form, {"proposal_outcome_choice": "agreed_with_changes",
                       "proposal_statement": "Agreed, asking for five-year contracts instead of three."}, user="UALICE")
    assert len([m for m in bot.fake.messages(CHANNEL) if m["text"].startswith("Proposal 1: Agreed")]) == 1

    # The issues it addresses show the decision on their cards and in /issue show.
    for number in (1, 2):
        bot.slack.command("/issue", f"show {number}", user_id="UBEN", channel_id=CHANNEL)
        bot.drain()
        assert "Proposal 1, *Agreed with changes*" in last_reply(bot)


def test_cards_of_the_issues_a_decision_addresses_show_it(bot: BotUnderTest) -> None:
    with bot.runtime.db.unit_of_work() as session:
        WorkspaceRepository(session).get_or_create(TEAM_ID, now=bot.clock()).channel_id = CHANNEL
    bot.slack.command("/issue", "Lead providers keep 15% and pass the risk down", user_id="UALICE",
                      channel_id=CHANNEL)
    bot.drain()
    propose(bot, f'"{ASK}" #1 closes "Fri 5pm"')
    record_outcome(bot, proposal_message(bot), "agreed", "The group agreed.")
    card = next(m for m in bot.fake.messages(CHANNEL) if m["text"].startswith("Issue #1"))
    assert "Proposal 1, *Agreed*" in rendered(card)
    with bot.runtime.db.unit_of_work() as session:
        [shown] = session.scalars(select(Issue)).all()
        assert shown.card_revision == shown.revision, "the card was updated at once, not left to the sweep"


def test_a_block_must_be_resolved_before_the_proposal_is_recorded_as_agreed(bot: BotUnderTest) -> None:
    propose(bot, PROPOSE)
    message = proposal_message(bot)
    take(bot, message, "agree", user="UBEN")
    take(bot, message, "block", user="UADMIN")
    submit(bot, last_view(bot, "proposal_position"), {"proposal_reason": "Small charities would lose out"},
           user="UADMIN")
    press(bot, message, "proposal_record_outcome", user="UALICE")
    form = last_view(bot, "proposal_outcome")
    assert "1 blocked this proposal" in json.dumps(form["blocks"])
    refused = submit(bot, form, {"proposal_outcome_choice": "agreed"}, user="UALICE")
    assert "say how the block was resolved" in refused["errors"]["proposal_block_resolution"]
    assert only_proposal(bot).status == "open", "nothing was recorded"
    accepted = submit(bot, form, {"proposal_outcome_choice": "agreed",
                                  "proposal_block_resolution": "We added protection for small charities"},
                      user="UALICE")
    assert accepted == {}
    assert "How the block was resolved:_ We added protection" in rendered(proposal_message(bot))


def test_not_agreed_and_withdrawn_need_no_resolution(bot: BotUnderTest) -> None:
    propose(bot, PROPOSE)
    take(bot, proposal_message(bot), "block", user="UBEN")
    assert record_outcome(bot, proposal_message(bot), "withdrawn", "Withdrawn to rework it.") == {}
    assert only_proposal(bot).outcome == "withdrawn"
    assert any(m["text"].startswith("Proposal 1: Withdrawn") for m in bot.fake.messages(CHANNEL))


def test_only_the_author_or_a_coordinator_closes_records_or_deletes(bot: BotUnderTest) -> None:
    propose(bot, PROPOSE)
    message = proposal_message(bot)
    opened = len(bot.fake.calls_to("views.open"))
    press(bot, message, "proposal_record_outcome", user="UBEN")
    assert REFUSAL in last_reply(bot)
    press(bot, message, "proposal_delete", user="UBEN")
    assert REFUSAL in last_reply(bot)
    assert len(bot.fake.calls_to("views.open")) == opened and only_proposal(bot).status == "open"

    # A form opened by the author and submitted by someone else is refused on the server.
    press(bot, message, "proposal_record_outcome", user="UALICE")
    form = last_view(bot, "proposal_outcome")
    forged = submit(bot, form, {"proposal_outcome_choice": "agreed"}, user="UBEN")
    assert REFUSAL in forged["errors"]["proposal_outcome_choice"]
    assert only_proposal(bot).status == "open"

    # A coordinator may record anyone's outcome.
    assert record_outcome(bot, message, "not_agreed", "Not this time.", user="UADMIN") == {}
    assert only_proposal(bot).decided_by == "UADMIN"


def test_the_author_deletes_a_proposal_and_its_message(bot: BotUnderTest) -> None:
    propose(bot, PROPOSE)
    message = proposal_message(bot)
    take(bot, message, "agree", user="UBEN")
    proposal = only_proposal(bot)
    press(bot, message, "proposal_delete", user="UALICE")
    assert "Deleted proposal 1" in last_reply(bot)
    assert [c.args["ts"] for c in bot.fake.calls_to("chat.delete")] == [message["ts"]]
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Proposal)) == 0
        assert session.scalar(select(func.count()).select_from(ProposalPosition)) == 0
    assert not any(job.endswith(f":{proposal.id}") for job in bot.runtime.jobs.ids())


def test_a_proposal_that_closes_without_the_quorum_is_marked_no_quorum(bot: BotUnderTest) -> None:
    bot.slack.command("/convene", "settings quorum 50% organisations", user_id="UBEN")
    bot.drain()
    assert "Only a coordinator" in last_reply(bot)
    bot.slack.command("/convene", "settings quorum 50% organisations", user_id="UADMIN")
    bot.drain()
    assert "needs 50% of organisations to take part" in last_reply(bot)
    bot.slack.command("/convene", "settings", user_id="UADMIN")
    bot.drain()
    assert "*Quorum for proposals:* 50% of organisations must take part" in last_reply(bot)
    bot.slack.command("/convene", "settings quorum most", user_id="UADMIN")
    bot.drain()
    assert "can't read “most” as a quorum" in last_reply(bot)

    set_organisations(bot, {"UALICE": "Riverside Trust", "UBEN": "Youth Hub", "UADMIN": "Food Bank"})
    propose(bot, PROPOSE)
    assert "Quorum: 50% of organisations must take part." in rendered(proposal_message(bot))
    take(bot, proposal_message(bot), "agree", user="UBEN")  # one organisation of three
    proposal = only_proposal(bot)
    bot.clock.set(proposal.closes_at)
    proposal_jobs.close_at_closing_time(TEAM_ID, proposal.id)
    closed = only_proposal(bot)
    assert closed.quorum_met is False and (closed.quorum_percent, closed.quorum_basis) == (50, "organisations")
    assert "*No quorum*" in rendered(proposal_message(bot))
    assert "did not reach the quorum" in dms(bot, "UALICE")[0]["text"]

    # Changing the setting later does not rewrite a closed proposal.
    bot.slack.command("/convene", "settings quorum off", user_id="UADMIN")
    bot.drain()
    record_outcome(bot, proposal_message(bot), "agreed", "Agreed by those there.")
    posted = next(m for m in bot.fake.messages(CHANNEL) if m["text"].startswith("Proposal 1: Agreed"))
    assert "no quorum" in json.dumps(posted["blocks"])


def test_a_quorum_reached_is_said_so(bot: BotUnderTest) -> None:
    with bot.runtime.db.unit_of_work() as session:
        WorkspaceRepository(session).get_or_create(TEAM_ID, now=bot.clock()).quorum = "60 members"
    propose(bot, PROPOSE)
    message = proposal_message(bot)
    take(bot, message, "agree", user="UBEN")
    take(bot, message, "abstain", user="UADMIN")
    record_outcome(bot, message, "agreed", "Agreed.")
    assert only_proposal(bot).quorum_met is True
    assert "Quorum reached (60% of members)" in rendered(proposal_message(bot))


@pytest.fixture
def group(bot: BotUnderTest) -> BotUnderTest:
    """A workspace Convene has known since before this week, with its channel set."""
    with bot.runtime.db.unit_of_work() as session:
        workspace = WorkspaceRepository(session).get_or_create(TEAM_ID, now=bot.clock())
        workspace.created_at = bot.clock().replace(month=10)
        workspace.channel_id = CHANNEL
    return bot


def test_the_digest_shows_open_proposals_with_response_counts_and_this_weeks_outcomes(group: BotUnderTest) -> None:
    bot = group
    propose(bot, '"We ask for contracts of five years or more" closes "Mon 30 Nov 5pm"')
    take(bot, proposal_message(bot), "agree", user="UBEN")
    propose(bot, PROPOSE)
    record_outcome(bot, proposal_message(bot), "agreed", "Agreed.")
    bot.clock.set(datetime(2026, 11, 27, 16, tzinfo=timezone.utc))
    digest_jobs.post_due_digest(TEAM_ID)
    [posted] = [m for m in bot.fake.messages(CHANNEL)
                if (m.get("metadata") or {}).get("event_type") == "convene_digest"]
    shown = json.dumps(posted["blocks"], ensure_ascii=False)
    part = next(b["text"]["text"] for b in posted["blocks"] if b.get("block_id") == "digest-proposals")
    assert "Proposal 1: We ask for contracts of five years or more" in part and "1 of 3 have responded" in part
    assert "closes <!date^" in part and "<@" not in part
    outcomes = next(b["text"]["text"] for b in posted["blocks"] if b.get("block_id") == "digest-outcomes")
    assert "Proposal 2: We ask commissioners" in outcomes and "*Agreed*" in outcomes
    assert "Decided this week" in shown


def test_the_app_home_lists_proposals_waiting_for_my_position(bot: BotUnderTest) -> None:
    propose(bot, PROPOSE)
    bot.slack.app_home_opened(user_id="UBEN")
    bot.drain()
    home = json.dumps(bot.fake.home_views["UBEN"]["blocks"])
    assert "Proposals waiting for your position" in home and ASK in home and "Take a position" in home
    take(bot, proposal_message(bot), "agree", user="UBEN")
    bot.slack.app_home_opened(user_id="UBEN")
    bot.drain()
    assert ASK not in json.dumps(bot.fake.home_views["UBEN"]["blocks"])

    # From the Home: take a position, and start a new proposal.
    bot.slack.app_home_opened(user_id="UADMIN")
    bot.drain()
    view = bot.fake.home_views["UADMIN"]
    button = next(b["accessory"] for b in view["blocks"] if ASK in (b.get("text") or {}).get("text", ""))
    bot.slack.block_action({"action_id": button["action_id"], "value": button["value"]}, user_id="UADMIN", view=view)
    bot.drain()
    submit(bot, last_view(bot, "proposal_position"), {"proposal_stance": "abstain"}, user="UADMIN")
    assert "Abstain *1*" in rendered(proposal_message(bot))
    bot.slack.block_action({"action_id": "proposal_new"}, user_id="UADMIN", view=view)
    bot.drain()
    assert last_view(bot, "proposal_create")["callback_id"] == "proposal_create"


def test_my_data_has_my_positions_and_forget_me_removes_them_and_redraws_the_message(bot: BotUnderTest) -> None:
    set_organisations(bot, {"UBEN": "Youth Hub"})
    propose(bot, PROPOSE)
    propose(bot, '"Ben asks for something else entirely here" closes "Fri 5pm" anonymous', user="UBEN")
    first, second = [m for m in bot.fake.messages(CHANNEL) if (m.get("metadata") or {}).get("event_type") ==
                     "convene_proposal"]
    say_position(bot, first, "disagree", user="UBEN", reason="Too soon for us")
    take(bot, second, "agree", user="UBEN")
    bot.slack.command("/convene", "my-data", user_id="UBEN")
    bot.drain()
    exported = json.loads(bot.fake.files[-1]["content"])["data"]["Proposals"]
    assert {"position": "Disagree", "proposal": 1, "reason": "Too soon for us"}.items() <= exported[0].items()
    assert exported[1]["position"] == "Agree" and exported[1]["anonymous_proposal"] is True
    assert any(record.get("proposed") == 2 for record in exported)

    bot.slack.block_action({"type": "button", "action_id": "convene_forget_me", "block_id": "b", "value": "confirm"},
                           user_id="UBEN", channel_id="DBEN")
    bot.drain()
    assert "proposals (" in bot.fake.calls_to("response_url")[-1].args["text"]
    with bot.runtime.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(ProposalPosition)) == 0
        kept = session.scalars(select(Proposal).order_by(Proposal.number)).all()
        assert [p.author_id for p in kept] == ["UALICE", None]
    # Both messages were redrawn at once, so the sweep finds nothing left to repair.
    bot.clock.advance(minutes=2)
    assert proposal_jobs.refresh_unrendered() == 0
    shown = rendered(proposal_message(bot, CHANNEL)) + json.dumps([m["blocks"] for m in bot.fake.messages(CHANNEL)])
    assert "Too soon for us" not in shown and "Youth Hub" not in shown
    assert "Proposed by a former member" in shown


def test_the_evidence_pack_gains_agreed_asks_and_decisions_csv(bot: BotUnderTest) -> None:
    add_issues(bot, 2)
    set_organisations(bot, {"UALICE": "Riverside Trust", "UBEN": "Youth Hub", "UADMIN": "Food Bank"})
    propose(bot, f'"{ASK}" #1 #2 closes "Fri 5pm"')
    message = proposal_message(bot)
    say_position(bot, message, "agree", user="UALICE", reason="Long overdue", credit="named")
    say_position(bot, message, "agree", user="UBEN", reason="We lost two contracts", credit="organisation")
    take(bot, message, "disagree", user="UADMIN")
    record_outcome(bot, message, "agreed", "We ask commissioners to allow consortia to bid directly.")
    propose(bot, '"We ask for something the group turned down" closes "Fri 5pm" anonymous')
    second = proposal_message(bot)
    say_position(bot, second, "disagree", user="UBEN", reason="Not for us")
    record_outcome(bot, second, "not_agreed", "=SUM(1) Not agreed.")

    bot.slack.command("/issue", "export", user_id="UADMIN", channel_id=CHANNEL)
    bot.drain()
    uploads = {f["filename"]: f["content"].decode("utf-8") for f in bot.fake.files}
    markdown = next(content for name, content in uploads.items() if name.endswith(".md"))
    asks = markdown[markdown.index("## Agreed asks"):]
    assert markdown.index("## Agreed asks") < markdown.index("## Not tagged")
    assert "### Proposal 1: Agreed" in asks and "> " + ASK in asks
    assert "2 of 3 organisations agreed: Riverside Trust, Youth Hub" in asks
    assert "**Issues behind it:** #1 Issue 1 in the register, #2 Issue 2 in the register" in asks
    assert "“Long overdue” — Alice Adams (Riverside Trust)" in asks
    assert "— Someone at Youth Hub" in asks and "Ben Brown" not in asks
    assert "turned down" not in asks.split("## ", 2)[1], "only agreed asks are in the section"

    rows = list(csv.DictReader(io.StringIO(uploads["decisions.csv"])))
    assert [(row["proposal"], row["outcome"]) for row in rows] == [("1", "Agreed"), ("2", "Not agreed")]
    assert rows[0]["organisations_agreed"] == "2" and rows[0]["organisations_represented"] == "3"
    assert rows[0]["organisations_that_agreed"] == "Riverside Trust, Youth Hub"
    assert rows[0]["issues"] == "#1 #2" and (rows[0]["agree"], rows[0]["disagree"]) == ("2", "1")
    assert rows[1]["outcome_statement"] == "'=SUM(1) Not agreed.", "no formula runs in a spreadsheet"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
    assert rows[1]["anonymous"] == "yes" and "Ben" not in rows[1]["reasons"] and "Youth Hub" not in rows[1]["reasons"]
    assert "Not for us — Anonymous" in rows[1]["reasons"]


def test_the_settings_form_sets_the_quorum_and_refuses_one_it_cannot_read(bot: BotUnderTest) -> None:
    bot.slack.block_action({"type": "button", "action_id": "convene_open_settings", "block_id": "b", "value": ""},
                           user_id="UADMIN", channel_id=CHANNEL)
    bot.drain()
    view = last_view(bot, "convene_settings")
    refused = submit(bot, view, {"quorum_input": "most of us"}, user="UADMIN")
    assert "can't read “most of us” as a quorum" in refused["errors"]["quorum"]
    assert submit(bot, view, {"quorum_input": "60% members"}, user="UADMIN") == {}
    with bot.runtime.db.unit_of_work() as session:
        assert WorkspaceRepository(session).get(TEAM_ID).quorum == "60 members"
    bot.slack.block_action({"type": "button", "action_id": "convene_open_settings", "block_id": "b", "value": ""},
                           user_id="UADMIN", channel_id=CHANNEL)
    bot.drain()
    again = last_view(bot, "convene_settings")
    quorum = next(b for b in again["blocks"] if b.get("block_id") == "quorum")["element"]
    assert quorum["initial_value"] == "60% members"
    assert submit(bot, again, {"quorum_input": ""}, user="UADMIN") == {}
    with bot.runtime.db.unit_of_work() as session:
        assert WorkspaceRepository(session).get(TEAM_ID).quorum is None


def test_the_author_changes_the_closing_time_or_reopens_a_closed_proposal(bot: BotUnderTest) -> None:
    propose(bot, PROPOSE)
    message = proposal_message(bot)
    take(bot, message, "agree", user="UBEN")
    proposal = only_proposal(bot)
    press(bot, message, "proposal_reschedule", user="UBEN")
    assert REFUSAL in last_reply(bot)

    press(bot, message, "proposal_reschedule", user="UALICE")
    form = last_view(bot, "proposal_reschedule")
    refused = submit(bot, form, {"proposal_closes": "Mon 23 Nov 5pm"}, user="UALICE")
    assert "in the past" in refused["errors"]["proposal_closes"]
    assert submit(bot, form, {"proposal_closes": "Wed 2 Dec 5pm"}, user="UALICE") == {}
    later = datetime(2026, 12, 2, 17, tzinfo=timezone.utc)
    assert only_proposal(bot).closes_at == later
    assert bot.runtime.jobs.next_run(f"proposal-close:{proposal.id}") == later
    assert bot.runtime.jobs.next_run(f"proposal-remind:{proposal.id}") == later - timedelta(hours=24)

    bot.clock.set(later)
    proposal_jobs.close_at_closing_time(TEAM_ID, proposal.id)
    closed = proposal_message(bot)
    press(bot, closed, "proposal_reschedule", user="UADMIN")  # a coordinator reopens it
    submit(bot, last_view(bot, "proposal_reschedule"), {"proposal_closes": "Fri 4 Dec 5pm"}, user="UADMIN")
    reopened = only_proposal(bot)
    assert reopened.status == "open" and reopened.closed_at is None and reopened.quorum_met is None
    shown = rendered(proposal_message(bot))
    assert "proposal_stance_agree" in shown and "Agree *1*" in shown, "positions taken stay"
