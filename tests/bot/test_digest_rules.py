"""The digest's schedule and periods, and its rendering, without Slack."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.services.digest import (
    Digest,
    DigestLine,
    DigestSection,
    Schedule,
    current_period,
    due_at_or_before,
    last_due_period,
    parse_schedule,
)
from bot.services.errors import InvalidInput
from bot.views.digest import digest_blocks, digest_text, section_text
from tests.harness.blockkit import block_kit_problems

LONDON = ZoneInfo("Europe/London")
FRIDAY_4PM = Schedule(4, 16, 0, LONDON, True, "CGROUP")


def at(text: str, zone: ZoneInfo = LONDON) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Fri 16:00", (4, 16, 0)), ("friday 4pm", (4, 16, 0)), ("Tue 9:30am", (1, 9, 30)), ("mon 12am", (0, 0, 0)),
     ("Sun 12pm", (6, 12, 0)), ("th 08:05", (3, 8, 5))],
)
def test_schedules_are_read_in_several_forms(text: str, expected: tuple[int, int, int]) -> None:
    assert parse_schedule(text) == expected


@pytest.mark.parametrize("text", ["Fri", "16:00", "Fryday 16:00", "Fri 25:00", "Fri 13pm", "T 10:00", ""])
def test_unreadable_schedules_are_refused_with_an_example(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_schedule(text)
    assert "/digest schedule Fri 16:00" in str(raised.value)


def test_the_due_period_is_the_week_that_ended_at_the_last_scheduled_moment() -> None:
    period = last_due_period(FRIDAY_4PM, at("2026-11-27T16:00:30"))
    assert period.key == "2026-11-27"
    assert (period.start, period.end) == (at("2026-11-20T16:00"), at("2026-11-27T16:00"))
    assert last_due_period(FRIDAY_4PM, at("2026-11-27T15:59")).key == "2026-11-20"


def test_the_current_period_ends_at_the_next_scheduled_moment() -> None:
    assert current_period(FRIDAY_4PM, at("2026-11-24T09:00")).key == "2026-11-27"
    assert current_period(FRIDAY_4PM, at("2026-11-27T16:00")).key == "2026-12-04"


def test_scheduled_moments_keep_local_time_across_daylight_saving() -> None:
    # Clocks go back in London on Sunday 25 October 2026.
    before = due_at_or_before(FRIDAY_4PM, at("2026-10-23T17:00"))
    after = due_at_or_before(FRIDAY_4PM, at("2026-10-30T17:00"))
    assert (before.hour, after.hour) == (16, 16)
    elapsed = after.astimezone(ZoneInfo("UTC")) - before.astimezone(ZoneInfo("UTC"))
    assert elapsed.total_seconds() == 7 * 24 * 3600 + 3600
    period = last_due_period(FRIDAY_4PM, at("2026-10-30T17:00"))
    assert period.start.astimezone(LONDON).hour == 16


def test_a_schedule_in_new_york_is_read_in_new_york() -> None:
    new_york = Schedule(0, 9, 0, ZoneInfo("America/New_York"), True, None)
    due = due_at_or_before(new_york, datetime.fromisoformat("2026-11-30T15:00:00+00:00"))
    assert due.isoformat() == "2026-11-30T09:00:00-05:00"


def _digest(*sections: DigestSection) -> Digest:
    return Digest("T1", last_due_period(FRIDAY_4PM, at("2026-11-27T17:00")), list(sections))


def test_a_quiet_week_says_so() -> None:
    blocks = digest_blocks(_digest())
    assert "quiet week" in str(blocks)
    assert "quiet week" in digest_text(_digest())
    assert block_kit_problems(blocks, surface="message") == []


def test_a_huge_section_is_cut_with_and_n_more() -> None:
    lines = [DigestLine(f"Issue {i}", "commissioning " * 30, "CGROUP", f"1700000000.{i:06d}") for i in range(500)]
    section = DigestSection("issues", "New issues", lines, total=620, more_hint="`/issue list new`")
    text = section_text(section, link_for=lambda channel, ts: f"https://team.slack.test/archives/{channel}/p{ts}")
    assert len(text) <= 3000
    shown = text.count("• ")
    assert shown >= 5
    assert f"…and {620 - shown} more: `/issue list new`" in text
    assert "• <https://team.slack.test/archives/CGROUP/p1700000000.000000|Issue 0> — commissioning" in text


def test_many_sections_stay_within_slack_limits() -> None:
    sections = [DigestSection(f"s{i}", f"Section {i}", [DigestLine(f"line {j}") for j in range(200)]) for i in range(40)]
    blocks = digest_blocks(_digest(*sections))
    assert len(blocks) <= 50
    assert block_kit_problems(blocks, surface="message") == []
