"""The `.ics` calendar file for a decided poll."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from bot.services.polls import Meeting

PRODUCT_ID = "-//Convene//Convene date-finding polls//EN"


def event_uid(meeting: Meeting) -> str:
    """Stable for the poll, so a changed final date replaces the event in people's calendars."""
    return f"convene-poll-{meeting.team_id}-{meeting.poll_id}@convene"


def meeting_ics(meeting: Meeting, *, stamp: datetime, description: str = "", url: str | None = None) -> bytes:
    """One VEVENT in the poll's time zone (with its VTIMEZONE), or a whole day as DATE values."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")

    event = Event()
    event.add("uid", event_uid(meeting))
    event.add("sequence", max(meeting.sequence - 1, 0))
    event.add("dtstamp", stamp)
    event.add("summary", meeting.title)
    if meeting.all_day:
        day = meeting.starts_at.astimezone(meeting.zone).date()
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
    else:
        event.add("dtstart", meeting.starts_at.astimezone(meeting.zone))
        event.add("dtend", meeting.ends_at.astimezone(meeting.zone))
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def ics_filename(title: str) -> str:
    """A safe file name from the poll's title: `first-meeting.ics`."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].rstrip("-")
    return f"{slug or 'meeting'}.ics"
