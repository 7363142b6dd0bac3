"""Global middleware: each Slack event is handled once, whatever Slack retries; someone who asked
Convene to forget them is known again as soon as they use it; and a workspace that uninstalled
Convene is served again as soon as someone there uses it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from bot.runtime import Runtime
from bot.services import privacy
from storage.repositories.ledger import EventLedger
from storage.repositories.workspaces import WorkspaceRepository

logger = logging.getLogger(__name__)


def register(app: App, runtime: Runtime) -> None:
    def handle_each_event_once(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        if body.get("type") != "event_callback" or not body.get("event_id"):
            return next()
        team_id = body.get("team_id") or ""
        with runtime.db.unit_of_work() as session:
            first_time = EventLedger(session).record(team_id, body["event_id"], now=runtime.clock())
        if not first_time:
            logger.info("Ignoring a repeat delivery of event %s", body["event_id"])
            return BoltResponse(status=200, body="")
        return next()

    def welcome_back_whoever_acts(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        user_id = acting_user(body)
        if user_id:
            team_id = body.get("team_id") or (body.get("team") or {}).get("id") or ""
            with runtime.db.unit_of_work() as session:
                privacy.welcome_back(session, team_id, user_id)
                # Someone using Convene there: it is installed again.
                WorkspaceRepository(session).back_in_service(team_id, now=runtime.clock())
        return next()

    app.middleware(handle_each_event_once)
    app.middleware(welcome_back_whoever_acts)


# Slack's news that Convene left a workspace.
LEAVING_EVENTS = ("app_uninstalled", "tokens_revoked")


# Interactive payloads a member sends by doing something in Convene.
_ACTIONS = ("block_actions", "view_submission", "shortcut", "message_action", "block_suggestion")


def acting_user(body: dict[str, Any]) -> str | None:
    """Who is using Convene in this request: a command, a click, a form, a message to the bot.

    Opening the App Home is not using it: a forgotten member who looks is shown an empty Home.
    """
    if body.get("command"):
        return body.get("user_id") or None
    if body.get("type") in _ACTIONS:
        return (body.get("user") or {}).get("id")
    event = body.get("event") or {}
    if (body.get("type") == "event_callback" and event.get("type") == "message" and event.get("channel_type") == "im"
            and not event.get("subtype") and not event.get("bot_id")):
        return event.get("user")
    return None
