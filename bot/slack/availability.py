"""What the availability area sends: its form (opened, and redrawn in place as dates away are
added and removed) and the group's week as a heat map by DM."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.messages import open_dm


class AvailabilityMessages:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def open_form(self, trigger_id: str, view: dict[str, object]) -> None:
        self.client.views_open(trigger_id=trigger_id, view=view)

    def redraw_form(self, view_id: str, view_hash: str | None, view: dict[str, object]) -> bool:
        """Redraw the open form; False when another click changed it first (the person sees that
        version and can click again)."""
        try:
            self.client.views_update(view_id=view_id, hash=view_hash, view=view)
        except SlackApiError as problem:
            if problem.response.get("error") != "hash_conflict":
                raise
            return False
        return True

    def send_heat_map(self, user_id: str, *, image: bytes, filename: str, title: str, alt_text: str,
                      comment: str) -> None:
        self.client.files_upload_v2(channel=open_dm(self.client, user_id), content=image, filename=filename,
                                    title=title, alt_txt=alt_text, initial_comment=comment)
