"""`/availability`: the modal where members say when they are free, and the group's week."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.runtime import Runtime
from bot.services import availability
from bot.services.availability import AvailabilityDraft, DateRange
from bot.services.errors import InvalidInput, UserFacingError
from bot.services.members import member_zone, workspace_zone, zone
from bot.services.workspaces import parse_timezone, search_timezones
from bot.slack.availability import AvailabilityMessages
from bot.slack.home import HomePublisher
from bot.text import subcommand
from bot.views import availability as views
from bot.views import help as help_view
from bot.views.heatmap import render_heat_map
from handlers.common import ephemeral, telling
from storage.models import Member
from storage.repositories.workspaces import MemberRepository, WorkspaceRepository

logger = logging.getLogger(__name__)

COMMANDS = ("/availability",)

HEAT_MAP_FILENAME = "convene-group-week.png"
SORRY_NOT_SAVED = "Something went wrong on Convene's side and this was not saved. Please press Save again in a minute."
MAX_ALT_TEXT = 1000


def register(app: App, runtime: Runtime) -> None:
    handler = AvailabilityHandlers(runtime)
    app.command("/availability")(handler.command)
    app.action(views.OPEN_ACTION)(handler.open_from_button)
    app.action(views.TEAM_ACTION)(handler.team_from_button)
    app.action(views.ADD_AWAY_ACTION)(handler.add_away)
    app.action(views.REMOVE_AWAY_ACTION)(handler.remove_away)
    app.options(views.ORGANISATION_ACTION)(handler.organisation_options)
    app.options(views.TIMEZONE_ACTION)(handler.timezone_options)
    app.view(views.AVAILABILITY_MODAL)(handler.save)


class AvailabilityHandlers:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.home = HomePublisher(runtime.client, runtime.db, runtime.directory, runtime.clock, runtime.settings)
        self.messages = AvailabilityMessages(runtime.client)

    def _member_and_zone(self, team_id: str, user_id: str) -> tuple[Member, ZoneInfo, ZoneInfo]:
        """The member (fresh enough), where their clock is, and the group's home zone."""
        member = self.rt.directory.ensure(team_id, user_id)
        with self.rt.db.unit_of_work() as session:
            home = workspace_zone(WorkspaceRepository(session).get(team_id), self.rt.home_zone)
        return member, member_zone(member, home), home

    # /availability …
    def command(self, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        sub = subcommand(command.get("text", ""))
        team_id, user_id = command["team_id"], command["user_id"]
        if sub.name == "help":
            ack(text=help_view.command_help_text("/availability"), blocks=help_view.command_help_blocks("/availability"))
            return
        if sub.name == "":
            ack()
            with telling(respond, "opening your availability"):
                self._open_modal(client, team_id, user_id, command["trigger_id"], from_home=False)
            return
        if sub.name in ("team", "group"):
            ack()
            with telling(respond, "showing the group's week"):
                self._show_team(client, team_id, user_id, respond)
            return
        ack(text=f"/availability has no {sub.name}", blocks=help_view.unknown_subcommand_blocks("/availability", sub.name))

    def open_from_button(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(None, "opening availability from a button"):
            from_home = (body.get("view") or {}).get("type") == "home"
            self._open_modal(client, team_id, user_id, body["trigger_id"], from_home=from_home)

    def team_from_button(self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(respond if body.get("response_url") else None, "showing the group's week"):
            self._show_team(client, team_id, user_id, respond if body.get("response_url") else None)

    def _open_modal(self, client: WebClient, team_id: str, user_id: str, trigger_id: str, *, from_home: bool) -> None:
        _, my_zone, _ = self._member_and_zone(team_id, user_id)
        today = self.rt.clock().astimezone(my_zone).date()
        with self.rt.db.unit_of_work() as session:
            saved = availability.saved_availability(session, team_id, user_id, today=today)
        content = views.ModalContent.from_saved(saved, zone_in_use=my_zone.key, from_home=from_home)
        self.messages.open_form(trigger_id, views.availability_modal(content))

    # Dates away: Add and Remove update the open modal in place
    def add_away(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        with telling(None, "adding dates away"):
            view = body["view"]
            team_id, user_id = body["team"]["id"], body["user"]["id"]
            meta = views.read_modal_metadata(view.get("private_metadata", ""))
            values = _modal_values(body)
            _, my_zone, _ = self._member_and_zone(team_id, user_id)
            today = self.rt.clock().astimezone(my_zone).date()
            start, end, note = _picked_away(values, meta.generation)
            try:
                added = availability.new_away_range(start, end, note, today=today)
                away, generation, error = tuple(availability.add_away_range(meta.away, added)), meta.generation + 1, None
            except InvalidInput as problem:
                away, generation, error = meta.away, meta.generation, problem.message
            self._update_modal(client, body, team_id, user_id, away=away, generation=generation, error=error,
                               from_home=meta.from_home)

    def remove_away(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        with telling(None, "removing dates away"):
            view = body["view"]
            team_id, user_id = body["team"]["id"], body["user"]["id"]
            meta = views.read_modal_metadata(view.get("private_metadata", ""))
            start_text, _, end_text = str(action.get("value", "")).partition("/")
            away = tuple(availability.remove_away_range(meta.away, date.fromisoformat(start_text),
                                                        date.fromisoformat(end_text)))
            self._update_modal(client, body, team_id, user_id, away=away, generation=meta.generation, error=None,
                               from_home=meta.from_home)

    def _update_modal(self, client: WebClient, body: dict[str, Any], team_id: str, user_id: str, *,
                      away: tuple[DateRange, ...], generation: int, error: str | None, from_home: bool) -> None:
        view, values = body["view"], _modal_values(body)
        with self.rt.db.unit_of_work() as session:
            member = MemberRepository(session).get(team_id, user_id)
            home = workspace_zone(WorkspaceRepository(session).get(team_id), self.rt.home_zone)
        picked = _picked_zone(values)
        tz_override = (member.tz_override if member else None) if picked is None else (picked or None)
        zone_in_use = zone(tz_override, zone(member.tz if member else None, home))
        content = views.ModalContent(
            slots=_picked_slots(values), away=away, hours_per_month=_lenient_hours(values),
            organisation=views.organisation_from_option(_selected(values, views.ORGANISATION_BLOCK,
                                                                  views.ORGANISATION_ACTION)),
            tz_override=tz_override, zone_in_use=zone_in_use.key, slack_tz=member.tz if member else None,
            generation=generation, away_error=error, from_home=from_home,
        )
        if not self.messages.redraw_form(view["id"], view.get("hash"), views.availability_modal(content)):
            logger.info("Availability modal %s changed under a click; left as it is", view["id"])

    # Type-ahead for the organisation and time-zone selects
    def organisation_options(self, ack: Ack, body: dict[str, Any]) -> None:
        typed = str(body.get("value", ""))[: availability.MAX_ORGANISATION_LENGTH]
        with self.rt.db.unit_of_work() as session:
            known = availability.organisations(session, body["team"]["id"])
        ack(options=views.organisation_options(availability.matching_organisations(known, typed), typed))

    def timezone_options(self, ack: Ack, body: dict[str, Any]) -> None:
        with self.rt.db.unit_of_work() as session:
            member = MemberRepository(session).get(body["team"]["id"], body["user"]["id"])
        ack(options=views.timezone_options(search_timezones(str(body.get("value", ""))),
                                           slack_tz=member.tz if member else None))

    # Save
    def save(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        values = view["state"]["values"]
        meta = views.read_modal_metadata(view.get("private_metadata", ""))
        errors: dict[str, str] = {}

        hours: int | None = None
        try:
            hours = availability.parse_hours(_value(values, views.HOURS_BLOCK, views.HOURS_ACTION))
        except InvalidInput as problem:
            errors[views.HOURS_BLOCK] = problem.message

        picked_zone = _picked_zone(values)
        tz_override: str | None = None
        if picked_zone:
            try:
                tz_override = parse_timezone(picked_zone)
            except InvalidInput as problem:
                errors[views.TIMEZONE_BLOCK] = problem.message

        member, _, home = self._member_and_zone(team_id, user_id)
        if picked_zone is None:
            tz_override = member.tz_override  # the select was left as it was shown
        new_zone = zone(tz_override, zone(member.tz, home))
        today = self.rt.clock().astimezone(new_zone).date()
        away = availability.current_ranges(meta.away, today=today)
        start, end, note = _picked_away(values, meta.generation)
        if start or end:
            # Dates picked without pressing Add are kept too: nothing typed is lost.
            try:
                away = availability.add_away_range(away, availability.new_away_range(start, end, note, today=today))
            except InvalidInput as problem:
                errors[views.away_from_block(meta.generation)] = problem.message

        organisation = views.organisation_from_option(
            _selected(values, views.ORGANISATION_BLOCK, views.ORGANISATION_ACTION))
        try:
            availability.clean_organisation(organisation, ())
        except InvalidInput as problem:
            errors[views.ORGANISATION_BLOCK] = problem.message
        slots: frozenset[availability.Slot] = frozenset()
        try:
            slots = _picked_slots(values)
        except InvalidInput as problem:
            errors[views.day_block(0)] = problem.message
        if errors:
            ack(response_action="errors", errors=errors)
            return

        draft = AvailabilityDraft(slots=slots, away=tuple(away), hours_per_month=hours, organisation=organisation,
                                  tz_override=tz_override)
        try:
            with self.rt.db.unit_of_work() as session:
                availability.save_availability(session, team_id, user_id, draft, now=self.rt.clock())
            with self.rt.db.unit_of_work() as session:
                saved = availability.saved_availability(session, team_id, user_id, today=today)
        except Exception as problem:
            # Keep the form open with what they entered, and say so, rather than lose it.
            if not isinstance(problem, UserFacingError):
                logger.exception("Could not save availability for %s in %s", user_id, team_id)
            message = problem.message if isinstance(problem, UserFacingError) else SORRY_NOT_SAVED
            ack(response_action="errors", errors={views.day_block(0): message})
            return
        ack(response_action="update", view=views.saved_view(saved, zone_in_use=new_zone.key))
        if meta.from_home:
            with telling(None, "refreshing the App Home after saving availability"):
                self.home.publish(team_id, user_id)

    # The group's week
    def _show_team(self, client: WebClient, team_id: str, user_id: str, respond: Respond | None) -> None:
        _, my_zone, home = self._member_and_zone(team_id, user_id)
        with self.rt.db.unit_of_work() as session:
            week = availability.team_week(session, team_id, viewer_zone=my_zone, home=home, now=self.rt.clock())
        summary = views.team_week_text(week)
        if respond is not None:
            ephemeral(respond, summary, views.team_week_blocks(
                week, image_note="The heat map image is in your direct messages with Convene."))
        title = views.heat_map_title(week)
        self.messages.send_heat_map(user_id, image=render_heat_map(week.grid, title=title, description=summary),
                                    filename=HEAT_MAP_FILENAME, title=title, alt_text=summary[:MAX_ALT_TEXT],
                                    comment=views.team_week_comment(week))


# Reading the modal's state (Slack's `view.state.values`)


def _modal_values(body: dict[str, Any]) -> dict[str, Any]:
    """The modal's input values in a block action: `view.state`, with the payload's own `state` over it."""
    values = dict(((body.get("view") or {}).get("state") or {}).get("values") or {})
    values.update((body.get("state") or {}).get("values") or {})
    return values


def _element(values: dict[str, Any], block_id: str, action_id: str) -> dict[str, Any]:
    return (values.get(block_id) or {}).get(action_id) or {}


def _value(values: dict[str, Any], block_id: str, action_id: str) -> str | None:
    return _element(values, block_id, action_id).get("value")


def _selected(values: dict[str, Any], block_id: str, action_id: str) -> str | None:
    return (_element(values, block_id, action_id).get("selected_option") or {}).get("value")


def _picked_slots(values: dict[str, Any]) -> frozenset[availability.Slot]:
    picked: list[str] = []
    for weekday in range(7):
        options = _element(values, views.day_block(weekday), views.day_action(weekday)).get("selected_options") or []
        picked.extend(str(o.get("value", "")) for o in options)
    return availability.parse_slots(picked)


def _picked_away(values: dict[str, Any], generation: int) -> tuple[date | None, date | None, str]:
    def day(block_id: str, action_id: str) -> date | None:
        text = _element(values, block_id, action_id).get("selected_date")
        return date.fromisoformat(text) if text else None

    return (day(views.away_from_block(generation), views.AWAY_FROM_ACTION),
            day(views.away_until_block(generation), views.AWAY_UNTIL_ACTION),
            _value(values, views.away_note_block(generation), views.AWAY_NOTE_ACTION) or "")


def _picked_zone(values: dict[str, Any]) -> str | None:
    """The time-zone select: None when untouched, "" for "follow my Slack profile", else the zone."""
    chosen = _selected(values, views.TIMEZONE_BLOCK, views.TIMEZONE_ACTION)
    if chosen is None:
        return None
    return "" if chosen == views.FOLLOW_SLACK else chosen


def _lenient_hours(values: dict[str, Any]) -> int | None:
    try:
        return availability.parse_hours(_value(values, views.HOURS_BLOCK, views.HOURS_ACTION))
    except InvalidInput:
        return None
