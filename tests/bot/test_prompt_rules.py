"""The rules behind prompts, without Slack: schedules, time zones, parsing, pace."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.services import prompts as rules
from bot.services.errors import InvalidInput

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
AUCKLAND = ZoneInfo("Pacific/Auckland")
UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize("typed, expected", [
    ("weekly Tue 10:00", rules.ScheduleChoice("weekly", 1, time(10, 0))),
    ("Weekly on Tuesdays at 10am", rules.ScheduleChoice("weekly", 1, time(10, 0))),
    ("fortnightly wednesday 2.30 pm", rules.ScheduleChoice("fortnightly", 2, time(14, 30))),
    ("monthly Thu 9", rules.ScheduleChoice("monthly", 3, time(9, 0))),
    ("every week Fri noon", rules.ScheduleChoice("weekly", 4, time(12, 0))),
    ("weekly mon", rules.ScheduleChoice("weekly", 0, time(10, 0))),
    ("off", rules.ScheduleChoice("off")),
])
def test_schedules_are_read_the_way_people_type_them(typed: str, expected: rules.ScheduleChoice) -> None:
    assert rules.parse_schedule(typed) == expected


@pytest.mark.parametrize("typed, complaint", [
    ("", "how often"),
    ("Tue 10:00", "how often"),
    ("weekly", "which day"),
    ("weekly Tue 24:00", "“24:00” as a time"),
    ("weekly Tue 13pm", "“13pm” as a time"),
    ("weekly Tue sometime", "“sometime”"),
])
def test_a_schedule_that_cannot_be_read_says_why_with_an_example(typed: str, complaint: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        rules.parse_schedule(typed)
    assert complaint in str(raised.value) and "/prompt schedule weekly Tue 10:00" in str(raised.value)


def test_times_of_day() -> None:
    assert rules.parse_time("12am") == time(0, 0)
    assert rules.parse_time("12pm") == time(12, 0)
    assert rules.parse_time("9.05") == time(9, 5)
    assert rules.parse_time("17h30") == time(17, 30)
    assert rules.parse_time("0pm") is None and rules.parse_time("7:60") is None


def test_weekly_fortnightly_and_monthly_days() -> None:
    weekly = rules.Schedule("weekly", 1, time(10, 0))
    assert weekly.occurs_on(date(2026, 11, 24)) and weekly.occurs_on(date(2026, 12, 1))
    assert not weekly.occurs_on(date(2026, 11, 25))
    fortnightly = rules.Schedule("fortnightly", 1, time(10, 0), anchor_on=date(2026, 11, 24))
    assert [fortnightly.occurs_on(date(2026, 11, 24) + (date(2026, 12, 1) - date(2026, 11, 24)) * week)
            for week in range(5)] == [True, False, True, False, True]
    assert fortnightly.occurs_on(date(2026, 11, 10)), "fortnights count backwards too"
    monthly = rules.Schedule("monthly", 1, time(10, 0))
    assert monthly.occurs_on(date(2026, 12, 1)) and not monthly.occurs_on(date(2026, 12, 8))
    assert monthly.occurs_on(date(2027, 1, 5))
    assert not rules.Schedule("off", 1, time(10, 0)).occurs_on(date(2026, 11, 24))


def test_each_member_is_due_at_the_scheduled_time_in_their_own_zone() -> None:
    schedule = rules.Schedule("weekly", 1, time(10, 0), set_at=at("2026-11-23T12:00:00+00:00"))
    members = [("ULONDON", LONDON), ("UNEWYORK", NEW_YORK), ("UAUCKLAND", AUCKLAND)]
    tuesday = date(2026, 11, 24)

    def due(now: str) -> list[str]:
        return [r.user_id for r in rules.due_recipients(schedule, tuesday, members, now=at(now))]

    assert due("2026-11-23T20:59:00+00:00") == []
    assert due("2026-11-23T21:00:00+00:00") == ["UAUCKLAND"]  # 10:00 on Tuesday in Auckland (NZDT)
    assert due("2026-11-24T10:00:00+00:00") == ["ULONDON"]  # Auckland's grace is over
    assert due("2026-11-24T15:30:00+00:00") == ["ULONDON", "UNEWYORK"]
    assert due("2026-11-24T20:59:00+00:00") == ["UNEWYORK"]
    assert due("2026-11-24T21:00:00+00:00") == [], "six hours late is too late"
    assert due("2026-11-25T03:00:00+00:00") == []
    [london] = rules.due_recipients(schedule, tuesday, members[:1], now=at("2026-11-24T11:00:00+00:00"))
    assert london.due_at == at("2026-11-24T10:00:00+00:00")


def test_the_days_due_somewhere_span_every_time_zone_and_nothing_more() -> None:
    schedule = rules.Schedule("weekly", 1, time(10, 0), set_at=at("2026-11-01T00:00:00+00:00"))
    tuesday = date(2026, 11, 24)
    assert schedule.days_due_somewhere(at("2026-11-23T19:59:00+00:00")) == []
    assert schedule.days_due_somewhere(at("2026-11-23T20:00:00+00:00")) == [tuesday]  # UTC+14
    assert schedule.days_due_somewhere(at("2026-11-25T03:59:00+00:00")) == [tuesday]  # UTC-12, within the grace
    assert schedule.days_due_somewhere(at("2026-11-25T04:00:00+00:00")) == []
    assert schedule.days_due_somewhere(at("2026-11-27T12:00:00+00:00")) == []


def test_daylight_saving_keeps_the_local_time() -> None:
    schedule = rules.Schedule("weekly", 6, time(10, 0))
    assert schedule.moment(date(2026, 3, 22), LONDON) == at("2026-03-22T10:00:00+00:00")
    assert schedule.moment(date(2026, 3, 29), LONDON) == at("2026-03-29T09:00:00+00:00")  # BST began


def test_the_next_scheduled_day_is_shown_in_the_groups_zone() -> None:
    schedule = rules.Schedule("weekly", 1, time(10, 0))
    assert schedule.next_day(at("2026-11-24T09:00:00+00:00"), LONDON) == date(2026, 11, 24)
    assert schedule.next_day(at("2026-11-24T10:01:00+00:00"), LONDON) == date(2026, 12, 1)
    assert rules.Schedule().next_day(at("2026-11-24T09:00:00+00:00"), LONDON) is None


def test_nudges_and_moves_and_numbers() -> None:
    assert rules.parse_nudge("3") == 3 and rules.parse_nudge("after 5 days") == 5 and rules.parse_nudge("2d") == 2
    assert rules.parse_nudge("off") is None
    for bad in ("", "0.5", "29", "soon"):
        with pytest.raises(InvalidInput):
            rules.parse_nudge(bad)
    assert rules.parse_move("#7 to 1") == (7, "1") and rules.parse_move("7 top") == (7, "top")
    assert rules.parse_number("#12", example="x") == 12
    with pytest.raises(InvalidInput):
        rules.parse_number("0", example="x")


def test_questions_are_trimmed_unquoted_and_kept_to_a_sensible_length() -> None:
    assert rules.clean_question("  “What   changed?  Tell us.” ", example="x") == "What changed?  Tell us.".replace("  ", " ")
    with pytest.raises(InvalidInput):
        rules.clean_question("Why?", example="x")
    with pytest.raises(InvalidInput):
        rules.clean_question("Why " * 200, example="x")


def test_three_unanswered_prompts_in_a_row_means_no_nudge() -> None:
    assert rules.quiet_lately([False, False, False])
    assert not rules.quiet_lately([False, True, False])
    assert not rules.quiet_lately([False, False]), "newcomers with fewer than three prompts are nudged"
    assert not rules.quiet_lately([])


def test_short_thanks_after_answering_are_not_answers() -> None:
    for text in ("Thanks!", "thank you", "OK.", ":+1:", "👍", "Cheers"):
        assert rules.is_pleasantry(text), text
    for text in ("Thanks for asking: short contracts kill us.", "No", "ok so the real problem is cash flow"):
        assert not rules.is_pleasantry(text), text


def test_the_shipped_bank_is_substantial_and_well_formed() -> None:
    bank = rules.shipped_bank()
    assert len(bank) >= 15
    assert len({item.key for item in bank}) == len(bank)
    assert len({item.question for item in bank}) == len(bank)
    for item in bank:
        assert rules.MIN_QUESTION <= len(item.question) <= rules.MAX_QUESTION
        assert item.question.rstrip().endswith(("?", ".")), item.key
    text = " ".join(item.question.lower() for item in bank)
    for theme in ("lead provider", "bid", "trust", "commissioner", "contract", "monitoring", "evidence"):
        assert theme in text, theme
