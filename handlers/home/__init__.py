"""The App Home tab, published when a member opens it, and again on another page of a section.

Its buttons for the commands' forms are answered by the area each belongs to (`bot.views.home`
lists them); this package only publishes the Home and turns its sections' pages.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import areas
from bot.home import HomeContext, home_sections
from bot.runtime import Runtime
from bot.services import privacy
from bot.services.members import is_coordinator, member_zone, workspace_zone
from bot.views.home import PAGED_SECTIONS, forgotten_home_view, home_view, read_pages
from bot.views.paging import HOME_PAGE_ACTION, read_home_page_value
from handlers.common import dm_teller, telling
from storage.repositories.workspaces import WorkspaceRepository

logger = logging.getLogger(__name__)

EVENTS = ("app_home_opened",)


def register(app: App, runtime: Runtime) -> None:
    @app.event("app_home_opened")
    def publish_home(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        publish(runtime, client, body["team_id"], event["user"])

    @app.action(re.compile(rf"^{HOME_PAGE_ACTION}_(previous|next)$"))
    def turn_page(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        """Previous / Next under a section: the same Home, that section on the page the button names."""
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(dm_teller(client, user_id), "turning a page of the App Home"):
            found = read_home_page_value(action.get("value"))
            pages = read_pages(body.get("view"))
            if found is not None and found[0] in PAGED_SECTIONS:
                pages[found[0]] = found[1]
            else:
                logger.warning("An App Home paging button carried no page of a section Convene knows")
            publish(runtime, client, team_id, user_id, pages=pages)


def publish(runtime: Runtime, client: WebClient, team_id: str, user_id: str, *,
            pages: Mapping[str, int] | None = None) -> None:
    """Render and publish one member's App Home (an empty one for someone Convene has forgotten).

    `pages` says which page each paged section shows (`bot.views.home.read_pages` reads it back
    from the Home a click came from); every section starts on its first page otherwise.
    """
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
            pages=dict(pages or {}),
        )
        sections = home_sections(session, ctx, areas.HOME_SECTIONS)
    client.views_publish(user_id=user_id, view=home_view(ctx, sections))
