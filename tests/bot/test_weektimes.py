"""The words for days and times every area reads through bot.services.weektimes."""

from __future__ import annotations

from datetime import time

import pytest

from bot.services.weektimes import clock_time, weekday_by_prefix, weekday_word


@pytest.mark.parametrize(("word", "day"), [("tue", 1), ("tues", 1), ("tuesday", 1), ("tuesdays", 1),
                                           ("sun", 6), ("mon", 0), ("tue.", None), ("Tue", None), ("tu", None)])
def test_a_weekday_word_is_read_as_written(word: str, day: int | None) -> None:
    assert weekday_word(word) == day


@pytest.mark.parametrize(("word", "day"), [("fr", 4), ("Frid", 4), ("th", 3), ("tu", 1), ("SUNDAY", 6),
                                           ("t", None), ("s", None), ("Mondays", None), ("xyz", None)])
def test_a_weekday_can_be_named_by_the_start_of_its_name(word: str, day: int | None) -> None:
    assert weekday_by_prefix(word) == day


@pytest.mark.parametrize(("hour", "minute", "meridiem", "expected"), [
    (9, 30, None, time(9, 30)), (12, 0, "a", time(0, 0)), (12, 0, "p", time(12, 0)), (2, 15, "p", time(14, 15)),
    (0, 0, None, time(0, 0)), (23, 59, None, time(23, 59)),
    (13, 0, "p", None), (0, 0, "a", None), (24, 0, None, None), (10, 60, None, None),
])
def test_an_hour_becomes_a_time_of_day(hour: int, minute: int, meridiem: str | None, expected: time | None) -> None:
    assert clock_time(hour, minute, meridiem) == expected
