"""The `.ics` file for a decided poll: its time zone, title, length, whole days and a stable UID."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.services.poll_calendar import event_uid, ics_filename, meeting_ics
from bot.services.polls import Meeting

NEW_YORK = ZoneInfo("America/New_York")
STAMP = datetime(2026, 11, 28, 9, tzinfo=timezone.utc)


def meeting(**changes: object) -> Meeting:
    values: dict[str, object] = dict(
        poll_id=7, team_id="T1", title="First meeting, with commissioners", channel_id="C1", message_ts="1.1",
        option_id=70, starts_at=datetime(2026, 12, 2, 19, tzinfo=timezone.utc), duration=timedelta(hours=2),
        all_day=False, zone=NEW_YORK, sequence=1, decided_at=STAMP,
    )
    values.update(changes)
    return Meeting(**values)  # type: ignore[arg-type]


def event(content: bytes):  # type: ignore[no-untyped-def]
    calendar = Calendar.from_ical(content)
    [found] = calendar.walk("VEVENT")
    return calendar, found


def test_a_timed_meeting_is_in_the_polls_time_zone_with_its_length() -> None:
    content = meeting_ics(meeting(), stamp=STAMP, description="Chosen with Convene", url="https://x.test/p")
    calendar, found = event(content)
    assert b"DTSTART;TZID=America/New_York:20261202T140000" in content
    assert b"DTEND;TZID=America/New_York:20261202T160000" in content
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    assert str(found["SUMMARY"]) == "First meeting, with commissioners"
    assert found.decoded("DTSTART") == datetime(2026, 12, 2, 19, tzinfo=timezone.utc)
    assert str(found["URL"]) == "https://x.test/p"
    assert str(found["UID"]) == "convene-poll-T1-7@convene"


def test_a_time_without_an_end_lasts_an_hour() -> None:
    _, found = event(meeting_ics(meeting(duration=None), stamp=STAMP))
    assert found.decoded("DTEND") - found.decoded("DTSTART") == timedelta(hours=1)


def test_a_whole_day_is_a_date() -> None:
    day = meeting(all_day=True, duration=None, zone=ZoneInfo("Europe/London"),
                  starts_at=datetime(2026, 12, 3, tzinfo=timezone.utc))
    content = meeting_ics(day, stamp=STAMP)
    _, found = event(content)
    assert b"DTSTART;VALUE=DATE:20261203" in content and b"DTEND;VALUE=DATE:20261204" in content
    assert found.decoded("DTSTART") == date(2026, 12, 3)


def test_the_uid_is_stable_and_a_changed_date_has_a_higher_sequence() -> None:
    first, second = meeting(sequence=1), meeting(sequence=2, option_id=71)
    assert event_uid(first) == event_uid(second)
    sequences = [event(meeting_ics(m, stamp=STAMP))[1]["SEQUENCE"] for m in (first, second)]
    assert sequences[1] > sequences[0]


def test_file_names_are_safe() -> None:
    assert ics_filename("First meeting: <Dec>!") == "first-meeting-dec.ics"
    assert ics_filename("…") == "meeting.ics"
