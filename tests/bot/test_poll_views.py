"""Polls render within Slack's limits, show the right things to the right people, and tally right."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.services import paging
from bot.services.polls import MAX_OPTIONS, Meeting, OpenPollSummary, OptionTally, PollState, best_option, reminder_time
from bot.views import polls as views
from bot.views.blocks import MAX_MESSAGE_BLOCKS
from tests.harness.blockkit import block_kit_problems, view_problems

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


def tally(index: int, *, yes: int = 0, maybe: int = 0, no: int = 0, orgs: tuple[str, ...] = (),
          all_day: bool = False, duration: timedelta | None = None) -> OptionTally:
    def people(prefix: str, count: int) -> tuple[str, ...]:
        return tuple(f"Person U{prefix}{index:02d}{n:03d}" for n in range(count))

    return OptionTally(id=100 + index, position=index + 1, label=f"option {index}",
                       starts_at=START + timedelta(days=index), duration=duration, all_day=all_day,
                       yes=yes, maybe=maybe, no=no, yes_names=people("Y", yes), maybe_names=people("M", maybe),
                       no_names=people("N", no), organisations=orgs, organisation_count=len(orgs))


def state(options: list[OptionTally], **changes: object) -> PollState:
    people = {u for o in options for u in (*o.yes_names, *o.maybe_names, *o.no_names)}
    base = PollState(
        id=7, team_id="T1", channel_id="CGROUP", message_ts="1.1", creator_id="UALICE", title="First meeting",
        zone=LONDON, allow_if_need_be=True, hide_votes=False, anonymous=False,
        deadline=datetime(2026, 11, 27, 17, tzinfo=timezone.utc), status="open", closed_at=None, closed_by=None,
        decided_option_id=None, decided_by=None, decision_sequence=0, revision=3, options=tuple(options),
        creator_name="Alice <Adams> & co", voters=len(people), invited=len(people) + 2,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def message(s: PollState) -> tuple[str, list[dict]]:
    text, blocks = views.poll_message(s)
    assert block_kit_problems(blocks, surface="message") == []
    return text, blocks


def test_the_best_option_has_most_yes_then_most_yes_or_if_need_be_then_is_earliest() -> None:
    assert best_option([tally(0, yes=1, maybe=5), tally(1, yes=2)]).id == 101
    assert best_option([tally(0, yes=2), tally(1, yes=2, maybe=1)]).id == 101
    assert best_option([tally(2, yes=2, maybe=1), tally(1, yes=2, maybe=1)]).id == 101
    assert best_option([tally(0, maybe=1), tally(1, no=3)]).id == 100
    assert best_option([tally(0, no=1)]) is None


def test_the_most_options_a_poll_takes_fit_one_message_with_every_voter() -> None:
    orgs = ("Riverside Food Bank", "Youth Trust")
    options = [tally(i, yes=15, maybe=10, no=5, orgs=orgs, duration=timedelta(hours=2)) for i in range(MAX_OPTIONS)]
    _, blocks = message(state(options))
    assert len(blocks) == MAX_MESSAGE_BLOCKS
    assert sum(1 for b in blocks if b.get("block_id", "").startswith("poll-vote-")) == MAX_OPTIONS
    assert blocks[-2]["block_id"] == "poll-footer"


def test_twenty_options_with_many_names_render_within_limits() -> None:
    options = [tally(i, yes=40, maybe=40) for i in range(20)]
    _, blocks = message(state(options))
    option_text = next(b for b in blocks if b.get("block_id") == "poll-option-100")["text"]["text"]
    assert "more" in option_text and len(option_text) < 3000


def test_names_counts_organisations_and_the_best_option_are_shown() -> None:
    options = [tally(0, yes=2, orgs=("Riverside Food Bank", "Youth Trust")), tally(1, yes=1, maybe=1, no=1)]
    _, blocks = message(state(options))
    shown = json.dumps(blocks)
    assert "Best so far" in shown and ":office: 2 organisations" in shown
    assert "Person UY00000" in shown and "_If need be:_ Person UM01000" in shown
    first = blocks[4]["text"]["text"]
    assert ":white_check_mark: 2" in first and ":star:" in first


def _mrkdwn(value: object) -> list[str]:
    if isinstance(value, dict):
        own = [value["text"]] if value.get("type") == "mrkdwn" else []
        return own + [t for v in value.values() for t in _mrkdwn(v)]
    if isinstance(value, list):
        return [t for v in value for t in _mrkdwn(v)]
    return []


def test_user_text_is_escaped_wherever_slack_reads_mrkdwn() -> None:
    s = state([tally(0, yes=1)], title="<!channel> & <@U1>", status="decided", decided_option_id=100)
    text, blocks = views.poll_message(s)
    assert "&lt;!channel&gt; &amp; &lt;@U1&gt;" in text
    assert "Alice &lt;Adams&gt; &amp; co" in json.dumps(blocks)
    for _, more in (views.decision_message(s, "<@U2>", None), views.reminder_message(s, None),
                    views.closed_message(s)):
        blocks = blocks + more
    mrkdwn = _mrkdwn(blocks) + _mrkdwn(views.results_modal(s)) + _mrkdwn(views.my_votes_modal(s, {}))
    assert mrkdwn and not any("<!channel>" in t or "<@U1>" in t or "<@U2>" in t for t in mrkdwn)
    assert any("&lt;!channel&gt;" in t for t in mrkdwn)


def test_anonymous_polls_show_counts_but_never_names_or_organisations() -> None:
    s = state([tally(0, yes=2, maybe=1, orgs=("Riverside Food Bank", "Youth Trust"))], anonymous=True)
    shown = json.dumps(message(s)[1]) + json.dumps(views.results_modal(s))
    assert ":white_check_mark: 2" in shown and "Person" not in shown
    assert "Riverside" not in shown and "Youth Trust" not in shown and ":office: 2 organisations" in shown
    closed = json.dumps(message(replace(s, status="closed"))[1]) + json.dumps(views.results_modal(
        replace(s, status="closed")))
    assert "Person" not in closed and "Riverside" not in closed


def test_hidden_answers_stay_hidden_until_the_poll_closes() -> None:
    s = state([tally(0, yes=2, maybe=1)], hide_votes=True)
    shown = json.dumps(message(s)[1]) + json.dumps(views.results_modal(s))
    assert "hidden until the poll closes" in shown
    assert ":white_check_mark: 2" not in shown and "Person" not in shown and "Best so far" not in shown
    closed = json.dumps(message(replace(s, status="closed"))[1])
    assert ":white_check_mark: 2" in closed and "Person UY00000" in closed


def test_without_if_need_be_there_is_no_such_button() -> None:
    _, blocks = message(state([tally(0)], allow_if_need_be=False))
    actions = [e["action_id"] for b in blocks if b.get("block_id") == "poll-vote-100" for e in b["elements"]]
    assert actions == ["poll_vote_yes", "poll_vote_no"]


def test_a_closed_poll_has_no_vote_buttons_and_offers_the_final_choice() -> None:
    _, blocks = message(state([tally(0, yes=1), tally(1)], status="closed"))
    assert not any(b.get("block_id", "").startswith("poll-vote-") for b in blocks)
    footer = next(b for b in blocks if b.get("block_id") == "poll-footer")
    assert [e["action_id"] for e in footer["elements"]] == ["poll_choose_final", "poll_results", "poll_reopen",
                                                            "poll_delete"]


def test_a_decided_poll_shows_the_final_date() -> None:
    _, blocks = message(state([tally(0, yes=1), tally(1, yes=2)], status="decided", decided_option_id=100))
    assert "Final date" in blocks[2]["text"]["text"]
    assert ":tada: *chosen*" in blocks[4]["text"]["text"]


def test_times_are_date_tokens_and_whole_days_are_dates() -> None:
    timed = views.option_when(tally(0, duration=timedelta(hours=2)), LONDON)
    epoch = int(START.timestamp())
    assert timed.startswith(f"<!date^{epoch}^{{date_long_pretty}} at {{time}}|Tue 1 Dec 2026, 10:00 GMT>")
    assert timed.endswith("|12:00>")
    day = views.option_when(tally(2, all_day=True), LONDON)
    assert day == "Thursday 3 December 2026 (all day)"


def test_modals_render_within_limits() -> None:
    options = [tally(i, yes=3, maybe=2, no=1) for i in range(MAX_OPTIONS)]
    s = state(options)
    for view in (views.create_modal(channel_id="CGROUP", zone_name="Europe/London"),
                 views.choose_final_modal(s, zone=LONDON), views.reopen_modal(s, zone_name="Europe/London"),
                 views.my_votes_modal(s, {100: "yes", 101: "maybe"}), views.results_modal(s),
                 views.my_votes_modal(replace(s, status="closed"), {100: "yes"})):
        assert view_problems(view) == [], view["callback_id"]


def test_the_final_date_chooser_preselects_the_best_option() -> None:
    view = views.choose_final_modal(state([tally(0, yes=1), tally(1, yes=3)]), zone=LONDON)
    select = view["blocks"][1]["element"]
    assert select["initial_option"]["value"] == "101"
    assert select["options"][1]["description"]["text"] == "3 yes, 0 if need be"


def test_my_votes_preselects_the_members_answers() -> None:
    view = views.my_votes_modal(state([tally(0), tally(1)]), {101: "maybe"})
    first, second = view["blocks"][1], view["blocks"][2]
    assert "initial_option" not in first["accessory"]
    assert second["accessory"]["initial_option"]["value"] == "maybe"


def test_lists_and_home_render_within_limits_a_page_at_a_time() -> None:
    title = "<!channel> & " * 12  # escaping makes it longer than any title typed
    summaries = [OpenPollSummary(i, f"Poll {i} {title}"[:150], "CGROUP", "1.1", None if i % 2 else START, i, 10)
                 for i in range(80)]
    for size, render, surface in (
            (views.LIST_PAGE_SIZE, lambda shown, page: views.list_blocks("CGROUP", shown, {0: "https://x.test/p"},
                                                                         LONDON, page), "message"),
            (5, lambda shown, page: views.home_blocks(shown, LONDON, page), "home")):
        seen = []
        for number in range(1, paging.page_count(80, size) + 1):
            page, shown = paging.page_of(summaries, number, size)
            blocks = render(shown, page)
            assert block_kit_problems(blocks, surface=surface) == []
            text = json.dumps(blocks)
            assert f"Page {number} of {page.pages}" in text and "more" not in text and "<!channel>" not in text
            seen += [i for i in range(80) if f"Poll {i} " in text]
            buttons = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
            expected = (["previous"] if number > 1 else []) + (["next"] if number < page.pages else [])
            assert [action_id.rsplit("_", 1)[1] for action_id in buttons] == expected
        assert seen == list(range(80))
    page, shown = paging.page_of([], 1, 5)
    assert views.home_blocks(shown, LONDON, page) == []
    assert "No open polls" in json.dumps(views.list_blocks("CGROUP", shown, {}, LONDON, page))


def test_reminders_and_the_decision_render_within_limits() -> None:
    s = state([tally(0, yes=2), tally(1)], status="decided", decided_option_id=100)
    meeting = Meeting(7, "T1", "First meeting", "CGROUP", "1.1", 100, START, None, False, LONDON, 1, START)
    for _, blocks in (views.reminder_message(s, "https://x.test/p"), views.closed_message(s),
                      views.decision_message(s, "Alice", None), views.meeting_reminder_message(meeting, None)):
        assert block_kit_problems(blocks, surface="message") == []


def test_reminders_go_a_day_before_the_deadline_or_halfway_for_short_polls() -> None:
    now = datetime(2026, 11, 24, 9, tzinfo=timezone.utc)
    day = timedelta(hours=24)
    assert reminder_time(now + timedelta(days=3), now=now, lead=day) == now + timedelta(days=2)
    assert reminder_time(now + timedelta(hours=10), now=now, lead=day) == now + timedelta(hours=5)
    assert reminder_time(now + timedelta(hours=1), now=now, lead=day) is None
    assert reminder_time(None, now=now, lead=day) is None
    assert reminder_time(now + timedelta(days=3), now=now, lead=timedelta(0)) is None
