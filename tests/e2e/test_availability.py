"""/availability end to end: the modal round trip, dates away, the group's heat map in each viewer's zone."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image

from bot.services.members import present
from bot.views.heatmap import EMPTY, LAYOUT, cell_colour
from storage.models import Absence, Member
from tests.harness.bot import BotUnderTest
from tests.harness.signed import view_state

T = "T0CONVENE"


def open_modal(bot: BotUnderTest, user_id: str = "UALICE") -> dict[str, Any]:
    """`/availability` → the modal Convene opened (as the fake holds it now)."""
    before = len(bot.fake.calls_to("views.open"))
    response = bot.slack.command("/availability", "", user_id=user_id, channel_id="CGROUP")
    assert response.status == 200
    bot.drain()
    opened = bot.fake.calls_to("views.open", ok_only=True)
    assert len(opened) == before + 1
    return current_view(bot, opened[-1].json("view")["callback_id"])


def current_view(bot: BotUnderTest, callback_id: str = "availability_modal") -> dict[str, Any]:
    views = [v for v in bot.fake.views.values() if v["callback_id"] == callback_id]
    return views[-1]


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def submit(bot: BotUnderTest, view: dict[str, Any], answers: dict[str, Any], user_id: str = "UALICE") -> Any:
    response = bot.slack.view_submission(view, view_state(view, answers), user_id=user_id)
    bot.drain()
    return response.json() if response.text else {}


def click(bot: BotUnderTest, view: dict[str, Any], action_id: str, answers: dict[str, Any] | None = None, *,
          value: str | None = None, user_id: str = "UALICE") -> dict[str, Any]:
    action: dict[str, Any] = {"action_id": action_id}
    if value is not None:
        action["value"] = value
    bot.slack.block_action(action, user_id=user_id, view=view, state=view_state(view, answers or {}))
    bot.drain()
    return bot.fake.views[view["id"]]


def test_the_modal_round_trip_saves_and_prefills(bot: BotUnderTest) -> None:
    view = open_modal(bot)
    assert "initial_options" not in block(view, "availability_day_0")["element"]
    reply = submit(bot, view, {
        "availability_day_0": ["0:morning", "0:afternoon"],
        "availability_day_3": ["3:evening"],
        "availability_hours": "6",
        "availability_organisation": {"text": {"type": "plain_text", "text": "Riverside Food Bank"},
                                      "value": "org:Riverside Food Bank"},
    })
    assert reply["response_action"] == "update"
    assert "Mon mornings" in json.dumps(reply["view"]) and "Saved" in json.dumps(reply["view"])

    view = open_modal(bot)
    assert [o["value"] for o in block(view, "availability_day_0")["element"]["initial_options"]] == ["0:morning",
                                                                                                    "0:afternoon"]
    assert [o["value"] for o in block(view, "availability_day_3")["element"]["initial_options"]] == ["3:evening"]
    assert block(view, "availability_hours")["element"]["initial_value"] == "6"
    assert block(view, "availability_organisation")["element"]["initial_option"]["value"] == "org:Riverside Food Bank"

    # Saving the prefilled modal untouched changes nothing.
    submit(bot, view, {})
    again = open_modal(bot)
    assert again["blocks"] == view["blocks"]


def test_saving_again_replaces_what_was_saved(bot: BotUnderTest) -> None:
    view = open_modal(bot)
    submit(bot, view, {"availability_day_0": ["0:morning"], "availability_hours": "6"})
    view = open_modal(bot)
    submit(bot, view, {"availability_day_0": [], "availability_day_5": ["5:afternoon"], "availability_hours": ""})
    view = open_modal(bot)
    assert "initial_options" not in block(view, "availability_day_0")["element"]
    assert [o["value"] for o in block(view, "availability_day_5")["element"]["initial_options"]] == ["5:afternoon"]
    assert "initial_value" not in block(view, "availability_hours")["element"]


def test_dates_away_are_added_and_removed_in_the_modal_and_saved(bot: BotUnderTest) -> None:
    view = open_modal(bot)
    view = click(bot, view, "availability_add_away", {
        "availability_away_from": "2026-12-21", "availability_away_until": "2027-01-03",
        "availability_away_note": "Christmas", "availability_day_1": ["1:morning"],
    })
    update = bot.fake.calls_to("views.update", ok_only=True)[-1]
    assert update.args.get("hash"), "updates are guarded by the view's hash"
    assert "Mon 21 Dec 2026 – Sun 3 Jan 2027" in json.dumps(view, ensure_ascii=False)
    # The pickers are emptied (new block IDs) and what was ticked is kept.
    assert any(b.get("block_id") == "availability_away_from_1" for b in view["blocks"])
    assert [o["value"] for o in block(view, "availability_day_1")["element"]["initial_options"]] == ["1:morning"]

    view = click(bot, view, "availability_add_away", {"availability_away_from": "2027-02-10"})
    assert "Wed 10 Feb" in json.dumps(view)
    view = click(bot, view, "availability_remove_away", value="2027-02-10/2027-02-10")
    assert "Wed 10 Feb" not in json.dumps(view)

    submit(bot, view, {"availability_day_1": ["1:morning"]})
    with bot.runtime.db.unit_of_work() as session:
        [absence] = session.query(Absence).all()
        assert (absence.starts_on, absence.ends_on, absence.note) == (date(2026, 12, 21), date(2027, 1, 3), "Christmas")
        # What reminders and prompt deliveries read: Alice is away on Christmas Day, not before.
        home = ZoneInfo("Europe/London")
        christmas = datetime(2026, 12, 25, 12, tzinfo=timezone.utc)
        assert present(session, T, ["UALICE", "UBEN"], at=christmas, home=home) == ["UBEN"]
        assert present(session, T, ["UALICE"], at=datetime(2026, 12, 20, 12, tzinfo=timezone.utc), home=home) == ["UALICE"]


def test_bad_date_ranges_are_explained_in_the_modal(bot: BotUnderTest) -> None:
    view = open_modal(bot)
    view = click(bot, view, "availability_add_away", {"availability_away_from": "2026-12-10",
                                                      "availability_away_until": "2026-12-01"})
    assert "is before the first" in json.dumps(view)
    assert any(b.get("block_id") == "availability_away_from_0" for b in view["blocks"]), "picks are kept to fix"
    view = click(bot, view, "availability_add_away", {"availability_away_from": "2026-11-01",
                                                      "availability_away_until": "2026-11-03"})
    assert "already over" in json.dumps(view)
    # Picked but not added: saving checks them too, and keeps them when they are fine.
    reply = submit(bot, view, {"availability_away_until": "2026-12-01"})
    assert reply["response_action"] == "errors"
    assert "first day" in reply["errors"]["availability_away_from_0"]
    with bot.runtime.db.unit_of_work() as session:
        assert session.query(Absence).count() == 0, "nothing is saved when something is wrong"
    submit(bot, view, {"availability_away_from": "2026-12-01", "availability_away_until": "2026-12-02"})
    with bot.runtime.db.unit_of_work() as session:
        assert [(a.starts_on, a.ends_on) for a in session.query(Absence)] == [(date(2026, 12, 1), date(2026, 12, 2))]


def test_organisation_and_time_zone_come_from_type_ahead(bot: BotUnderTest) -> None:
    view = open_modal(bot)
    submit(bot, view, {"availability_organisation": {"text": {"type": "plain_text", "text": "x"},
                                                     "value": "org:Riverside Food Bank"}})
    view = open_modal(bot, "UBEN")
    options = bot.slack.block_suggestion("availability_organisation", "river", user_id="UBEN", view=view).json()
    values = [o["value"] for o in options["options"]]
    assert values == ["org:Riverside Food Bank", "org:river", "-"]
    zones = bot.slack.block_suggestion("availability_timezone", "kolk", user_id="UBEN", view=view).json()["options"]
    assert zones[0]["value"] == "slack" and "America/New_York" in zones[0]["text"]["text"]
    assert "Asia/Kolkata" in [o["value"] for o in zones]
    submit(bot, view, {
        "availability_organisation": {"text": {"type": "plain_text", "text": "x"}, "value": "org:riverside  food bank"},
        "availability_timezone": {"text": {"type": "plain_text", "text": "Kolkata"}, "value": "Asia/Kolkata"},
    }, user_id="UBEN")
    with bot.runtime.db.unit_of_work() as session:
        ben = session.get(Member, (T, "UBEN"))
        assert (ben.organisation, ben.tz_override) == ("Riverside Food Bank", "Asia/Kolkata")
    # Choosing "follow my Slack profile" clears the override.
    view = open_modal(bot, "UBEN")
    assert "Kolkata" in json.dumps(block(view, "availability_timezone"))
    submit(bot, view, {"availability_timezone": {"text": {"type": "plain_text", "text": "x"}, "value": "slack"}},
           user_id="UBEN")
    with bot.runtime.db.unit_of_work() as session:
        assert session.get(Member, (T, "UBEN")).tz_override is None


def _heat_map(bot: BotUnderTest, user_id: str) -> tuple[Image.Image, dict[str, Any], str]:
    bot.slack.command("/availability", "team", user_id=user_id, channel_id="CGROUP")
    bot.drain()
    upload = bot.fake.files[-1]
    assert upload["channel_id"] == "D" + user_id[1:], "the image goes to the viewer's direct messages"
    assert upload["filename"].endswith(".png")
    image = Image.open(io.BytesIO(upload["content"]))
    assert image.format == "PNG"
    reply = bot.fake.calls_to("response_url")[-1].args
    return image, reply, upload["initial_comment"]


def _cell(image: Image.Image, weekday: int, part: int) -> tuple[int, int, int]:
    left, top, _, _ = LAYOUT.cell_box(weekday, part)
    return image.convert("RGB").getpixel((left + 4, top + 4))


def test_the_group_heat_map_in_each_viewers_time_zone(bot: BotUnderTest) -> None:
    # Alice (London) is free Monday evenings; Ben (New York) Monday afternoons, 12–17 his time.
    submit(bot, open_modal(bot, "UALICE"), {"availability_day_0": ["0:evening"], "availability_hours": "6"})
    submit(bot, open_modal(bot, "UBEN"), {"availability_day_0": ["0:afternoon"], "availability_hours": "4"},
           user_id="UBEN")
    with bot.runtime.db.unit_of_work() as session:
        session.add(Absence(team_id=T, user_id="UBEN", starts_on=date(2026, 12, 7), ends_on=date(2026, 12, 11), note="x"))

    image, reply, comment = _heat_map(bot, "UALICE")
    # In London, Monday 17–21 is 12–16 in New York: both free. Monday afternoon in London: nobody.
    assert _cell(image, 0, 2) == cell_colour(2, 2)
    assert _cell(image, 0, 1) == EMPTY
    assert "Europe/London" in image.text["Title"]
    summary = json.dumps(reply["blocks"], ensure_ascii=False)
    assert reply["response_type"] == "ephemeral"
    assert "Mon: morning 0, afternoon 0, evening 2" in summary
    assert "ben Mon 7 Dec – Fri 11 Dec" in summary and "<@UBEN" not in summary
    assert "10 hours a month from 2 members" in summary
    assert "ben Mon 7 Dec" in comment and "<@UBEN" not in comment, "nobody is @-mentioned for being away"

    image, reply, _ = _heat_map(bot, "UBEN")
    # In New York, Monday 12–17 is 17–22 in London: both free from 12 to 16 New York time.
    assert _cell(image, 0, 1) == cell_colour(2, 2)
    assert _cell(image, 0, 2) == EMPTY
    assert "America/New_York" in image.text["Title"]
    assert "Mon: morning 0, afternoon 2, evening 0" in json.dumps(reply["blocks"])


def test_an_empty_group_is_told_how_to_start(bot: BotUnderTest) -> None:
    image, reply, _ = _heat_map(bot, "UALICE")
    assert "Nobody has said when they are usually free yet" in json.dumps(reply["blocks"])
    assert _cell(image, 0, 0) == EMPTY


def test_help_and_unknown_subcommands(bot: BotUnderTest) -> None:
    reply = bot.slack.command("/availability", "help", user_id="UALICE").json()
    rendered = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "/availability team" in rendered and "morning 9–12" in rendered
    reply = bot.slack.command("/availability", "frobnicate", user_id="UALICE").json()
    assert "has no `frobnicate`" in json.dumps(reply["blocks"]) and "/availability team" in json.dumps(reply["blocks"])


def test_app_home_shows_availability_and_edits_it(bot: BotUnderTest) -> None:
    bot.slack.app_home_opened(user_id="UALICE")
    bot.drain()
    home = bot.fake.home_views["UALICE"]
    assert "Set your availability" in json.dumps(home)
    bot.slack.block_action({"action_id": "availability_open"}, user_id="UALICE", view=home)
    bot.drain()
    view = current_view(bot)
    submit(bot, view, {"availability_day_2": ["2:morning"], "availability_hours": "3"})
    home = bot.fake.home_views["UALICE"]
    assert "Wed mornings" in json.dumps(home) and "Edit availability" in json.dumps(home)

    # The group's week from the App Home arrives as a direct message, numbers and all.
    bot.slack.block_action({"action_id": "availability_team"}, user_id="UALICE", view=home)
    bot.drain()
    upload = bot.fake.files[-1]
    assert upload["channel_id"] == "DALICE" and "Wed: morning 1" in upload["initial_comment"]


def test_my_data_and_forget_me_cover_availability(bot: BotUnderTest) -> None:
    submit(bot, open_modal(bot), {"availability_day_0": ["0:morning"], "availability_hours": "5",
                                  "availability_away_from": "2026-12-01"})
    bot.slack.command("/convene", "my-data", user_id="UALICE")
    bot.drain()
    exported = json.loads(bot.fake.files[-1]["content"])["data"]
    assert exported["Availability"] == [{"usually_free": ["Monday morning"], "hours_per_month": 5,
                                         "updated_at": "2026-11-24T09:00:00+00:00"}]
    assert {"away_from": "2026-12-01", "away_until": "2026-12-01", "note": ""} in exported["Profile"]

    bot.slack.block_action({"type": "button", "action_id": "convene_forget_me", "value": "confirm"},
                           user_id="UALICE", channel_id="DALICE")
    bot.drain()
    assert "availability (2)" in bot.fake.calls_to("response_url")[-1].args["text"]
    view = open_modal(bot)
    assert "initial_options" not in block(view, "availability_day_0")["element"]


def test_a_failed_save_keeps_the_form_open_and_says_so(bot: BotUnderTest, monkeypatch: Any) -> None:
    from bot.services import availability

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    view = open_modal(bot)
    monkeypatch.setattr(availability, "save_availability", broken)
    reply = submit(bot, view, {"availability_day_0": ["0:morning"]})
    assert reply["response_action"] == "errors"
    assert "was not saved" in reply["errors"]["availability_day_0"]
