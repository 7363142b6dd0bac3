"""The App Home tab, published when a member opens it, and again on another page of a section.

Its buttons for the commands' forms are answered by the area each belongs to (`bot.views.home`
lists them); this package only listens for the Home being opened and its sections' pages being
turned. `bot.slack.home` renders and publishes it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.runtime import Runtime
from bot.slack.home import HomePublisher
from bot.views.home import PAGED_SECTIONS, read_pages
from bot.views.paging import HOME_PAGE_ACTION, read_home_page_value
from handlers.common import dm_teller, telling

logger = logging.getLogger(__name__)

EVENTS = ("app_home_opened",)


def register(app: App, runtime: Runtime) -> None:
    home = HomePublisher(runtime.client, runtime.db, runtime.directory, runtime.clock, runtime.settings)

    @app.event("app_home_opened")
    def publish_home(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        home.publish(body["team_id"], event["user"])

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
            home.publish(team_id, user_id, pages=pages)

