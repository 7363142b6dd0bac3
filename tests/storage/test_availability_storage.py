"""Availability on a real database: saving replaces everything at once; what is stored is what others read."""

from __future__ import annotations

import threading
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.services import availability
from bot.services.availability import AvailabilityDraft, DateRange
from bot.services.members import present
from storage.db import Database
from storage.models import Absence, AvailabilityProfile, Member, WeeklySlot, Workspace

T = "T0CONVENE"
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
LONDON = ZoneInfo("Europe/London")


def _seed(db: Database, *members: tuple[str, str | None]) -> None:
    with db.unit_of_work() as session:
        session.add(Workspace(team_id=T, created_at=NOW, updated_at=NOW))
        session.flush()
        for user_id, tz in members:
            session.add(Member(team_id=T, user_id=user_id, name=user_id.lower(), tz=tz))


def _draft(slots: set[tuple[int, str]], away: tuple[DateRange, ...] = (), hours: int | None = None,
           organisation: str | None = None, tz_override: str | None = None) -> AvailabilityDraft:
    return AvailabilityDraft(frozenset(slots), away, hours, organisation, tz_override)


def _save(db: Database, user_id: str, draft: AvailabilityDraft) -> None:
    with db.unit_of_work() as session:
        availability.save_availability(session, T, user_id, draft, now=NOW)


def test_saving_replaces_the_pattern_hours_and_dates_away(db: Database) -> None:
    _seed(db, ("UALICE", "Europe/London"))
    _save(db, "UALICE", _draft({(0, "morning"), (1, "evening")}, (DateRange(date(2026, 12, 21), date(2027, 1, 3), "Xmas"),),
                               hours=6, organisation="Riverside Food Bank"))
    _save(db, "UALICE", _draft({(2, "afternoon")}, (), hours=None, organisation=None, tz_override="Asia/Kolkata"))
    with db.unit_of_work() as session:
        saved = availability.saved_availability(session, T, "UALICE")
        assert saved.has_answered
        assert saved.slots == {(2, "afternoon")}
        assert saved.away == () and saved.hours_per_month is None and saved.organisation is None
        assert saved.tz_override == "Asia/Kolkata"
        assert session.scalar(select(func.count()).select_from(Absence)) == 0


def test_a_member_who_is_never_free_has_still_answered(db: Database) -> None:
    _seed(db, ("UALICE", "Europe/London"), ("UBEN", None))
    _save(db, "UALICE", _draft(set()))
    with db.unit_of_work() as session:
        assert availability.saved_availability(session, T, "UALICE").has_answered
        assert not availability.saved_availability(session, T, "UBEN").has_answered
        loaded = availability.load_availability(session, T, home=LONDON)
    assert [m.user_id for m in loaded] == ["UALICE"]


def test_the_database_refuses_impossible_slots_and_hours(db: Database) -> None:
    _seed(db, ("UALICE", None))
    _save(db, "UALICE", _draft(set()))
    with pytest.raises(IntegrityError):
        with db.unit_of_work() as session:
            session.add(WeeklySlot(team_id=T, user_id="UALICE", weekday=7, part="morning"))
    with pytest.raises(IntegrityError):
        with db.unit_of_work() as session:
            session.add(WeeklySlot(team_id=T, user_id="UALICE", weekday=0, part="night"))
    with pytest.raises(IntegrityError):
        with db.unit_of_work() as session:
            session.get(AvailabilityProfile, (T, "UALICE")).hours_per_month = 1000


def test_two_saves_at_once_leave_one_of_them_whole(db: Database) -> None:
    _seed(db, ("UALICE", None))
    mornings = _draft({(day, "morning") for day in range(7)}, hours=2)
    evenings = _draft({(day, "evening") for day in range(7)}, hours=9)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def save(draft: AvailabilityDraft) -> None:
        try:
            start.wait(timeout=10)
            for _ in range(5):
                _save(db, "UALICE", draft)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=save, args=(d,)) for d in (mornings, evenings)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with db.unit_of_work() as session:
        saved = availability.saved_availability(session, T, "UALICE")
    assert (saved.slots, saved.hours_per_month) in ((mornings.slots, 2), (evenings.slots, 9))


