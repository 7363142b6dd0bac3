"""Reading days, times and the group's meeting hours as coordinators type them."""

from __future__ import annotations

from datetime import time

import pytest

from bot.services.errors import InvalidInput
from bot.services.meeting_hours import (
    DEFAULT_MEETING_HOURS,
    EXAMPLE,
    MeetingHours,
    MeetingWindow,
    from_setting,
    parse_meeting_hours,
)
from bot.services.weektimes import describe_days, parse_days, parse_time, parse_time_range, weekday_of


@pytest.mark.parametrize(("typed", "day"), [("Mon", 0), ("tues", 1), ("Wednesdays", 2), ("THU", 3), ("sun", 6),
                                             ("funday", None), ("", None)])
def test_days_of_the_week(typed: str, day: int | None) -> None:
    assert weekday_of(typed) == day


@pytest.mark.parametrize(("typed", "expected"), [
    ("10", time(10)), ("10am", time(10)), ("2.30pm", time(14, 30)), ("14:30", time(14, 30)), ("12am", time(0)),
    ("12pm", time(12)), ("noon", time(12)), ("9 pm", time(21)), ("13pm", None), ("24:00", None), ("10:75", None),
])
def test_times_of_day(typed: str, expected: time | None) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize(("typed", "days"), [
    ("weekdays", {0, 1, 2, 3, 4}), ("every day", set(range(7))), ("weekends", {5, 6}), ("Mon-Thu", {0, 1, 2, 3}),
    ("Fri-Mon", {4, 5, 6, 0}), ("Mon, Wed and Fri", {0, 2, 4}), ("sat", {5}), ("Mon–Wed", {0, 1, 2}),
    ("someday", None),
])
def test_sets_of_days(typed: str, days: set[int] | None) -> None:
    found = parse_days(typed)
    assert (None if found is None else set(found)) == days


@pytest.mark.parametrize(("typed", "expected"), [
    ("18:00-21:00", (time(18), time(21))), ("6pm to 9pm", (time(18), time(21))), ("6-9pm", (time(18), time(21))),
    ("9am–5.30pm", (time(9), time(17, 30))), ("11-1pm", (time(11), time(13))), ("evening", None),
])
def test_time_ranges(typed: str, expected: tuple[time, time] | None) -> None:
    assert parse_time_range(typed) == expected


def test_days_are_described_briefly() -> None:
    assert [describe_days(frozenset(d)) for d in ({0, 1, 2, 3, 4}, set(range(7)), {5, 6}, {0, 1, 2}, {0, 2})] == [
        "weekdays", "every day", "weekends", "Mon–Wed", "Mon, Wed"]


def test_the_default_covers_weekday_evenings() -> None:
    assert DEFAULT_MEETING_HOURS.describe() == "weekdays 09:00–21:00"
    assert DEFAULT_MEETING_HOURS.on(2) == [(time(9), time(21))] and DEFAULT_MEETING_HOURS.on(5) == []


def test_several_stretches_with_semicolons_or_commas() -> None:
    hours = parse_meeting_hours("weekdays 18:00-21:00; Sat 10am-1pm, Sun 2-4pm")
    assert hours.describe() == "weekdays 18:00–21:00, Sat 10:00–13:00 and Sun 14:00–16:00"
    assert hours.on(5) == [(time(10), time(13))] and hours.on(1) == [(time(18), time(21))]
    assert parse_meeting_hours("18:00-21:00").describe() == "every day 18:00–21:00"


def test_what_is_stored_and_what_is_shown_read_back_the_same() -> None:
    hours = parse_meeting_hours("Mon, Wed 18:00-20:30; weekends 10:00-12:00")
    assert from_setting(hours.to_setting()) == hours
    assert parse_meeting_hours(hours.as_typed()) == hours
    assert from_setting(None) == DEFAULT_MEETING_HOURS
    assert from_setting("garbage") == DEFAULT_MEETING_HOURS


@pytest.mark.parametrize(("typed", "says"), [
    ("", "Say which days and times"), ("weekdays", "as meeting hours"), ("Funday 18:00-21:00", "“Funday”"),
    ("weekdays 21:00-18:00", "at least 15 minutes"), ("weekdays 18:00-21:00 and more", "“and more”"),
])
def test_bad_meeting_hours_name_what_is_wrong(typed: str, says: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_meeting_hours(typed)
    assert says in raised.value.message and raised.value.example == EXAMPLE
    parse_meeting_hours(EXAMPLE.split("meeting-hours ", 1)[1])  # the example itself is readable


def test_overlapping_stretches_on_one_day_are_both_kept() -> None:
    hours = MeetingHours((MeetingWindow(frozenset({0}), time(9), time(12)),
                          MeetingWindow(frozenset({0}), time(11), time(14))))
    assert hours.on(0) == [(time(9), time(12)), (time(11), time(14))]
