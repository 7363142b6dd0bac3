"""`/convene`: help, settings, coordinators, your data, and deleting the workspace's data."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import areas
from bot.jobs.workspaces import delete_workspace_data
from bot.runtime import Runtime
from bot.services import digest as digests
from bot.services import meeting_hours, personal_data, prompts, proposals, workspaces
from bot.services.errors import InvalidInput, UserFacingError
from bot.slack.convene import ConveneMessages
from bot.slack.forgetting import ForgettingRedraw
from bot.text import channel_id_from, subcommand, user_id_from
from bot.views import help as help_view
from bot.views import leaving as leaving_view
from bot.views import personal_data as personal_view
from bot.views import prompts as prompt_views
from bot.views import proposals as proposal_views
from bot.views import settings as settings_view
from handlers.common import ephemeral, telling
from handlers.context import Asking, asking

logger = logging.getLogger(__name__)

COMMANDS = ("/convene",)

def register(app: App, runtime: Runtime) -> None:
    handler = ConveneHandlers(runtime)
    app.command("/convene")(handler.command)
    app.action(settings_view.OPEN_SETTINGS_ACTION)(handler.open_settings)
    app.options(settings_view.TIMEZONE_ACTION)(handler.timezone_options)
    app.view(settings_view.SETTINGS_MODAL)(handler.save_settings)
    app.action(personal_view.FORGET_ACTION)(handler.forget_me_confirmed)
    app.action(leaving_view.DELETE_WORKSPACE_DATA_ACTION)(handler.delete_workspace_data_confirmed)


class ConveneHandlers:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.messages = ConveneMessages(runtime.client)

    # /convene …
    def command(self, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient,
                context: BoltContext) -> None:
        sub = subcommand(command.get("text", ""))
        if sub.name in ("", "help"):
            ack(text=help_view.INTRO, blocks=help_view.overview_blocks())
            return
        routes = {
            "settings": self._settings,
            "coordinators": self._coordinators,
            "coordinator": self._coordinators,
            "my-data": self._my_data,
            "forget-me": self._forget_me,
            "delete-workspace-data": self._delete_workspace_data,
        }
        route = routes.get(sub.name)
        if route is None:
            ack(text=f"/convene has no {sub.name}", blocks=help_view.unknown_subcommand_blocks("/convene", sub.name))
            return
        ack()
        with telling(respond, f"/convene {sub.name}"):
            route(command, sub.rest, respond, client, asking(context))

    def _settings(self, command: dict[str, Any], rest: str, respond: Respond, client: WebClient,
                  who: Asking) -> None:
        team_id, user_id = command["team_id"], command["user_id"]
        who.member  # noqa: B018 - Slack's view of them fresh before anything is stored
        sub = subcommand(rest)
        if sub.name == "channel":
            self._change_channel(team_id, user_id, sub.rest, respond, client, who)
        elif sub.name in ("timezone", "time-zone", "tz"):
            self._change_timezone(team_id, user_id, sub.rest, respond, who)
        elif sub.name in ("meeting-hours", "meeting-times", "hours"):
            self._change_meeting_hours(team_id, user_id, sub.rest, respond, who)
        elif sub.name == "quorum":
            self._change_quorum(team_id, user_id, sub.rest, respond, who)
        elif sub.name in ("", "show"):
            self._show_settings(team_id, who.is_coordinator, respond)
        else:
            raise InvalidInput(f"Settings has no “{sub.name}”.", example="/convene settings timezone Europe/London")

    def _show_settings(self, team_id: str, can_change: bool, respond: Respond) -> None:
        with self.rt.db.unit_of_work() as session:
            current = workspaces.group_settings(session, team_id, now=self.rt.clock(),
                                                default_channel=self.rt.settings.convene_channel,
                                                default_timezone=self.rt.settings.convene_timezone)
            digest = digests.schedule_for(session, team_id, home=self.rt.home_zone,
                                          default_channel=self.rt.settings.convene_channel)
            prompt_schedule, nudge_days = prompts.pace(session, team_id, now=self.rt.clock())
        paces = [f"*Weekly digest:* {digest.describe()}",
                 f"*Prompts:* {prompt_views.schedule_text(prompt_schedule)}, {prompt_views.nudge_text(nudge_days)}"]
        ephemeral(respond, "Convene settings",
                  settings_view.settings_blocks(current, can_change=can_change, paces=paces))

    def _change_channel(self, team_id: str, user_id: str, text: str, respond: Respond, client: WebClient,
                        who: Asking) -> None:
        coordinator = who.is_coordinator  # before any transaction: it may look the member up
        channel_id = channel_id_from(text)
        if channel_id is None:
            raise InvalidInput("Name the channel with #.", example="/convene settings channel #wg-commissioning")
        with self.rt.db.unit_of_work() as session:
            workspaces.set_channel(session, team_id, user_id, channel_id, now=self.rt.clock(),
                                   acting_is_coordinator=coordinator)
        problem = self.messages.announce_channel(channel_id)
        said = f"Digests and announcements will go to <#{channel_id}>."
        ephemeral(respond, f":white_check_mark: {said} {problem or 'I said hello there.'}")

    def _change_timezone(self, team_id: str, user_id: str, text: str, respond: Respond, who: Asking) -> None:
        coordinator = who.is_coordinator  # before any transaction: it may look the member up
        with self.rt.db.unit_of_work() as session:
            zone = workspaces.set_timezone(session, team_id, user_id, text, now=self.rt.clock(),
                                           acting_is_coordinator=coordinator)
        ephemeral(respond, f":white_check_mark: The group's home time zone is now `{zone}`.")

    def _change_meeting_hours(self, team_id: str, user_id: str, text: str, respond: Respond,
                              who: Asking) -> None:
        coordinator = who.is_coordinator  # before any transaction: it may look the member up
        with self.rt.db.unit_of_work() as session:
            hours = workspaces.set_meeting_hours(session, team_id, user_id, text, now=self.rt.clock(),
                                                 acting_is_coordinator=coordinator)
            zone = workspaces.group_settings(session, team_id, now=self.rt.clock(),
                                             default_channel=self.rt.settings.convene_channel,
                                             default_timezone=self.rt.settings.convene_timezone).timezone
        ephemeral(respond, f":white_check_mark: `/meet suggest` will propose meetings {hours.describe()}, "
                           f"read in the group's time zone ({zone}).")

    def _change_quorum(self, team_id: str, user_id: str, text: str, respond: Respond, who: Asking) -> None:
        coordinator = who.is_coordinator  # before any transaction: it may look the member up
        if not text.strip():
            raise InvalidInput("Say what share of the group must take part, or `off`.",
                               example="/convene settings quorum 50% organisations")
        with self.rt.db.unit_of_work() as session:
            quorum = workspaces.set_quorum(session, team_id, user_id, text, now=self.rt.clock(),
                                           acting_is_coordinator=coordinator)
        ephemeral(respond, proposal_views.quorum_changed_text(quorum))

    def _coordinators(self, command: dict[str, Any], rest: str, respond: Respond, client: WebClient,
                  who: Asking) -> None:
        coordinator = who.is_coordinator  # before any transaction: it may look the member up
        team_id, user_id = command["team_id"], command["user_id"]
        configured = self.rt.settings.convene_coordinators
        sub = subcommand(rest)
        if sub.name in ("", "list"):
            who.member  # noqa: B018 - Slack's view of them fresh before listing
            with self.rt.db.unit_of_work() as session:
                found = workspaces.coordinators(session, team_id, configured=configured)
            ephemeral(respond, "Coordinators", settings_view.coordinators_blocks(found))
            return
        if sub.name not in ("add", "remove"):
            raise InvalidInput(f"Coordinators has no “{sub.name}”.", example="/convene coordinators add @sam")
        target_id = user_id_from(sub.rest)
        if target_id is None:
            raise InvalidInput("Name the person with @.", example=f"/convene coordinators {sub.name} @sam")
        self.rt.directory.ensure_many(team_id, [user_id, target_id])
        with self.rt.db.unit_of_work() as session:
            if sub.name == "add":
                changed = workspaces.add_coordinator(session, team_id, user_id, target_id, now=self.rt.clock(),
                                                     acting_is_coordinator=coordinator, configured=configured)
                text = (f":white_check_mark: <@{target_id}> is now a coordinator." if changed
                        else f"<@{target_id}> is already a coordinator.")
            else:
                changed = workspaces.remove_coordinator(session, team_id, user_id, target_id,
                                                        acting_is_coordinator=coordinator,
                                                        configured=configured)
                text = (f":white_check_mark: <@{target_id}> is no longer a coordinator." if changed
                        else f"<@{target_id}> was not a coordinator added in Slack.")
        ephemeral(respond, text)

    # Your data
    def _my_data(self, command: dict[str, Any], rest: str, respond: Respond, client: WebClient,
                  who: Asking) -> None:
        team_id, user_id = command["team_id"], command["user_id"]
        with self.rt.db.unit_of_work() as session:
            sections = personal_data.collect(session, team_id, user_id, areas.PERSONAL_DATA_EXPORTERS)
            rows = personal_data.stored_rows(session, team_id, user_id)
        if self.rt.installations is not None:
            installed = self.rt.installations.installed_by(team_id, user_id)
            if installed:
                rows["slack_installations"] = installed
        exported_at = self.rt.clock().isoformat(timespec="seconds")
        content = personal_data.as_json(sections, team_id=team_id, user_id=user_id, exported_at=exported_at,
                                        rows=rows)
        self.messages.send_my_data(user_id, content=content, comment=personal_view.my_data_summary(sections, rows))
        ephemeral(respond, "I have sent you a direct message with everything Convene stores about you.")

    def _forget_me(self, command: dict[str, Any], rest: str, respond: Respond, client: WebClient,
                  who: Asking) -> None:
        ephemeral(respond, "Forget me?", personal_view.forget_me_blocks())

    def forget_me_confirmed(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(respond, "forgetting a member"):
            with self.rt.db.unit_of_work() as session:
                forgotten = personal_data.forget(session, team_id, user_id, areas.PERSONAL_DATA_FORGETTERS,
                                                 redraw=areas.REDRAWN_AFTER_FORGETTING, now=self.rt.clock())
            if self.rt.installations is not None:
                self.rt.installations.forget_installer(team_id, user_id)
            # Logs never carry a forgotten member's ID.
            logger.info("Forgot a member of %s: %d rows", team_id, forgotten.total)
            respond(text=personal_view.forgotten_text(forgotten.rows), replace_original=True)
            ForgettingRedraw(self.rt.client, self.rt.db, self.rt.directory, self.rt.sender, self.rt.clock,
                             self.rt.settings).redraw(team_id, user_id, forgotten)

    # Deleting the workspace's data
    def _delete_workspace_data(self, command: dict[str, Any], rest: str, respond: Respond, client: WebClient,
                  who: Asking) -> None:
        if not who.is_coordinator:
            raise UserFacingError("Only a coordinator can delete the workspace's data (`/convene coordinators list` "
                                  "shows who they are).")
        ephemeral(respond, "Delete the workspace's data?", leaving_view.delete_workspace_data_blocks())

    def delete_workspace_data_confirmed(self, ack: Ack, body: dict[str, Any], respond: Respond,
                                        context: BoltContext) -> None:
        ack()
        team_id = body["team"]["id"]
        with telling(respond, "deleting the workspace's data"):
            # Checked again here, whatever the button says: anyone could send the click.
            if not asking(context).is_coordinator:
                raise UserFacingError("Only a coordinator can delete the workspace's data.")
            deleted = delete_workspace_data(self.rt, team_id)
            respond(text=leaving_view.workspace_data_deleted_text(deleted), replace_original=True)

    # The settings modal
    def open_settings(self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond,
                      context: BoltContext) -> None:
        ack()
        team_id = body["team"]["id"]
        with telling(respond, "opening the settings modal"):
            if not asking(context).is_coordinator:
                raise UserFacingError("Only a coordinator can change the settings.")
            with self.rt.db.unit_of_work() as session:
                current = workspaces.group_settings(session, team_id, now=self.rt.clock(),
                                                    default_channel=self.rt.settings.convene_channel,
                                                    default_timezone=self.rt.settings.convene_timezone)
            self.messages.open_form(body["trigger_id"], settings_view.settings_modal(current))

    def timezone_options(self, ack: Ack, payload: dict[str, Any]) -> None:
        ack(options=settings_view.timezone_options(workspaces.search_timezones(payload.get("value", ""))))

    def save_settings(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient,
                      context: BoltContext) -> None:
        values = view["state"]["values"]
        channel_id = values[settings_view.CHANNEL_BLOCK][settings_view.CHANNEL_ACTION].get("selected_conversation")
        zone_option = values[settings_view.TIMEZONE_BLOCK][settings_view.TIMEZONE_ACTION].get("selected_option") or {}
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        zone = zone_option.get("value")
        hours_text = (values.get(settings_view.MEETING_HOURS_BLOCK, {}).get(settings_view.MEETING_HOURS_ACTION, {})
                      .get("value") or "").strip()
        with self.rt.db.unit_of_work() as session:
            before = workspaces.group_settings(session, team_id, now=self.rt.clock(),
                                               default_channel=None, default_timezone=self.rt.settings.convene_timezone)
        hours_changed = bool(hours_text) and hours_text != before.meeting_hours.as_typed()
        if hours_changed:
            try:
                meeting_hours.parse_meeting_hours(hours_text)
            except InvalidInput as error:
                ack(response_action="errors", errors={settings_view.MEETING_HOURS_BLOCK: error.message})
                return
        quorum_text = (values.get(settings_view.QUORUM_BLOCK, {}).get(settings_view.QUORUM_ACTION, {})
                       .get("value") or "").strip() or "off"
        try:
            quorum_changed = proposals.parse_quorum(quorum_text) != before.quorum
        except InvalidInput as error:
            ack(response_action="errors", errors={settings_view.QUORUM_BLOCK: error.message})
            return
        try:
            coordinator = asking(context).is_coordinator
            with self.rt.db.unit_of_work() as session:
                now = self.rt.clock()
                if channel_id:
                    workspaces.set_channel(session, team_id, user_id, channel_id, now=now,
                                           acting_is_coordinator=coordinator)
                if zone:
                    workspaces.set_timezone(session, team_id, user_id, zone, now=now,
                                            acting_is_coordinator=coordinator)
                if hours_changed:
                    workspaces.set_meeting_hours(session, team_id, user_id, hours_text, now=now,
                                                 acting_is_coordinator=coordinator)
                if quorum_changed:
                    workspaces.set_quorum(session, team_id, user_id, quorum_text, now=now,
                                          acting_is_coordinator=coordinator)
        except InvalidInput as error:
            ack(response_action="errors", errors={settings_view.TIMEZONE_BLOCK: error.message})
            return
        except UserFacingError as error:
            ack(response_action="errors", errors={settings_view.CHANNEL_BLOCK: error.message})
            return
        ack()
        if channel_id and channel_id != before.channel_id:
            with telling(None, "announcing the group's channel"):
                problem = self.messages.announce_channel(channel_id)
                if problem:
                    self.messages.warn(user_id, problem)
