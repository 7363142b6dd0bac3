"""Proposals' rules without Slack: reading what people type, tallies, organisation counting, quorum,
credit, and the views within Slack's limits."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.services import paging, proposals
from bot.services.attribution import Attribution, Credit
from bot.services.errors import InvalidInput
from bot.services.proposals import (
    OrganisationCount,
    ProposalState,
    Quorum,
    ShownPosition,
    count_organisations,
    parse_inline,
    parse_quorum,
    quorum_reached,
    read_draft,
    shown_as,
)
from bot.views import proposals as views
from bot.views.blocks import MAX_MESSAGE_BLOCKS
from storage.models import Member
from tests.harness.blockkit import block_kit_problems, view_problems

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)  # a Tuesday


# Reading what people type -------------------------------------------------------------------------


def test_an_inline_proposal_reads_its_text_issues_closing_time_and_settings() -> None:
    draft = parse_inline('“We ask for five-year contracts” #12 #15, closes "Fri 5pm" anonymous hidden',
                         now=NOW, zone=LONDON)
    assert draft.text == "We ask for five-year contracts"
    assert draft.issue_numbers == (12, 15)
    assert draft.closes_at == datetime(2026, 11, 27, 17, tzinfo=timezone.utc)
    assert draft.anonymous and draft.hide_positions and not draft.closes_by_default


def test_the_closing_time_is_read_in_the_authors_zone_and_may_be_unquoted() -> None:
    draft = parse_inline('"We ask for five-year contracts" closes Fri 5pm #3', now=NOW, zone=NEW_YORK)
    assert draft.closes_at == datetime(2026, 11, 27, 22, tzinfo=timezone.utc)
    assert draft.issue_numbers == (3,)


def test_without_a_closing_time_a_proposal_closes_a_week_later_at_five() -> None:
    draft = parse_inline('"We ask for five-year contracts"', now=NOW, zone=LONDON)
    assert draft.closes_by_default
    assert draft.closes_at == datetime(2026, 12, 1, 17, tzinfo=timezone.utc)


@pytest.mark.parametrize(("typed", "said"), [
    ('"" #1', "empty"),
    ('"Too short"', "too short"),
    ('"We ask for five-year contracts" closes "Mon 23 Nov 5pm"', "in the past"),
    ('"We ask for five-year contracts" closes "whenever"', "can't read"),
    ('"We ask for five-year contracts" closes "today 9:05"', "ten minutes"),
    ('We ask for five-year contracts #1', "in quotes"),
    ('"We ask for five-year contracts" #twelve', "not an issue number"),
    ('"We ask for five-year contracts" soonish', "don't know “soonish”"),
    ('"We ask for five-year contracts" closes', "Say when it closes"),
    ('"We ask for five-year contracts', "never closed"),
])
def test_bad_input_is_refused_saying_what_was_wrong_with_an_example(typed: str, said: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_inline(typed, now=NOW, zone=LONDON)
    assert said in str(raised.value)
    assert proposals.CREATE_EXAMPLE in str(raised.value)


def test_every_problem_with_a_form_is_named_at_once() -> None:
    with pytest.raises(proposals.DraftInvalid) as raised:
        read_draft("  ", [], "yesterday", now=NOW, zone=LONDON)
    assert set(raised.value.fields) == {"text", "closes"}
    with pytest.raises(proposals.DraftInvalid) as raised:
        read_draft("x" * (proposals.MAX_TEXT + 1), [], None, now=NOW, zone=LONDON)
    assert "keep it under 2,000" in raised.value.fields["text"]


# Organisations -------------------------------------------------------------------------------------


def test_organisations_represented_are_those_of_everyone_asked_and_everyone_who_answered() -> None:
    counted = count_organisations(
        [("U1", "Riverside Trust"), ("U2", "riverside  trust"), ("U3", None), ("U4", "Youth Hub")],
        [("U5", "agree", "Food Bank", True)],
    )
    assert counted.represented == 3  # Riverside (twice, however typed), Youth Hub, Food Bank
    assert counted.without_organisation == 1
    assert (counted.agreeing, counted.responding) == (1, 1)


def test_an_organisation_agrees_when_a_member_agrees_and_none_disagrees_or_blocks() -> None:
    counted = count_organisations([], [
        ("U1", "agree", "Riverside", True), ("U2", "abstain", "Riverside", True),
        ("U3", "agree", "Youth Hub", True), ("U4", "block", "Youth Hub", True),
        ("U5", "disagree", "Food Bank", True),
        ("U6", "abstain", "Arts Co", True),
        ("U7", "agree", None, True),
    ])
    assert counted.agreeing == 1 and counted.agreeing_names == ("Riverside",)
    assert counted.divided == 1
    assert counted.responding == 4 and counted.represented == 4


def test_an_agreeing_organisation_is_named_only_if_one_of_its_agreeing_members_let_it_be_shown() -> None:
    counted = count_organisations([], [
        ("U1", "agree", "Riverside", False), ("U2", "agree", "Youth Hub", True), ("U3", "agree", "Youth Hub", False),
    ])
    assert counted.agreeing == 2
    assert counted.agreeing_names == ("Youth Hub",)


# Quorum --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "expected"), [
    ("50% organisations", Quorum(50, "organisations")),
    ("60 % of members", Quorum(60, "members")),
    ("75%", Quorum(75, "organisations")),
    ("40 percent people", Quorum(40, "members")),
    ("off", None),
    ("0%", None),
])
def test_quorum_settings_are_read(typed: str, expected: Quorum | None) -> None:
    assert parse_quorum(typed) == expected


@pytest.mark.parametrize("typed", ["150% organisations", "half", "50% volunteers", "-5%"])
def test_a_quorum_that_makes_no_sense_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_quorum(typed)
    assert "/convene settings quorum 50% organisations" in str(raised.value)


def test_a_quorum_of_organisations_counts_those_that_took_any_position() -> None:
    half = Quorum(50, "organisations")
    assert quorum_reached(half, organisations_responding=2, organisations_represented=4, responded=2, asked=30)
    assert not quorum_reached(half, organisations_responding=3, organisations_represented=7, responded=20, asked=30)
    assert quorum_reached(half, organisations_responding=4, organisations_represented=7, responded=4, asked=30)
    assert not quorum_reached(half, organisations_responding=0, organisations_represented=0, responded=5, asked=5)


def test_a_quorum_of_members_counts_people() -> None:
    third = Quorum(34, "members")
    assert not quorum_reached(third, organisations_responding=5, organisations_represented=5, responded=3, asked=9)
    assert quorum_reached(third, organisations_responding=0, organisations_represented=5, responded=4, asked=9)
    assert parse_quorum(third.to_setting().replace(" ", "% ")) == third
    assert proposals.quorum_from_setting(third.to_setting()) == third


# Credit --------------------------------------------------------------------------------------------


def test_each_position_is_shown_as_its_author_chose_and_never_in_an_anonymous_proposal() -> None:
    sam = Member(team_id="T1", user_id="USAM", name="sam", real_name="Sam Jones")

    def shown(credit: str, *, organisation: str | None = "Riverside", anonymous: bool = False,
              author: Member | None = sam, author_id: str | None = "USAM") -> Attribution:
        return shown_as(credit, author_id=author_id, author=author, organisation=organisation,
                        anonymous_proposal=anonymous)

    assert shown("named").label() == "Sam Jones (Riverside)"
    assert shown("organisation").label() == "Someone at Riverside"
    assert shown("organisation", organisation=None).anonymous
    assert shown("anonymous").anonymous
    assert shown("named", anonymous=True).anonymous
    assert shown("named", author=None, author_id=None).label() == "Anonymous", "a forgotten author is not named"


# Views ---------------------------------------------------------------------------------------------


def named(name: str, organisation: str | None = None) -> Attribution:
    return Attribution(Credit.NAMED, name=name, organisation=organisation)


def state(**changes: object) -> ProposalState:
    positions = (
        ShownPosition("agree", "Long overdue & <needed>", named("Sam <b>", "Riverside")),
        ShownPosition("agree", None, Attribution(Credit.ORGANISATION, organisation="Youth Hub")),
        ShownPosition("disagree", "Too soon", Attribution(Credit.ANONYMOUS)),
        ShownPosition("block", "It would hurt <!channel>", named("Ada")),
    )
    base = ProposalState(
        id=7, team_id="T1", number=3, channel_id="CGROUP", message_ts="1.1", author_id="UALICE",
        author_name="Alice", text="We ask commissioners <to> stop requiring a single lead provider.\n\nSecond para.",
        zone=LONDON, anonymous=False, hide_positions=False, closes_at=datetime(2026, 11, 27, 17, tzinfo=timezone.utc),
        status="open", closed_at=None, closed_by_hand=False, closed_by_name=None, outcome=None,
        outcome_statement=None, block_resolution=None, decided_at=None, decided_by_name=None, decision_sequence=0,
        revision=4, counts={"agree": 2, "abstain": 0, "disagree": 1, "block": 1}, positions=positions,
        organisations=OrganisationCount(represented=5, responding=3, agreeing=2, agreeing_names=("Riverside",)),
        responded=4, asked=9,
        issues=tuple(proposals.LinkedIssue(i, i, f"Issue {i}", "open") for i in range(1, 8)),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def message(s: ProposalState) -> tuple[str, list[dict]]:
    text, blocks = views.proposal_message(s)
    assert block_kit_problems(blocks, surface="message") == []
    return text, blocks


def test_the_message_shows_counts_organisations_non_responders_as_a_number_and_escaped_reasons() -> None:
    text, blocks = message(state())
    shown = json.dumps(blocks)
    assert "Agree *2*" in shown and "Block *1*" in shown
    assert "*2 of 5* organisations represented here agree: Riverside and 1 not named" in shown
    assert "5 have not responded yet" in shown
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in shown and "&lt;b&gt;" in shown
    assert "1 member blocks this proposal" in shown
    assert "#1 Issue 1" in shown and "and 2 more (`/propose show 3`)" in shown
    assert text.startswith("Proposal 3: We ask commissioners &lt;to&gt;")


def test_an_anonymous_proposal_names_nobody_and_no_organisation() -> None:
    anonymous = state(anonymous=True, positions=tuple(
        replace(p, shown_as=Attribution(Credit.ANONYMOUS)) for p in state().positions),
        organisations=OrganisationCount(represented=5, responding=3, agreeing=2))
    _, blocks = message(anonymous)
    shown = json.dumps(blocks)
    for name in ("Sam", "Ada", "Riverside", "Youth Hub", "UALICE"):
        assert name not in shown
    assert "*2 of 5* organisations represented here agree" in shown and "anonymous" in shown


def test_hidden_positions_show_only_how_many_have_responded_until_it_closes() -> None:
    _, blocks = message(state(hide_positions=True))
    shown = json.dumps(blocks)
    assert "4 of 9 have responded" in shown
    for hidden in ("Agree *2*", "Too soon", "Sam", "blocks this proposal", "organisations represented"):
        assert hidden not in shown
    _, closed = message(state(hide_positions=True, status="closed", closed_at=NOW))
    assert "Agree *2*" in json.dumps(closed) and "Record outcome" in json.dumps(closed)


def test_a_decided_proposal_shows_its_outcome_and_no_buttons_to_take_a_position() -> None:
    decided = state(status="decided", outcome="agreed_with_changes", outcome_statement="Agreed, with five years.",
                    block_resolution="Ada was satisfied by the change", decided_at=NOW, quorum=Quorum(50),
                    quorum_met=False)
    _, blocks = message(decided)
    shown = json.dumps(blocks)
    assert "*Agreed with changes*" in shown and "Ada was satisfied" in shown and "No quorum" in shown
    assert "proposal_stance_agree" not in shown and "Change outcome" in shown


def test_long_proposals_and_many_reasons_stay_within_slacks_limits() -> None:
    many = tuple(ShownPosition("agree" if n % 2 else "disagree", "reason " * 200, named(f"Person {n}"))
                 for n in range(60))
    big = state(text="&" * proposals.MAX_TEXT, positions=many, counts={"agree": 30, "disagree": 30},
                issues=tuple(proposals.LinkedIssue(i, i, "t" * 150, "open") for i in range(250)))
    _, blocks = message(big)
    assert len(blocks) <= MAX_MESSAGE_BLOCKS
    assert "more: *All positions* shows them all" in json.dumps(blocks)
    assert view_problems(views.positions_modal(big)) == []


def test_the_forms_are_valid_views_and_carry_only_the_proposals_id() -> None:
    s = state()
    mine = proposals.MyPosition(s, "disagree", "Too soon", "organisation", "Riverside")
    for view in (views.create_modal(channel_id="CGROUP", zone_name="Europe/London"),
                 views.position_modal(mine), views.outcome_modal(s), views.positions_modal(s)):
        assert view_problems(view) == []
        assert "UALICE" not in json.dumps(view) and "UALICE" not in view.get("private_metadata", "")
    outcome = views.outcome_modal(s)
    assert views.read_metadata(outcome["private_metadata"]) == 7
    assert any(b.get("block_id") == views.RESOLUTION_FIELD for b in outcome["blocks"])
    choice = next(b for b in outcome["blocks"] if b.get("block_id") == views.OUTCOME_FIELD)
    assert choice["element"]["initial_option"]["value"] == "not_agreed"  # someone blocked
    statement = next(b for b in outcome["blocks"] if b.get("block_id") == views.STATEMENT_FIELD)
    assert "2 agree, 0 abstain, 1 disagree, 1 block" in statement["element"]["initial_value"]


def test_the_outcome_form_suggests_agreed_when_most_agree_and_nobody_blocks() -> None:
    s = state(counts={"agree": 5, "abstain": 1, "disagree": 2, "block": 0})
    assert s.suggested_outcome() == "agreed"
    assert state(counts={"agree": 2, "disagree": 2, "block": 0}).suggested_outcome() == "not_agreed"
    assert "The group agreed:" in proposals.outcome_prefill(s)


def test_lists_home_reminders_and_outcomes_render_within_limits() -> None:
    summary = proposals.ProposalSummary(
        id=7, number=3, text="We ask for <five> years", channel_id="CGROUP", message_ts="1.1", status="decided",
        closes_at=NOW, responded=4, asked=9, anonymous=False, outcome="agreed", decided_at=NOW,
        organisations_agreeing=3, organisations_represented=5, quorum_met=False)
    page = proposals.Page("all", 1, 2, 12, [summary] * 10)
    blocks = views.list_blocks(page, links={7: "https://x.test/p"})
    assert block_kit_problems(blocks, surface="message") == []
    shown = json.dumps(blocks)
    assert "3 of 5 organisations agreed" in shown and "no quorum" in shown and "Next" in shown
    waiting, shown = paging.page_of([replace(summary, status="open")] * 12, 3, 5)
    home = views.home_blocks(shown, waiting)
    assert block_kit_problems(home, surface="home") == [] and "Page 3 of 3 · 12 proposals waiting" in json.dumps(home, ensure_ascii=False)
    for _text, made in (views.reminder_message(state(), None), views.closed_message(state(status="closed")),
                        views.outcome_message(state(status="decided", outcome="agreed", outcome_statement="Yes."),
                                              "https://x.test/p")):
        assert block_kit_problems(made, surface="message") == []
    assert block_kit_problems(views.show_blocks(state(), None), surface="message") == []


def test_the_reminder_names_nobody_who_has_not_responded() -> None:
    _, blocks = views.reminder_message(state(), "https://x.test/p")
    assert "<@" not in json.dumps(blocks)


def test_default_closing_lands_at_five_in_the_authors_zone_across_a_clock_change() -> None:
    before_change = datetime(2027, 3, 22, 9, 0, tzinfo=timezone.utc)
    closes = proposals.default_closing(before_change, LONDON)
    assert closes.astimezone(LONDON).hour == 17 and closes - before_change < timedelta(days=8)
