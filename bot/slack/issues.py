"""The issue form: opening it, prefilled, for `/issue`, the message shortcut, the App Home and other
areas (an answer to a prompt becomes an issue), and marking a +1 in it while it is open; and the
register's export, sent to whoever asked.

Issue cards in the channel are `bot.slack.issue_cards`.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.services import issues
from bot.services.issues import IssuePrefill
from bot.slack.messages import open_dm
from bot.views import issues as issue_views
from storage.db import Database

logger = logging.getLogger(__name__)

# What a redrawn form keeps of the one Slack sent with the click.
_FORM_KEYS = ("type", "callback_id", "title", "submit", "close", "private_metadata")


class IssueForms:
    """The issue form as a member sees it: opened from a trigger, redrawn after a +1 inside it."""

    def __init__(self, client: WebClient, db: Database, clock: Clock) -> None:
        self.client = client
        self.db = db
        self.clock = clock

    def open(self, *, trigger_id: str, team_id: str, user_id: str, prefill: IssuePrefill) -> None:
        """Open the issue form, prefilled; other areas turn their things into issues with this.

        Set `prefill.origin` to find the issue afterwards (`bot.services.issues.created_from`). What
        the prefill says about who is credited stays on the server; the form only carries a token.
        """
        with self.db.unit_of_work() as session:
            form = issues.start_form(session, team_id, user_id, prefill, now=self.clock())
            used = issues.tag_suggestions(session, team_id)
            similar = []
            if prefill.title and prefill.issue_id is None:
                similar = issues.similar(session, team_id, prefill.title, tags=prefill.tags, viewer=user_id)
            voted = {item.id for item in similar if item.voted}
        view = issue_views.issue_modal(form, used_tags=used, similar=similar, similar_shown=bool(similar),
                                       voted=voted)
        self.client.views_open(trigger_id=trigger_id, view=view)

    def mark_plus_one(self, form: dict[str, Any], team_id: str, user_id: str, issue_id: int) -> None:
        """Show a +1 given from the open form's list of similar issues; a form changed meanwhile is left alone."""
        with self.db.unit_of_work() as session:
            item = issues.summary(session, team_id, issues.get_by_id(session, team_id, issue_id), viewer=user_id)
        updated = {key: form[key] for key in _FORM_KEYS if form.get(key) is not None}
        updated["blocks"] = issue_views.mark_plus_one_in_modal(form.get("blocks") or [], item)
        try:
            self.client.views_update(view_id=form["id"], hash=form.get("hash"), view=updated)
        except SlackApiError as error:
            if error.response.get("error") != "hash_conflict":
                raise
            logger.info("The issue form changed while marking a +1; leaving it as it is")


def send_export(client: WebClient, user_id: str, *, file_uploads: list[dict[str, Any]], comment: str) -> None:
    """The register's files (CSV, evidence pack, decisions) in the member's DM with Convene."""
    client.files_upload_v2(channel=open_dm(client, user_id), file_uploads=file_uploads, initial_comment=comment)
