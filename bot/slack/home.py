"""Publishing a member's App Home: every area's section, on the pages the member turned to.

Opening the Home, turning one of its pages, and any click that changes what it shows (an answer,
a sign-up, saved availability) all publish it through `HomePublisher.publish`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk import WebClient

from bot.areas import HOME_SECTIONS, HomeContext, HomeSection, home_sections
from bot.clock import Clock
from bot.services import privacy
from bot.services.members import is_coordinator, member_zone, workspace_zone
from bot.settings import Settings
from bot.slack.directory import MemberDirectory
from bot.views.home import forgotten_home_view, home_view
from storage.db import Database
from storage.repositories.workspaces import WorkspaceRepository


class HomePublisher:
    """Renders one member's App Home from the database and publishes it."""

    def __init__(self, client: WebClient, db: Database, directory: MemberDirectory, clock: Clock,
                 settings: Settings, *, sections: Sequence[HomeSection] = HOME_SECTIONS) -> None:
        self.client = client
        self.db = db
        self.directory = directory
        self.clock = clock
        self.settings = settings
        self.sections = sections

    def publish(self, team_id: str, user_id: str, *, pages: Mapping[str, int] | None = None) -> None:
        """Render and publish one member's App Home (an empty one for someone Convene has forgotten).

        `pages` says which page each paged section shows (`bot.views.home.read_pages` reads it back
        from the Home a click came from); every section starts on its first page otherwise.
        """
        with self.db.unit_of_work() as session:
            forgotten = privacy.is_forgotten(session, team_id, user_id)
        if forgotten:
            self.client.views_publish(user_id=user_id, view=forgotten_home_view())
            return
        view = self.render(team_id, user_id, pages=pages)
        self.client.views_publish(user_id=user_id, view=view)

    def render(self, team_id: str, user_id: str, *, pages: Mapping[str, int] | None = None) -> dict[str, Any]:
        """The Home view of someone Convene knows (looking them up in Slack first if need be)."""
        member = self.directory.ensure(team_id, user_id)
        with self.db.unit_of_work() as session:
            workspace = WorkspaceRepository(session).get(team_id)
            ctx = HomeContext(
                team_id=team_id,
                user_id=user_id,
                now=self.clock(),
                zone=member_zone(member, workspace_zone(workspace, self.settings.timezone)),
                is_coordinator=is_coordinator(session, team_id, user_id,
                                              configured=self.settings.convene_coordinators),
                pages=dict(pages or {}),
            )
            sections = home_sections(session, ctx, self.sections)
        return home_view(ctx, sections)
