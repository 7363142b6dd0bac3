"""`/availability` as Slack shows it: the modal, the group's week in words, the App Home section."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.services.availability import (
    MAX_HOURS_PER_MONTH,
    MAX_NOTE_LENGTH,
    PARTS_OF_DAY,
    WEEKDAY_ABBREVIATIONS,
    WEEKDAYS,
    DateRange,
    SavedAvailability,
    Slot,
    TeamWeek,
    describe_pattern,
    describe_range,
    slot_value,
)
from bot.text import escape
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    divider,
    fit_blocks,
    header,
    input_block,
    modal,
    option,
    plain,
    section,
)

AVAILABILITY_MODAL = "availability_modal"
OPEN_ACTION = "availability_open"
TEAM_ACTION = "availability_team"
ADD_AWAY_ACTION = "availability_add_away"
REMOVE_AWAY_ACTION = "availability_remove_away"
AWAY_FROM_ACTION = "availability_away_from"
AWAY_UNTIL_ACTION = "availability_away_until"
AWAY_NOTE_ACTION = "availability_away_note"
HOURS_BLOCK = "availability_hours"
HOURS_ACTION = "availability_hours"
ORGANISATION_BLOCK = "availability_organisation"
ORGANISATION_ACTION = "availability_organisation"
TIMEZONE_BLOCK = "availability_timezone"
TIMEZONE_ACTION = "availability_timezone"
AWAY_ACTIONS_BLOCK = "availability_away_actions"

FOLLOW_SLACK = "slack"  # the time-zone option that clears the override
NO_ORGANISATION = "-"
ORGANISATION_PREFIX = "org:"


def day_block(weekday: int) -> str:
    return f"availability_day_{weekday}"


def day_action(weekday: int) -> str:
    return f"availability_day_{weekday}"


# The date pickers get new block IDs after each Add: Slack keeps what was typed in an input whose
# block ID is unchanged, and a fresh ID is how a view update empties it.
def away_from_block(generation: int) -> str:
    return f"availability_away_from_{generation}"


def away_until_block(generation: int) -> str:
    return f"availability_away_until_{generation}"


def away_note_block(generation: int) -> str:
    return f"availability_away_note_{generation}"


@dataclass(frozen=True)
class ModalContent:
    """What the `/availability` modal shows: saved values at first, then what is being edited."""

    slots: frozenset[Slot]
    away: tuple[DateRange, ...]
    hours_per_month: int | None
    organisation: str | None
    tz_override: str | None
    zone_in_use: str  # the zone the weekly pattern is read in
    slack_tz: str | None
    generation: int = 0
    away_error: str | None = None
    from_home: bool = False

    @classmethod
    def from_saved(cls, saved: SavedAvailability, *, zone_in_use: str, from_home: bool = False) -> ModalContent:
        return cls(slots=saved.slots, away=saved.away, hours_per_month=saved.hours_per_month,
                   organisation=saved.organisation, tz_override=saved.tz_override, zone_in_use=zone_in_use,
                   slack_tz=saved.slack_tz, from_home=from_home)


@dataclass(frozen=True)
class ModalMetadata:
    """What the modal carries between requests in `private_metadata`."""

    away: tuple[DateRange, ...]
    generation: int
    from_home: bool


def modal_metadata(content: ModalContent) -> str:
    return json.dumps({
        "away": [[r.start.isoformat(), r.end.isoformat(), r.note] for r in content.away],
        "g": content.generation,
        "home": content.from_home,
    }, separators=(",", ":"), ensure_ascii=False)


def read_modal_metadata(text: str) -> ModalMetadata:
    data = json.loads(text or "{}")
    away = tuple(DateRange(date.fromisoformat(start), date.fromisoformat(end), note)
                 for start, end, note in data.get("away", []))
    return ModalMetadata(away=away, generation=int(data.get("g", 0)), from_home=bool(data.get("home")))


def _part_option(weekday: int, part_index: int) -> dict[str, Any]:
    part = PARTS_OF_DAY[part_index]
    return option(part.label, slot_value(weekday, part.name), description=part.hours)


def availability_modal(content: ModalContent) -> dict[str, Any]:
    parts = ", ".join(f"{p.label.lower()} {p.hours}" for p in PARTS_OF_DAY)
    blocks: list[Block] = [
        section(f"*When are you usually free?* Tick the parts of each day, in your time zone "
                f"(`{escape(content.zone_in_use)}`): {parts}."),
    ]
    for weekday, name in enumerate(WEEKDAYS):
        element: dict[str, Any] = {
            "type": "checkboxes",
            "action_id": day_action(weekday),
            "options": [_part_option(weekday, index) for index in range(len(PARTS_OF_DAY))],
        }
        chosen = [_part_option(weekday, index) for index, part in enumerate(PARTS_OF_DAY)
                  if (weekday, part.name) in content.slots]
        if chosen:
            element["initial_options"] = chosen
        blocks.append(input_block(name, element, block_id=day_block(weekday), optional=True))

    blocks += [divider(), section("*Dates away* — Convene won't send you prompts or reminders on these days.")]
    for away in content.away:
        note = f" · {escape(away.note)}" if away.note else ""
        blocks.append(section(
            f"{describe_range(away)}{note}",
            block_id=f"availability_away_{away.start.isoformat()}_{away.end.isoformat()}",
            accessory=button("Remove", REMOVE_AWAY_ACTION, value=f"{away.start.isoformat()}/{away.end.isoformat()}"),
        ))
    if not content.away:
        blocks.append(context("No dates away."))
    g = content.generation
    blocks += [
        input_block("Away from", {"type": "datepicker", "action_id": AWAY_FROM_ACTION,
                                   "placeholder": plain("First day away")},
                    block_id=away_from_block(g), optional=True),
        input_block("Until", {"type": "datepicker", "action_id": AWAY_UNTIL_ACTION,
                              "placeholder": plain("Last day away (leave empty for one day)")},
                    block_id=away_until_block(g), optional=True),
        input_block("Note (only you see it)", {"type": "plain_text_input", "action_id": AWAY_NOTE_ACTION,
                                               "max_length": MAX_NOTE_LENGTH,
                                               "placeholder": plain("e.g. holiday")},
                    block_id=away_note_block(g), optional=True),
        actions(button("Add these dates", ADD_AWAY_ACTION, value="add"), block_id=AWAY_ACTIONS_BLOCK),
    ]
    if content.away_error:
        blocks.append(context(f":warning: {escape(content.away_error)}"))
    blocks.append(divider())

    hours: dict[str, Any] = {"type": "number_input", "action_id": HOURS_ACTION, "is_decimal_allowed": False,
                             "min_value": "0", "max_value": str(MAX_HOURS_PER_MONTH),
                             "placeholder": plain("e.g. 6")}
    if content.hours_per_month is not None:
        hours["initial_value"] = str(content.hours_per_month)
    blocks.append(input_block("Hours a month you can give", hours, block_id=HOURS_BLOCK, optional=True,
                              hint="A rough guess is fine. The group sees the total, not yours."))

    organisation: dict[str, Any] = {"type": "external_select", "action_id": ORGANISATION_ACTION,
                                    "min_query_length": 1, "placeholder": plain("Type your organisation's name")}
    if content.organisation:
        organisation["initial_option"] = organisation_option(content.organisation)
    blocks.append(input_block("Your organisation", organisation, block_id=ORGANISATION_BLOCK, optional=True,
                              hint="Pick it from the list if a colleague has already added it, so it is counted once."))

    zone: dict[str, Any] = {"type": "external_select", "action_id": TIMEZONE_ACTION, "min_query_length": 2,
                            "placeholder": plain("Type a city, e.g. London")}
    if content.tz_override:
        zone["initial_option"] = option(content.tz_override.replace("_", " "), content.tz_override)
    slack_zone = content.slack_tz or "not set"
    blocks.append(input_block("Time zone", zone, block_id=TIMEZONE_BLOCK, optional=True,
                              hint=f"Only if it differs from your Slack profile's ({slack_zone})."))
    return modal("Your availability", blocks, callback_id=AVAILABILITY_MODAL, submit="Save",
                 private_metadata=modal_metadata(content))


def organisation_option(name: str) -> dict[str, Any]:
    return option(name, ORGANISATION_PREFIX + name)


def organisation_options(matches: list[str], typed: str) -> list[dict[str, Any]]:
    """Organisations already named that match what is typed, then what is typed as a new one."""
    options = [organisation_option(name) for name in matches]
    typed = " ".join(typed.split())
    if typed and all(name.casefold() != typed.casefold() for name in matches):
        options.append(option(f"Add “{typed}”", ORGANISATION_PREFIX + typed))
    options.append(option("No organisation", NO_ORGANISATION))
    return options[:100]


def organisation_from_option(value: str | None) -> str | None:
    if not value or value == NO_ORGANISATION:
        return None
    return value.removeprefix(ORGANISATION_PREFIX)


def timezone_options(zones: list[str], *, slack_tz: str | None) -> list[dict[str, Any]]:
    follow = f"Follow my Slack profile ({slack_tz})" if slack_tz else "Follow my Slack profile"
    return [option(follow, FOLLOW_SLACK)] + [option(zone.replace("_", " "), zone) for zone in zones[:99]]


def saved_view(saved: SavedAvailability, *, zone_in_use: str) -> dict[str, Any]:
    """What the modal turns into after saving: what Convene now knows."""
    return modal("Availability saved", [section(":white_check_mark: *Saved.* Here is what the group will see."),
                                        *availability_summary_blocks(saved, zone_in_use=zone_in_use)],
                 callback_id="availability_saved", close="Done")


def availability_summary_blocks(saved: SavedAvailability, *, zone_in_use: str) -> list[Block]:
    lines = [f"*Usually free:* {describe_pattern(saved.slots)} (`{escape(zone_in_use)}`)"]
    if saved.away:
        lines.append("*Away:* " + "; ".join(describe_range(r) for r in saved.away))
    if saved.hours_per_month is not None:
        lines.append(f"*Hours a month:* {saved.hours_per_month}")
    if saved.organisation:
        lines.append(f"*Organisation:* {escape(saved.organisation)}")
    return [section("\n".join(lines))]


# The group's week


def team_week_text(week: TeamWeek) -> str:
    """The group's week in words: what the heat map shows, for anyone who cannot see it."""
    grid = week.grid
    zone = grid.zone.key
    if grid.total == 0:
        return (f"Nobody has said when they are usually free yet. `/availability` sets yours. "
                f"(Times in {zone}.)")
    lines = [f"Usually free, {grid.total} {'member' if grid.total == 1 else 'members'} "
             f"(most free at once; times in {zone}):"]
    for weekday in range(7):
        cells = ", ".join(f"{part.label.lower()} {grid.counts[weekday][index]}"
                          for index, part in enumerate(PARTS_OF_DAY))
        lines.append(f"{WEEKDAY_ABBREVIATIONS[weekday]}: {cells}")
    best = grid.best()
    if best:
        lines.append("Best: " + "; ".join(f"{WEEKDAYS[weekday]} {part.label.lower()} ({count} of {grid.total})"
                                          for weekday, part, count in best))
    return "\n".join(lines)


