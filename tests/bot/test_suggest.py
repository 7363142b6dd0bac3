"""`/meet suggest`: reading the request, ranking slots across time zones, and the poll it can start."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from bot.services.availability import ALL_SLOTS, DateRange, MemberAvailability
from bot.services.errors import InvalidInput
from bot.services.meeting_hours import MeetingHours, MeetingWindow
from bot.services.poll_dates import parse_deadline, parse_options
from bot.services.suggest import (
    DEFAULT_TITLE,
    MAX_SUGGESTIONS,
    Proposal,
    Slot,
    Window,
    candidate_slots,
    deadline_label,
    describe_length,
    option_label,
    parse_request,
    pick,
    poll_deadline,
    poll_draft,
    proposal,
    rank,
    suggest,
    upcoming_starts,
)
from bot.views.blocks import MAX_BUTTON_VALUE

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
UTC = timezone.utc
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday 24 November 2026, 09:00 in London
WEEKDAYS = range(5)
# Office hours, for the tests about how a day's window is cut into slots.
OFFICE = MeetingHours((MeetingWindow(frozenset(WEEKDAYS), time(9), time(17, 30)),))


def at(text: str, zone: ZoneInfo = LONDON) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def person(user_id: str, parts: tuple[str, ...], zone: ZoneInfo = LONDON, *, days: range = WEEKDAYS,
           away: tuple[DateRange, ...] = ()) -> MemberAvailability:
    return MemberAvailability(user_id, zone, frozenset((d, p) for d in days for p in parts), away)


def request(text: str, *, now: datetime = NOW, zone: ZoneInfo = LONDON):  # type: ignore[no-untyped-def]
    return parse_request(text, now=now, zone=zone, home=LONDON)


def window(first: str, last: str) -> Window:
    return Window(date.fromisoformat(first), date.fromisoformat(last), "test")


# Reading the request ------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, minutes", [
    ("90m", 90), ("90 min", 90), ("45 min", 45), ("45 minutes", 45), ("1h", 60), ("1 hour", 60), ("an hour", 60),
    ("1h30", 90), ("1h30m", 90), ("1h 30m", 90), ("1 hour 30 minutes", 90), ("1.5h", 90), ("1,5 hours", 90),
    ("2 hours", 120), ("two hours", 120), ("2hrs", 120), ("half an hour", 30), ("an hour and a half", 90),
    ("8h", 480), ("15m", 15),
])
def test_lengths_are_read_in_the_forms_people_type(typed: str, minutes: int) -> None:
    assert request(f"{typed} next 2 weeks").length == timedelta(minutes=minutes)
    assert request(typed).length == timedelta(minutes=minutes)


def test_everything_left_out_means_an_hour_over_the_next_two_weeks() -> None:
    read = request("")
    assert read.length == timedelta(hours=1)
    assert (read.window.first_day, read.window.last_day) == (date(2026, 11, 24), date(2026, 12, 8))
    assert read.channel_id is None and read.title is None


@pytest.mark.parametrize("typed, first, last", [
    ("next 2 weeks", "2026-11-24", "2026-12-08"),
    ("over the next 3 weeks", "2026-11-24", "2026-12-15"),
    ("next 10 days", "2026-11-24", "2026-12-04"),
    ("within a fortnight", "2026-11-24", "2026-12-08"),
    ("next week", "2026-11-30", "2026-12-06"),  # the calendar week after this one
    ("this week", "2026-11-24", "2026-11-29"),
    ("today", "2026-11-24", "2026-11-24"),
    ("tomorrow", "2026-11-25", "2026-11-25"),
    ("until Fri 11 Dec", "2026-11-24", "2026-12-11"),
    ("by 11/12", "2026-11-24", "2026-12-11"),
    ("before Fri 11 Dec", "2026-11-24", "2026-12-10"),
    ("next 6 weeks", "2026-11-24", "2027-01-05"),
])
def test_windows(typed: str, first: str, last: str) -> None:
    read = request(f"90m {typed}").window
    assert (read.first_day.isoformat(), read.last_day.isoformat()) == (first, last)


def test_the_parts_may_come_in_any_order_with_a_channel_and_a_title() -> None:
    read = request('“Steering group” next week in <#C0WG123|wg-commissioning> 2 hours')
    assert read.length == timedelta(hours=2)
    assert read.channel_id == "C0WG123"
    assert read.title == "Steering group"
    assert read.window.words == "next week"


def test_a_title_is_kept_as_typed_not_as_slack_escaped_it() -> None:
    assert request('1h "R&amp;D &lt;catch-up&gt;"').title == "R&D <catch-up>"


def test_days_are_the_groups_but_a_date_is_read_in_the_typists_zone() -> None:
    # 23:30 on Monday in New York is already Tuesday in London: "today" is the group's Tuesday.
    late = datetime(2026, 11, 24, 4, 30, tzinfo=UTC)
    assert request("today", now=late, zone=NEW_YORK).window.first_day == date(2026, 11, 24)
    assert request("until tomorrow", now=late, zone=NEW_YORK).window.last_day == date(2026, 11, 24)


@pytest.mark.parametrize("typed, says", [
    ("10m", "too short"),
    ("9h", "longer than a meeting"),
    ("1h75", "more than 59 minutes"),
    ("next 7 weeks", "too far ahead"),
    ("90m until 1 Feb", "too far ahead"),
    ("90m next 0 days", "whole number"),
    ("90m whenever", "I can't read “whenever” as when to look"),
    ("90 next week", "minutes or hours"),
    ("90m 2h", "Give one length"),
    ("90m in #nowhere", "I can't find the channel #nowhere"),
    ('90m "Steering', "never closed"),
    ('90m ""', "empty"),
    ("90m until Tue 3 Dec", "3 Dec 2026 is a Thursday"),
    ("90m until 20 Nov 2026", "in the past"),
    ("in <#C1|a> in <#C2|b>", "one channel"),
])
def test_unreadable_requests_say_what_was_wrong_with_an_example(typed: str, says: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        request(typed)
    assert says in raised.value.message
    assert raised.value.example and raised.value.example.startswith("/meet suggest")
    if typed != "90m until Tue 3 Dec":  # every example must itself be readable
        request(raised.value.example.removeprefix("/meet suggest").split(" in #")[0].split(' "')[0])


def test_lengths_are_described_briefly() -> None:
    assert [describe_length(timedelta(minutes=m)) for m in (45, 60, 90, 120, 150)] == [
        "45 min", "1 hour", "90 min", "2 hours", "2 h 30"]


# Candidates -------------------------------------------------------------------------------------------


def test_candidates_start_on_the_half_hour_in_meeting_hours_after_now_on_weekdays() -> None:
    now = at("2026-11-27 15:10")  # a Friday afternoon
    found = candidate_slots(now=now, window=window("2026-11-27", "2026-11-30"), length=timedelta(minutes=90),
                            zone=LONDON, hours=OFFICE)
    local = [(s.astimezone(LONDON).strftime("%a %H:%M"), e.astimezone(LONDON).strftime("%H:%M")) for s, e, _ in found]
    assert local[0] == ("Fri 15:30", "17:00")
    assert local[1] == ("Fri 16:00", "17:30")  # the last one that ends by 17:30
    assert ("Mon 09:00", "10:30") in local and not any(day.startswith(("Sat", "Sun")) for day, _ in local)
    assert local[-1] == ("Mon 16:00", "17:30")
    assert len(local) == 2 + 15
    assert OFFICE.describe() == "weekdays 09:00–17:30"


def test_a_slot_starting_exactly_now_is_not_offered() -> None:
    found = candidate_slots(now=at("2026-11-24 09:00"), window=window("2026-11-24", "2026-11-24"),
                            length=timedelta(hours=1), zone=LONDON)
    assert found[0][0] == at("2026-11-24 09:30")


def test_meeting_hours_stay_at_nine_local_across_a_daylight_saving_change() -> None:
    # UK clocks go back on Sunday 25 October 2026.
    found = candidate_slots(now=at("2026-10-23 06:00"), window=window("2026-10-23", "2026-10-26"),
                            length=timedelta(hours=1), zone=LONDON)
    firsts = {day: start for start, _, day in reversed(found)}
    assert firsts[date(2026, 10, 23)] == datetime(2026, 10, 23, 8, tzinfo=UTC)  # 09:00 BST
    assert firsts[date(2026, 10, 26)] == datetime(2026, 10, 26, 9, tzinfo=UTC)  # 09:00 GMT


# Ranking --------------------------------------------------------------------------------------------


def test_each_member_is_judged_on_their_own_clock() -> None:
    # London mornings and New York mornings never meet; London afternoons and New York mornings
    # meet from 14:00 to 17:00 London time (09:00-12:00 in New York).
    london_mornings = person("ULONAM", ("morning",))
    new_york_mornings = person("UNYCAM", ("morning",), NEW_YORK)
    london_afternoons = person("ULONPM", ("afternoon",))
    slots = rank([london_mornings, new_york_mornings, london_afternoons], organisations={},
                 length=timedelta(hours=1), window=window("2026-11-30", "2026-12-04"), now=NOW, zone=LONDON)
    assert not any({"ULONAM", "UNYCAM"} <= set(slot.free) for slot in slots)
    pairs = [slot for slot in slots if len(slot.free) == 2]
    assert {slot.free for slot in pairs} == {("UNYCAM", "ULONPM")}
    starts = sorted({slot.starts_at.astimezone(LONDON).time() for slot in pairs})
    assert starts == [time(14), time(14, 30), time(15), time(15, 30), time(16)]
    assert {slot.day for slot in pairs} == {date(2026, 11, 30) + timedelta(days=n) for n in range(5)}

    found = suggest([london_mornings, new_york_mornings, london_afternoons], audience=["ULONAM", "UNYCAM", "ULONPM"],
                    organisations={}, length=timedelta(hours=1), window=window("2026-11-30", "2026-12-04"),
                    now=NOW, zone=LONDON)
    assert len(found.slots) == MAX_SUGGESTIONS
    assert all(slot.free == ("UNYCAM", "ULONPM") for slot in found.slots)
    assert [slot.starts_at.astimezone(LONDON).strftime("%a %H:%M") for slot in found.slots] == [
        "Mon 14:00", "Tue 14:00", "Wed 14:00", "Thu 14:00", "Fri 14:00"]


def test_the_overlap_moves_while_only_one_side_has_changed_its_clocks() -> None:
    # The UK leaves summer time on 25 October 2026, the US on 1 November: for that week New York
    # is four hours behind London, so its mornings meet London afternoons an hour earlier.
    new_york_mornings = person("UNYC", ("morning",), NEW_YORK)
    london_afternoons = person("ULON", ("afternoon",))
    slots = rank([new_york_mornings, london_afternoons], organisations={}, length=timedelta(hours=1),
                 window=window("2026-10-19", "2026-11-06"), now=at("2026-10-19 06:00"), zone=LONDON)
    both: dict[date, list[str]] = {}
    for slot in slots:
        if len(slot.free) == 2:
            both.setdefault(slot.day, []).append(slot.starts_at.astimezone(LONDON).strftime("%H:%M"))
    assert both[date(2026, 10, 20)] == ["14:00", "14:30", "15:00", "15:30", "16:00"]  # BST and EDT
    assert both[date(2026, 10, 27)] == ["13:00", "13:30", "14:00", "14:30", "15:00"]  # GMT and EDT
    assert both[date(2026, 11, 3)] == ["14:00", "14:30", "15:00", "15:30", "16:00"]  # GMT and EST
    assert len(both) == 15  # every weekday of the three weeks


def test_dates_away_are_read_on_the_members_own_calendar() -> None:
    away = (DateRange(date(2026, 12, 1), date(2026, 12, 2)),)
    traveller = person("UAWAY", ("morning", "afternoon"), NEW_YORK, away=away)
    stayer = person("UHOME", ("morning", "afternoon"))
    slots = rank([traveller, stayer], organisations={}, length=timedelta(hours=1),
                 window=window("2026-11-30", "2026-12-04"), now=NOW, zone=LONDON)
    days_free = {slot.day for slot in slots if "UAWAY" in slot.free}
    assert days_free == {date(2026, 11, 30), date(2026, 12, 3), date(2026, 12, 4)}
    assert {slot.day for slot in slots if "UHOME" in slot.free} == {
        date(2026, 11, 30) + timedelta(days=n) for n in range(5)}


def test_more_organisations_win_a_tie_between_as_many_people() -> None:
    monday = (0,)
    tuesday = (1,)
    members = [
        person("UA", ("morning",), days=range(0, 1)), person("UB", ("morning",), days=range(0, 1)),
        person("UC", ("morning",), days=range(1, 2)), person("UD", ("morning",), days=range(1, 2)),
    ]
    organisations = {"UA": "Riverside Food Bank", "UB": "riverside food bank", "UC": "Riverside Food Bank",
                     "UD": "Northside Advice"}
    found = suggest(members, audience=["UA", "UB", "UC", "UD"], organisations=organisations,
                    length=timedelta(hours=1), window=window("2026-11-30", "2026-12-01"), now=NOW, zone=LONDON)
    best = found.slots[0]
    assert best.day.weekday() in tuesday and best.starts_at == at("2026-12-01 09:00")
    assert best.organisations == ("Riverside Food Bank", "Northside Advice")
    monday_slot = next(slot for slot in found.slots if slot.day.weekday() in monday)
    assert monday_slot.organisations == ("Riverside Food Bank",)  # the same organisation, however spelled
    assert found.slots.index(monday_slot) > found.slots.index(best)


def test_the_most_people_free_ranks_first_then_the_earliest() -> None:
    members = [person("UA", ("afternoon",)), person("UB", ("afternoon",), days=range(3, 4)),
               person("UC", ("morning",))]
    found = suggest(members, audience=["UA", "UB", "UC"], organisations={}, length=timedelta(hours=3),
                    window=window("2026-11-30", "2026-12-04"), now=NOW, zone=LONDON)
    assert found.slots[0].free == ("UA", "UB") and found.slots[0].starts_at == at("2026-12-03 12:00")
    # Then the earliest of the rest, each on a day not picked yet.
    assert [(len(slot.free), slot.starts_at) for slot in found.slots[1:]] == [
        (1, at(f"2026-{day} 09:00")) for day in ("11-30", "12-01", "12-02", "12-04")]


def test_picks_never_overlap_and_spread_over_days_when_scores_tie() -> None:
    everyone = [person(f"U{n}", ("morning", "afternoon")) for n in range(3)]
    found = suggest(everyone, audience=[m.user_id for m in everyone], organisations={},
                    length=timedelta(minutes=90), window=window("2026-11-30", "2026-12-11"), now=NOW, zone=LONDON)
    assert [slot.starts_at for slot in found.slots] == [at(f"2026-{d} 09:00") for d in
                                                        ("11-30", "12-01", "12-02", "12-03", "12-04")]

    # On one day only, the five picks are the earliest that do not overlap.
    one_day = [person(f"U{n}", ("morning", "afternoon"), days=range(2, 3)) for n in range(3)]
    found = suggest(one_day, audience=[m.user_id for m in one_day], organisations={},
                    length=timedelta(minutes=90), window=window("2026-11-30", "2026-12-04"), now=NOW, zone=LONDON)
    starts = [slot.starts_at.astimezone(LONDON).strftime("%H:%M") for slot in found.slots]
    assert starts == ["09:00", "10:30", "12:00", "13:30", "15:00"]
    for first, second in pairwise(found.slots):
        assert not first.overlaps(second)


def test_a_better_slot_on_a_day_already_picked_beats_a_worse_one_on_a_new_day() -> None:
    slots = [
        Slot(at("2026-11-30 09:00"), at("2026-11-30 10:00"), date(2026, 11, 30), ("UA", "UB", "UC"), ()),
        Slot(at("2026-11-30 14:00"), at("2026-11-30 15:00"), date(2026, 11, 30), ("UA", "UB", "UC"), ()),
        Slot(at("2026-11-30 09:30"), at("2026-11-30 10:30"), date(2026, 11, 30), ("UA", "UB", "UC"), ()),
        Slot(at("2026-12-01 09:00"), at("2026-12-01 10:00"), date(2026, 12, 1), ("UA",), ()),
    ]
    assert pick(slots, limit=3) == [slots[0], slots[1], slots[3]]


def test_members_who_never_set_their_availability_are_unknown_never_free() -> None:
    known = [person("UA", ("morning",))]
    found = suggest(known, audience=["UA", "UNEW", "UOTHER"], organisations={}, length=timedelta(hours=1),
                    window=window("2026-11-30", "2026-12-04"), now=NOW, zone=LONDON)
    assert found.known == ("UA",) and found.unknown == ("UNEW", "UOTHER")
    assert all(slot.free == ("UA",) for slot in found.slots)


def test_members_outside_the_channel_are_left_out() -> None:
    found = suggest([person("UA", ("morning",)), person("UELSEWHERE", ("morning",))], audience=["UA"],
                    organisations={}, length=timedelta(hours=1), window=window("2026-11-30", "2026-12-04"),
                    now=NOW, zone=LONDON)
    assert found.known == ("UA",) and all(slot.free == ("UA",) for slot in found.slots)


def test_nothing_is_suggested_when_nobody_is_free_in_meeting_hours() -> None:
    evenings = [person("UA", ("evening",)), person("UB", ("morning",), days=range(5, 7))]
    found = suggest(evenings, audience=["UA", "UB", "UC"], organisations={}, length=timedelta(hours=1),
                    window=window("2026-11-30", "2026-12-04"), now=NOW, zone=LONDON, hours=OFFICE)
    assert found.slots == () and found.known == ("UA", "UB") and found.candidates > 0

    nobody = suggest([], audience=["UA"], organisations={}, length=timedelta(hours=1),
                     window=window("2026-11-30", "2026-12-04"), now=NOW, zone=LONDON)
    assert nobody.slots == () and nobody.known == () and nobody.unknown == ("UA",)


def test_a_window_with_no_meeting_hours_left_has_no_candidates() -> None:
    saturday = at("2026-11-28 10:00")
    found = suggest([person("UA", ("morning",), days=range(7))], audience=["UA"], organisations={},
                    length=timedelta(hours=1), window=window("2026-11-28", "2026-11-29"), now=saturday, zone=LONDON)
    assert found.candidates == 0 and found.slots == ()


# From suggestions to a poll ---------------------------------------------------------------------------


def test_the_poll_closes_in_48_hours_or_halfway_to_its_first_time() -> None:
    now = at("2026-11-24 09:00")
    assert poll_deadline([at("2026-12-03 10:00"), at("2026-12-01 10:00")], now=now) == at("2026-11-26 09:00")
    assert poll_deadline([at("2026-11-25 15:00")], now=now) == at("2026-11-25 00:00")
    soon = poll_deadline([at("2026-11-24 09:30")], now=at("2026-11-24 09:00:30"))
    assert soon == at("2026-11-24 09:15")
    # Never in the past, even when rounding to the minute would make it so.
    last_moment = poll_deadline([at("2026-11-24 09:30")], now=at("2026-11-24 09:29:50"))
    assert at("2026-11-24 09:29:50") < last_moment < at("2026-11-24 09:30")


def test_the_poll_draft_keeps_the_times_still_ahead_earliest_first_in_the_creators_words() -> None:
    proposed = Proposal("k1", "CGROUP", timedelta(minutes=90),
                        (at("2026-12-02 14:00"), at("2026-11-30 14:00"), at("2026-11-24 08:00")), "Steering group")
    draft = poll_draft(proposed, now=NOW, zone=NEW_YORK)
    assert [when.starts_at for when in draft.options] == [at("2026-11-30 14:00"), at("2026-12-02 14:00")]
    assert [when.text for when in draft.options] == ["Mon 30 Nov 09:00-10:30", "Wed 2 Dec 09:00-10:30"]
    assert all(when.duration == timedelta(minutes=90) and not when.all_day for when in draft.options)
    assert draft.title == "Steering group"
    assert draft.deadline == NOW + timedelta(hours=48)
    with pytest.raises(InvalidInput, match="begun or passed"):
        upcoming_starts(proposed, now=at("2026-12-02 14:00"))


@pytest.mark.parametrize("zone", [LONDON, NEW_YORK, TOKYO])
def test_option_labels_and_the_deadline_read_back_the_same_in_the_meet_form(zone: ZoneInfo) -> None:
    starts = [at("2026-11-30 14:00"), at("2026-12-03 16:00"), at("2027-01-04 09:30")]
    read = parse_options([option_label(s, timedelta(minutes=90), zone) for s in starts], now=NOW, zone=zone,
                         limit=22)
    assert [(w.starts_at, w.duration) for w in read] == [(s, timedelta(minutes=90)) for s in starts]
    deadline = poll_deadline(starts, now=NOW)
    assert parse_deadline(deadline_label(deadline, zone), now=NOW, zone=zone) == deadline


def test_a_proposal_travels_in_a_button_value_and_refuses_anything_else() -> None:
    everyone = [person("UA", ("morning",))]
    found = suggest(everyone, audience=["UA"], organisations={}, length=timedelta(minutes=90),
                    window=window("2026-11-30", "2026-12-11"), now=NOW, zone=LONDON)
    made = proposal(found, key="abc", channel_id="CGROUP", title="“Long” title " * 10)
    value = made.to_value()
    assert len(value) <= MAX_BUTTON_VALUE
    assert Proposal.from_value(value) == made
    assert proposal(found, key="abc", channel_id="CGROUP", title=None).title == DEFAULT_TITLE
    for broken in (None, "", "{}", "not json", json.dumps({**json.loads(value), "c": "<!channel>"}),
                   json.dumps({**json.loads(value), "m": 5}), json.dumps({**json.loads(value), "s": []})):
        with pytest.raises(InvalidInput, match="run `/meet suggest` again"):
            Proposal.from_value(broken)


def test_all_weekly_slots_cover_the_working_day() -> None:
    # A member free every part of every day is free for every candidate: no gap at 12:00 or 17:00.
    always = MemberAvailability("UA", LONDON, frozenset(ALL_SLOTS))
    slots = rank([always], organisations={}, length=timedelta(hours=8), window=window("2026-11-30", "2026-11-30"),
                 now=NOW, zone=LONDON, hours=OFFICE)
    assert [slot.starts_at.astimezone(LONDON).time() for slot in slots] == [time(9), time(9, 30)]
