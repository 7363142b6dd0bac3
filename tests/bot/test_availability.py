"""Who is free when: weekly patterns in each member's own time zone, dates away, the group's week."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.services.availability import (
    ALL_SLOTS,
    PARTS_OF_DAY,
    DateRange,
    MemberAvailability,
    add_away_range,
    clean_organisation,
    describe_pattern,
    describe_range,
    matching_organisations,
    new_away_range,
    parse_hours,
    parse_slots,
    part_of_day_at,
    remove_away_range,
    week_grid,
    who_is_free,
)
from bot.services.errors import InvalidInput
from storage.models.availability import PART_NAMES

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
UTC = timezone.utc
MONDAY = date(2026, 11, 23)


def at(text: str, zone: ZoneInfo = LONDON) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def member(user_id: str, slots: set[tuple[int, str]], zone: ZoneInfo = LONDON, away: tuple[DateRange, ...] = (),
           hours: int | None = None) -> MemberAvailability:
    return MemberAvailability(user_id, zone, frozenset(slots), away, hours)


def test_parts_of_the_day_are_defined_once_and_match_what_the_database_accepts() -> None:
    assert tuple(part.name for part in PARTS_OF_DAY) == PART_NAMES
    assert [(p.start, p.end) for p in PARTS_OF_DAY] == [(9, 12), (12, 17), (17, 21)]
    assert part_of_day_at(at("2026-11-23 08:59").time()) is None
    assert part_of_day_at(at("2026-11-23 09:00").time()).name == "morning"
    assert part_of_day_at(at("2026-11-23 12:00").time()).name == "afternoon"
    assert part_of_day_at(at("2026-11-23 20:59").time()).name == "evening"
    assert part_of_day_at(at("2026-11-23 21:00").time()) is None


def test_free_at_an_instant_reads_the_members_own_clock() -> None:
    alice = member("UALICE", {(0, "morning")})  # Monday mornings, London
    ben = member("UBEN", {(0, "morning")}, NEW_YORK)  # Monday mornings, New York
    ten_london = at("2026-11-23 10:00")
    assert alice.free_at(ten_london)
    assert not ben.free_at(ten_london)  # 05:00 in New York
    assert ben.free_at(at("2026-11-23 15:00"))  # 10:00 in New York
    assert who_is_free([alice, ben], ten_london).free == ("UALICE",)


def test_a_slot_must_be_covered_entirely() -> None:
    both = member("U1", {(1, "morning"), (1, "afternoon")})
    morning_only = member("U2", {(1, "morning")})
    start, end = at("2026-11-24 11:00"), at("2026-11-24 13:00")  # Tuesday, across noon
    result = who_is_free([both, morning_only], start, end)
    assert result.free == ("U1",)
    assert result.busy == ("U2",)
    # The night is never free, even between two ticked evenings and mornings.
    night = member("U3", {(1, "evening"), (2, "morning")})
    assert not night.free_between(at("2026-11-24 20:00"), at("2026-11-25 10:00"))
    assert night.free_between(at("2026-11-24 19:00"), at("2026-11-24 21:00"))


def test_away_members_are_reported_away_by_their_own_calendar() -> None:
    away = (DateRange(date(2026, 11, 24), date(2026, 11, 24)),)
    alice = member("UALICE", {(1, "morning"), (2, "morning")}, away=away)
    ben = member("UBEN", {(1, "evening"), (0, "evening")}, NEW_YORK, away=away)
    tuesday_ten = at("2026-11-24 10:00")
    assert who_is_free([alice], tuesday_ten).away == ("UALICE",)
    # 00:30 on Tuesday in London is still Monday evening in New York: Ben is not away yet.
    monday_night_ny = at("2026-11-24 00:30", UTC)
    result = who_is_free([ben], monday_night_ny)
    assert result.free == ("UBEN",) and result.away == ()
    # Dates away can be ignored, for the standing pattern.
    assert who_is_free([alice], tuesday_ten, mind_away=False).free == ("UALICE",)


def test_daylight_saving_changes_are_followed() -> None:
    # London springs forward on Sun 29 Mar 2026; New York did on 8 Mar. A 9:00 London morning is
    # 08:00 UTC afterwards and 09:00 UTC before.
    alice = member("UALICE", {(0, "morning")})
    assert alice.free_between(datetime(2026, 3, 23, 9, tzinfo=UTC), datetime(2026, 3, 23, 12, tzinfo=UTC))
    assert not alice.free_between(datetime(2026, 3, 23, 8, tzinfo=UTC), datetime(2026, 3, 23, 9, tzinfo=UTC))
    assert alice.free_between(datetime(2026, 3, 30, 8, tzinfo=UTC), datetime(2026, 3, 30, 11, tzinfo=UTC))
    assert not alice.free_between(datetime(2026, 3, 30, 11, tzinfo=UTC), datetime(2026, 3, 30, 12, tzinfo=UTC))


def test_the_week_grid_counts_everyone_in_one_zone_simply() -> None:
    members = [
        member("U1", {(0, "morning"), (0, "evening")}),
        member("U2", {(0, "morning"), (4, "afternoon")}),
        member("U3", set(ALL_SLOTS)),
    ]
    grid = week_grid(members, LONDON, MONDAY)
    assert grid.total == 3
    assert grid.count(0, "morning") == 3
    assert grid.count(0, "evening") == 2
    assert grid.count(4, "afternoon") == 2
    assert grid.count(6, "evening") == 1
    assert grid.best(2)[0][0] == 0 and grid.best(2)[0][2] == 3


def test_the_week_grid_moves_members_into_the_viewers_zone() -> None:
    # Ben in New York is free Monday afternoons (12–17 there = 17–22 in London).
    ben = member("UBEN", {(0, "afternoon")}, NEW_YORK)
    alice = member("UALICE", {(0, "evening")})
    in_london = week_grid([ben, alice], LONDON, MONDAY)
    assert in_london.count(0, "afternoon") == 0
    assert in_london.count(0, "evening") == 2  # 17–21 London is 12–16 New York
    in_new_york = week_grid([ben, alice], NEW_YORK, MONDAY)
    assert in_new_york.count(0, "afternoon") == 2  # 12–17 New York: both at once from 12:00 to 16:00
    assert in_new_york.count(0, "evening") == 0


def test_hours_are_whole_numbers_within_a_month() -> None:
    assert parse_hours("") is None
    assert parse_hours(None) is None
    assert parse_hours("6") == 6
    assert parse_hours("10 hours") == 10
    for bad in ("lots", "-1", "2.5", "745"):
        with pytest.raises(InvalidInput):
            parse_hours(bad)


def test_slots_come_from_checkbox_values_only() -> None:
    assert parse_slots(["0:morning", "6:evening"]) == {(0, "morning"), (6, "evening")}
    for bad in ("7:morning", "0:night", "monday"):
        with pytest.raises(InvalidInput):
            parse_slots([bad])


def test_away_ranges_are_checked() -> None:
    today = date(2026, 11, 24)
    assert new_away_range(date(2026, 12, 1), None, today=today) == DateRange(date(2026, 12, 1), date(2026, 12, 1))
    with pytest.raises(InvalidInput, match="before the first"):
        new_away_range(date(2026, 12, 5), date(2026, 12, 1), today=today)
    with pytest.raises(InvalidInput, match="already over"):
        new_away_range(date(2026, 11, 1), date(2026, 11, 20), today=today)
    with pytest.raises(InvalidInput, match="first day"):
        new_away_range(None, date(2026, 12, 1), today=today)
    with pytest.raises(InvalidInput, match="at most a year"):
        new_away_range(date(2026, 12, 1), date(2028, 12, 1), today=today)
    # Away since last week and back next week is fine: they are away now.
    assert new_away_range(date(2026, 11, 20), date(2026, 11, 30), today=today).days == 11


def test_overlapping_and_touching_ranges_merge() -> None:
    first = DateRange(date(2026, 12, 21), date(2026, 12, 27), "Christmas")
    ranges = add_away_range([first], DateRange(date(2026, 12, 28), date(2027, 1, 3), "New Year"))
    assert ranges == [DateRange(date(2026, 12, 21), date(2027, 1, 3))]
    assert ranges[0].note == "Christmas; New Year"
    apart = add_away_range(ranges, DateRange(date(2027, 2, 1), date(2027, 2, 2)))
    assert len(apart) == 2
    assert remove_away_range(apart, date(2027, 2, 1), date(2027, 2, 2)) == ranges


def test_too_many_ranges_are_refused() -> None:
    ranges: list[DateRange] = []
    for week in range(15):
        start = date(2027, 1, 4) + timedelta(weeks=week)
        ranges = add_away_range(ranges, DateRange(start, start))
    with pytest.raises(InvalidInput, match="up to 15"):
        add_away_range(ranges, DateRange(date(2028, 1, 1), date(2028, 1, 1)))


def test_organisations_are_spelled_as_others_already_spell_them() -> None:
    known = ["Riverside Food Bank", "Hope Trust"]
    assert clean_organisation("  riverside food-bank ", known) == "Riverside Food Bank"
    assert clean_organisation("New Org", known) == "New Org"
    assert clean_organisation("   ", known) is None
    with pytest.raises(InvalidInput):
        clean_organisation("x" * 141, known)
    assert matching_organisations(known + ["Food for All"], "food") == ["Food for All", "Riverside Food Bank"]


def test_patterns_and_ranges_read_well() -> None:
    weekday_mornings = {(day, "morning") for day in range(5)}
    assert describe_pattern(weekday_mornings | {(1, "evening"), (3, "evening")}) == "Mon–Fri mornings · Tue, Thu evenings"
    assert describe_pattern({(d, "afternoon") for d in range(7)}) == "afternoons every day"
    assert describe_pattern(set()) == "no regular free times"
    assert describe_range(DateRange(date(2026, 12, 21), date(2027, 1, 3))) == "Mon 21 Dec 2026 – Sun 3 Jan 2027"
    assert describe_range(DateRange(date(2026, 12, 1), date(2026, 12, 4))) == "Tue 1 Dec – Fri 4 Dec"
