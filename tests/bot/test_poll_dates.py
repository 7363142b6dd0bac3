"""Reading typed poll options and deadlines in the typist's time zone, from an injected "now"."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.services.errors import InvalidInput
from bot.services.poll_dates import OptionsInvalid, parse_deadline, parse_options, parse_when, warm

# Tuesday 24 November 2026, 09:00 in London.
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def local(text: str, zone: ZoneInfo = LONDON) -> tuple[str, timedelta | None, bool]:
    when = parse_when(text, now=NOW, zone=zone)
    return when.starts_at.astimezone(zone).strftime("%a %d %b %Y %H:%M"), when.duration, when.all_day


@pytest.mark.parametrize(("typed", "expected"), [
    ("Tue 1 Dec 10am", ("Tue 01 Dec 2026 10:00", None, False)),
    ("tues 1st Dec at 10.30am", ("Tue 01 Dec 2026 10:30", None, False)),
    ("1/12 14:00", ("Tue 01 Dec 2026 14:00", None, False)),
    ("2026-12-02 14:00", ("Wed 02 Dec 2026 14:00", None, False)),
    ("next Tuesday 2pm", ("Tue 01 Dec 2026 14:00", None, False)),
    ("tomorrow at noon", ("Wed 25 Nov 2026 12:00", None, False)),
    ("1 Jan", ("Fri 01 Jan 2027 00:00", None, True)),
])
def test_dates_and_times_are_read_day_first_in_the_future(typed: str, expected: tuple) -> None:
    assert local(typed) == expected


@pytest.mark.parametrize(("typed", "start", "hours"), [
    ("Wed 2 Dec 2-4pm", "14:00", 2),
    ("Wed 2 Dec 2–4pm", "14:00", 2),
    ("Wed 2 Dec 14:00-16:00", "14:00", 2),
    ("Wed 2 Dec 2pm to 4pm", "14:00", 2),
    ("Wed 2 Dec from 10:30 until 12", "10:30", 1.5),
    ("Wed 2 Dec 11-1pm", "11:00", 2),
    ("Wed 2 Dec 10am-2", "10:00", 4),
    ("Wed 2 Dec 10pm-1am", "22:00", 3),
    ("noon-2pm tomorrow", "12:00", 2),
])
def test_time_ranges_give_a_start_and_a_duration(typed: str, start: str, hours: float) -> None:
    shown, duration, all_day = local(typed)
    assert shown.endswith(start) and duration == timedelta(hours=hours) and not all_day


def test_a_date_alone_is_a_whole_day() -> None:
    when = parse_when("Thu 3 Dec", now=NOW, zone=LONDON)
    assert when.all_day and when.duration is None
    assert when.local_date(LONDON).isoformat() == "2026-12-03"
    assert when.starts_at == datetime(2026, 12, 3, tzinfo=timezone.utc)


def test_options_are_read_in_the_authors_time_zone_and_stored_in_utc() -> None:
    london = parse_when("Tue 1 Dec 10am", now=NOW, zone=LONDON)
    new_york = parse_when("Tue 1 Dec 10am", now=NOW, zone=NEW_YORK)
    assert london.starts_at == datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
    assert new_york.starts_at == datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)
    summer = parse_when("Tue 1 Jun 2027 10am", now=NOW, zone=LONDON)
    assert summer.starts_at == datetime(2027, 6, 1, 9, 0, tzinfo=timezone.utc)


def test_relative_dates_count_from_the_injected_clock_in_the_authors_zone() -> None:
    # 23:30 in New York on 24 Nov is already 25 Nov in UTC; "tomorrow" is still the 25th there.
    late = datetime(2026, 11, 25, 4, 30, tzinfo=timezone.utc)
    when = parse_when("tomorrow at noon", now=late, zone=NEW_YORK)
    assert when.starts_at.astimezone(NEW_YORK).strftime("%d %H:%M") == "25 12:00"
    a_year_on = parse_when("tomorrow at noon", now=NOW + timedelta(days=365), zone=LONDON)
    assert a_year_on.starts_at.astimezone(LONDON).strftime("%Y-%m-%d") == "2027-11-25"


@pytest.mark.parametrize(("typed", "says"), [
    ("Tue 3 Dec", "3 Dec 2026 is a Thursday, not a Tuesday"),
    ("Mon 23 Nov 10am", "23 Nov 2026 is in the past"),
    ("23 Nov", "23 Nov 2026 is in the past"),
    ("23 Nov 2026 10am", "in the past"),
    ("today 8am", "in the past"),
    ("yesterday", "in the past"),
    ("lunch with the commissioners", "can't read that"),
    ("next week", "name the day"),
    ("Wed 2 Dec 1-3", "Add am or pm"),
    ("x" * 201, "longer than 200"),
])
def test_options_that_cannot_be_used_say_why(typed: str, says: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_when(typed, now=NOW, zone=LONDON)
    assert says in raised.value.message


def test_a_weekday_mismatch_suggests_the_right_weekday() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_when("Tue 3 Dec 10am", now=NOW, zone=LONDON)
    assert raised.value.example == "Thu 3 Dec 10am"


def test_today_later_on_is_not_in_the_past() -> None:
    assert local("today 10am")[0] == "Tue 24 Nov 2026 10:00"
    assert local("today") == ("Tue 24 Nov 2026 00:00", None, True)


def test_every_bad_option_is_named_with_its_line_and_nothing_is_accepted() -> None:
    lines = ["Tue 1 Dec 10am", "", "Tuesday 1 December 10:00", "Tue 3 Dec", "blah", "Thu 3 Dec"]
    with pytest.raises(OptionsInvalid) as raised:
        parse_options(lines, now=NOW, zone=LONDON, limit=22)
    problems = raised.value.problems
    assert [(p.line, p.text) for p in problems] == [(3, "Tuesday 1 December 10:00"), (4, "Tue 3 Dec"), (5, "blah")]
    assert "same time as “Tue 1 Dec 10am”" in problems[0].reason
    assert "Try “Thu 3 Dec”" in problems[1].reason
    per_line = raised.value.per_line()
    assert "Line 4 “Tue 3 Dec”: 3 Dec 2026 is a Thursday" in per_line and "Line 5 “blah”" in per_line
    assert "nothing was created" in str(raised.value)


def test_more_options_than_a_poll_can_show_are_refused() -> None:
    lines = [f"{day} Dec 2026 10am" for day in range(1, 24)]
    assert len(parse_options(lines[:22], now=NOW, zone=LONDON, limit=22)) == 22
    with pytest.raises(OptionsInvalid) as raised:
        parse_options(lines, now=NOW, zone=LONDON, limit=22)
    assert "at most 22 options" in raised.value.problems[0].reason


def test_no_options_at_all_is_refused() -> None:
    with pytest.raises(InvalidInput):
        parse_options(["", "  "], now=NOW, zone=LONDON, limit=22)


def test_deadlines_are_moments_and_a_date_means_the_end_of_that_day() -> None:
    assert parse_deadline("Fri 27 Nov 5pm", now=NOW, zone=LONDON) == datetime(2026, 11, 27, 17, tzinfo=timezone.utc)
    assert parse_deadline("Fri 27 Nov", now=NOW, zone=LONDON) == datetime(2026, 11, 27, 23, 59, tzinfo=timezone.utc)
    with pytest.raises(InvalidInput, match="not a range"):
        parse_deadline("Fri 27 Nov 2-4pm", now=NOW, zone=LONDON)


def test_warming_up_loads_the_parser() -> None:
    warm()  # raises if dateparser cannot parse the samples
