"""Block Kit rendering stays within Slack's limits whatever the input."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.areas.context import HomeContext
from bot.services.meeting_hours import DEFAULT_MEETING_HOURS
from bot.services.workspaces import Coordinators, GroupSettings
from bot.views import blocks as kit
from bot.views import help as help_view
from bot.views import settings as settings_view
from bot.views.home import home_view
from tests.harness.blockkit import block_kit_problems, view_problems
from tests.harness.clock import ManualClock


def test_help_renders_within_limits_and_names_every_command() -> None:
    blocks = help_view.overview_blocks()
    assert block_kit_problems(blocks, surface="message") == []
    text = str(blocks)
    for command in help_view.COMMANDS:
        assert f"{command} help" in text or command in text


def test_every_command_help_has_an_example_that_starts_with_the_command() -> None:
    for name, entry in help_view.COMMANDS.items():
        for usage in entry.usages:
            assert usage.grammar.startswith(name)
            assert usage.example is None or usage.example.startswith(name)


def test_oversized_text_is_shortened_not_rejected() -> None:
    blocks = [kit.section("x" * 5000), kit.fields("y" * 2500, "z"), kit.header("h" * 200),
              kit.context(*["c"] * 15), kit.actions(kit.button("b" * 100, "act", value="v" * 3000))]
    assert block_kit_problems(blocks, surface="message") == []
    assert blocks[0]["text"]["text"].endswith("…")


def test_too_many_blocks_are_cut_with_a_note() -> None:
    many = [kit.section(f"row {i}") for i in range(120)]
    fitted = kit.fit_blocks(many)
    assert len(fitted) == 50 and "71 more" in fitted[-1]["elements"][0]["text"]
    assert block_kit_problems(fitted, surface="message") == []


def test_settings_and_coordinators_render_within_limits() -> None:
    settings = GroupSettings("T1", None, False, "Europe/London", True, DEFAULT_MEETING_HOURS, True)
    assert "not set" in str(settings_view.settings_blocks(settings, can_change=True))
    assert "weekdays 09:00–21:00 (the default)" in str(settings_view.settings_blocks(settings, can_change=True))
    assert block_kit_problems(settings_view.settings_blocks(settings, can_change=False), surface="message") == []
    assert view_problems(settings_view.settings_modal(settings)) == []
    found = Coordinators(configured=("U1",), added=tuple(f"U{i}" for i in range(300)), admins=())
    assert block_kit_problems(settings_view.coordinators_blocks(found), surface="message") == []


def test_home_renders_within_limits_with_many_sections() -> None:
    ctx = HomeContext("T1", "U1", ManualClock()(), ZoneInfo("Europe/London"), True)
    view = home_view(ctx, [[kit.section(f"part {i}")] * 5 for i in range(40)])
    assert view_problems(view) == []
    assert len(view["blocks"]) == 100