def test_organisations_are_matched_to_the_spelling_already_in_use(db: Database) -> None:
    _seed(db, ("UALICE", None), ("UBEN", None))
    _save(db, "UALICE", _draft(set(), organisation="Riverside Food Bank"))
    _save(db, "UBEN", _draft(set(), organisation="riverside foodbank"))
    with db.unit_of_work() as session:
        assert availability.organisations(session, T) == ["Riverside Food Bank"]


def test_dates_away_are_what_reminders_and_prompts_read(db: Database) -> None:
    # Alice is in London, Ben in New York; both away on Tuesday 1 December by their own calendars.
    _seed(db, ("UALICE", "Europe/London"), ("UBEN", "America/New_York"), ("UCAROL", "Europe/London"))
    tuesday = (DateRange(date(2026, 12, 1), date(2026, 12, 1)),)
    _save(db, "UALICE", _draft(set(), tuesday))
    _save(db, "UBEN", _draft(set(), tuesday))
    everyone = ["UALICE", "UBEN", "UCAROL"]
    with db.unit_of_work() as session:
        midday = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
        assert present(session, T, everyone, at=midday, home=LONDON) == ["UCAROL"]
        # 02:00 UTC on Tuesday is still Monday evening in New York: Ben is there, Alice is away.
        early = datetime(2026, 12, 1, 2, tzinfo=timezone.utc)
        assert present(session, T, everyone, at=early, home=LONDON) == ["UBEN", "UCAROL"]
        # The digest's "who is away" in the coming week.
        away = availability.away_between(session, T, date(2026, 11, 30), date(2026, 12, 6))
        assert [(a.user_id, a.start) for a in away] == [("UALICE", date(2026, 12, 1)), ("UBEN", date(2026, 12, 1))]


def test_away_between_leaves_out_deactivated_members(db: Database) -> None:
    _seed(db, ("UALICE", None), ("UGONE", None))
    for user_id in ("UALICE", "UGONE"):
        _save(db, user_id, _draft(set(), (DateRange(date(2026, 12, 1), date(2026, 12, 3)),)))
    with db.unit_of_work() as session:
        session.get(Member, (T, "UGONE")).deleted = True
    with db.unit_of_work() as session:
        assert [a.user_id for a in availability.away_between(session, T, date(2026, 12, 2), date(2026, 12, 2))] == ["UALICE"]


def test_team_week_counts_hours_and_who_is_away_soon(db: Database) -> None:
    _seed(db, ("UALICE", "Europe/London"), ("UBEN", "Europe/London"))
    _save(db, "UALICE", _draft({(0, "morning")}, (DateRange(date(2026, 12, 28), date(2026, 12, 30)),), hours=6))
    _save(db, "UBEN", _draft({(0, "morning")}, (DateRange(date(2026, 12, 10), date(2026, 12, 11)),), hours=4))
    with db.unit_of_work() as session:
        week = availability.team_week(session, T, viewer_zone=LONDON, home=LONDON, now=NOW)
    assert week.grid.count(0, "morning") == 2
    assert (week.hours_total, week.hours_members) == (10, 2)
    assert [a.user_id for a in week.away] == ["UBEN"]  # Alice's holiday is more than four weeks off
    assert week.away_until == date(2026, 12, 21)


def test_personal_data_export_and_forget(db: Database) -> None:
    _seed(db, ("UALICE", None))
    _save(db, "UALICE", _draft({(0, "morning"), (4, "evening")}, hours=3))
    with db.unit_of_work() as session:
        exported = availability.export_personal_data(session, T, "UALICE")
    assert exported.records[0]["usually_free"] == ["Monday morning", "Friday evening"]
    assert exported.records[0]["hours_per_month"] == 3
    with db.unit_of_work() as session:
        assert availability.forget_personal_data(session, T, "UALICE") == 3
    with db.unit_of_work() as session:
        assert not availability.saved_availability(session, T, "UALICE").has_answered