def team_week_blocks(week: TeamWeek, *, image_note: str | None) -> list[Block]:
    grid = week.grid
    blocks: list[Block] = [header("The group's week")]
    blocks.append(section(escape(team_week_text(week))))
    if image_note:
        blocks.append(context(image_note))
    blocks.append(divider())
    if week.away:
        lines = [f"{escape(a.name)} {describe_range(a)}" for a in week.away]
        shown = "\n".join(lines[:40]) + (f"\n…and {len(lines) - 40} more" if len(lines) > 40 else "")
        blocks.append(section(f"*Away in the next four weeks* (to {describe_range(DateRange(week.away_until, week.away_until))})\n{shown}"))
    else:
        blocks.append(section("*Away in the next four weeks:* nobody."))
    if week.hours_members:
        people = "member" if week.hours_members == 1 else "members"
        blocks.append(section(f"*Hours offered:* {week.hours_total} hours a month from {week.hours_members} {people}."))
    else:
        blocks.append(section("*Hours offered:* nobody has said yet."))
    if grid.total:
        blocks.append(context("Counts are the most people free at the same time in each part of the day. "
                              "`/availability` changes yours."))
    return fit_blocks(blocks)


def team_week_comment(week: TeamWeek) -> str:
    """The message that comes with the heat map image: the summary, who is away, hours offered."""
    lines = [escape(team_week_text(week))]
    if week.away:
        shown = [f"{escape(a.name)} {describe_range(a)}" for a in week.away[:20]]
        more = f" …and {len(week.away) - 20} more" if len(week.away) > 20 else ""
        lines.append("Away in the next four weeks: " + "; ".join(shown) + more)
    else:
        lines.append("Away in the next four weeks: nobody.")
    if week.hours_members:
        lines.append(f"Hours offered: {week.hours_total} a month from {week.hours_members}.")
    return "\n".join(lines)


def heat_map_title(week: TeamWeek) -> str:
    return f"When the group is usually free (times in {week.grid.zone.key})"


# App Home


def availability_home_blocks(saved: SavedAvailability, *, zone_in_use: str) -> list[Block]:
    blocks: list[Block] = [section("*Your availability*")]
    if saved.has_answered:
        blocks.extend(availability_summary_blocks(saved, zone_in_use=zone_in_use))
        edit = "Edit availability"
    else:
        blocks.append(section("You have not said when you are usually free. It helps the group pick meeting times "
                              "and skip you while you are away."))
        edit = "Set your availability"
    blocks.append(actions(button(edit, OPEN_ACTION, value="home", style="primary"),
                          button("The group's week", TEAM_ACTION, value="home")))
    return blocks
