"""The heat map image and the `/availability` views."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from PIL import Image

from bot.services.availability import DateRange, MemberAvailability, SavedAvailability, TeamWeek, week_grid
from bot.views.availability import (
    ModalContent,
    availability_home_blocks,
    availability_modal,
    organisation_options,
    read_modal_metadata,
    saved_view,
    team_week_blocks,
    team_week_text,
    timezone_options,
)
from bot.views.heatmap import EMPTY, FULL, LAYOUT, cell_colour, render_heat_map
from tests.harness.blockkit import block_kit_problems, view_problems

LONDON = ZoneInfo("Europe/London")


def _grid() -> TeamWeek:
    members = [
        MemberAvailability("U1", LONDON, frozenset({(0, "morning"), (2, "evening")})),
        MemberAvailability("U2", LONDON, frozenset({(0, "morning")}), hours_per_month=4),
        MemberAvailability("U3", LONDON, frozenset({(0, "morning"), (2, "evening"), (6, "afternoon")})),
        MemberAvailability("U4", LONDON, frozenset()),
    ]
    return TeamWeek(grid=week_grid(members, LONDON, date(2026, 11, 23)), away=[], away_until=date(2026, 12, 21),
                    hours_total=4, hours_members=1)


def _pixel_inside(image: Image.Image, weekday: int, part: int) -> tuple[int, int, int]:
    left, top, _, _ = LAYOUT.cell_box(weekday, part)
    return image.getpixel((left + 4, top + 4))  # a corner, clear of the number


def test_the_heat_map_is_a_png_of_the_week_with_cells_shaded_by_how_many_are_free() -> None:
    week = _grid()
    png = render_heat_map(week.grid, title="When the group is free", description=team_week_text(week))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (LAYOUT.width, LAYOUT.height)
    image = image.convert("RGB")
    assert _pixel_inside(image, 0, 0) == cell_colour(3, 4)  # Monday morning: 3 of 4
    assert _pixel_inside(image, 2, 2) == cell_colour(2, 4)  # Wednesday evening: 2 of 4
    assert _pixel_inside(image, 6, 1) == cell_colour(1, 4)  # Sunday afternoon: 1
    assert _pixel_inside(image, 3, 0) == EMPTY  # Thursday morning: nobody
    assert cell_colour(4, 4) == FULL
    # Darker means more people free.
    assert sum(cell_colour(3, 4)) < sum(cell_colour(2, 4)) < sum(cell_colour(1, 4)) < sum(EMPTY)


def test_the_heat_map_has_labels_and_carries_its_numbers_as_text() -> None:
    week = _grid()
    png = render_heat_map(week.grid, title="When the group is free", description=team_week_text(week))
    image = Image.open(io.BytesIO(png))
    assert image.text["Title"] == "When the group is free"
    assert "Mon: morning 3, afternoon 0, evening 0" in image.text["Description"]
    rgb = image.convert("RGB")
    for weekday in range(7):  # each weekday's label is drawn: dark pixels in its header box
        left, top, right, bottom = LAYOUT.day_label_box(weekday)
        assert any(sum(rgb.getpixel((x, y))) < 300 for x in range(left, right) for y in range(top, bottom))
    for part in range(3):
        left, top, right, bottom = LAYOUT.part_label_box(part)
        assert any(sum(rgb.getpixel((x, y))) < 300 for x in range(left, right) for y in range(top, bottom))


def test_an_empty_group_still_draws() -> None:
    grid = week_grid([], LONDON, date(2026, 11, 23))
    image = Image.open(io.BytesIO(render_heat_map(grid, title="t", description="d"))).convert("RGB")
    assert _pixel_inside(image, 0, 0) == EMPTY


def test_the_text_summary_works_without_the_image() -> None:
    week = _grid()
    text = team_week_text(week)
    assert "4 members" in text and "Europe/London" in text
    assert "Wed: morning 0, afternoon 0, evening 2" in text
    assert "Best: Monday morning (3 of 4)" in text
    blocks = team_week_blocks(week, image_note="The heat map is in your DMs.")
    assert block_kit_problems(blocks, surface="message") == []
    assert "4 hours a month from 1 member" in json.dumps(blocks)


SAVED = SavedAvailability(
    user_id="UALICE", has_answered=True, slots=frozenset({(0, "morning"), (4, "evening")}),
    away=(DateRange(date(2026, 12, 21), date(2027, 1, 3), "Christmas <b>"),), hours_per_month=6,
    organisation="Riverside & Co", tz_override=None, slack_tz="Europe/London",
    updated_at=datetime(2026, 11, 24, tzinfo=timezone.utc),
)


def test_the_modal_is_prefilled_and_carries_its_dates_away() -> None:
    view = availability_modal(ModalContent.from_saved(SAVED, zone_in_use="Europe/London"))
    assert view_problems(view) == []
    blocks = {block.get("block_id"): block for block in view["blocks"]}
    monday = blocks["availability_day_0"]["element"]
    assert [o["value"] for o in monday["initial_options"]] == ["0:morning"]
    assert "initial_options" not in blocks["availability_day_1"]["element"]
    assert blocks["availability_hours"]["element"]["initial_value"] == "6"
    assert blocks["availability_organisation"]["element"]["initial_option"]["value"] == "org:Riverside & Co"
    assert "Christmas &lt;b&gt;" in json.dumps(view)
    assert read_modal_metadata(view["private_metadata"]).away == SAVED.away


def test_fifteen_long_ranges_fit_in_the_modal() -> None:
    away = tuple(DateRange(date(2027, 1, 1 + n), date(2027, 1, 1 + n), "n" * 100) for n in range(15))
    content = ModalContent.from_saved(SAVED, zone_in_use="Europe/London")
    view = availability_modal(ModalContent(**{**content.__dict__, "away": away, "away_error": "x" * 500}))
    assert view_problems(view) == []


def test_option_lists_and_the_other_views_are_valid() -> None:
    options = organisation_options(["Riverside Food Bank"], "river")
    assert [o["value"] for o in options] == ["org:Riverside Food Bank", "org:river", "-"]
    assert organisation_options(["Riverside Food Bank"], "riverside food bank")[0]["value"] == "org:Riverside Food Bank"
    assert len(organisation_options(["Riverside Food Bank"], "riverside food bank")) == 2
    zones = timezone_options(["Europe/London"], slack_tz="America/New_York")
    assert zones[0]["value"] == "slack" and "America/New_York" in zones[0]["text"]["text"]
    assert view_problems(saved_view(SAVED, zone_in_use="Europe/London")) == []
    home = availability_home_blocks(SAVED, zone_in_use="Europe/London")
    assert block_kit_problems(home, surface="home") == []
    assert "Mon mornings · Fri evenings" in json.dumps(home, ensure_ascii=False)
