"""The App Home tab, published when a member opens it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot import areas
from bot.home import HomeContext, home_sections
from bot.runtime import Runtime
from bot.services import privacy
from bot.services.members import is_coordinator, member_zone, workspace_zone
from bot.views.home import forgotten_home_view, home_view
from storage.repositories.workspaces import WorkspaceRepository

logger = logging.getLogger(__name__)

EVENTS = ("app_home_opened",)


def register(app: App, runtime: Runtime) -> None:
    @app.event("app_home_opened")
    def publish_home(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        publish(runtime, client, body["team_id"], event["user"])


def publish(runtime: Runtime, client: WebClient, team_id: str, user_id: str) -> None:
    """Render and publish one member's App Home (an empty one for someone Convene has forgotten)."""
    with runtime.db.unit_of_work() as session:
        forgotten = privacy.is_forgotten(session, team_id, user_id)
    if forgotten:
        client.views_publish(user_id=user_id, view=forgotten_home_view())
        return
    member = runtime.directory.ensure(team_id, user_id)
    with runtime.db.unit_of_work() as session:
        workspace = WorkspaceRepository(session).get(team_id)
        ctx = HomeContext(
            team_id=team_id,
            user_id=user_id,
            now=runtime.clock(),
            zone=member_zone(member, workspace_zone(workspace, runtime.home_zone)),
            is_coordinator=is_coordinator(session, team_id, user_id, configured=runtime.settings.convene_coordinators),
        )
        sections = home_sections(session, ctx, areas.HOME_SECTIONS)
    client.views_publish(user_id=user_id, view=home_view(ctx, sections))
