"""What `/convene` sends: hello in the group's new channel, the settings form, a member's data by
DM, and a warning by DM when a form has nowhere else to answer."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.messages import open_dm

HELLO = (
    ":wave: Convene will post the group's weekly digest and announcements here. "
    "`/convene help` shows what it can do."
)


class ConveneMessages:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def announce_channel(self, channel_id: str) -> str | None:
        """Say hello in the group's new channel; None when that worked, else a sentence saying why not."""
        try:
            self.client.chat_postMessage(channel=channel_id, text=HELLO)
        except SlackApiError as error:
            if error.response.get("error") in ("not_in_channel", "channel_not_found"):
                return f"I am not in <#{channel_id}> yet: please `/invite @Convene` there, or nothing can be posted."
            raise
        return None

    def open_form(self, trigger_id: str, view: dict[str, object]) -> None:
        self.client.views_open(trigger_id=trigger_id, view=view)

    def warn(self, user_id: str, text: str) -> None:
        self.client.chat_postMessage(channel=open_dm(self.client, user_id), text=f":warning: {text}")

    def send_my_data(self, user_id: str, *, content: str, comment: str) -> None:
        self.client.files_upload_v2(channel=open_dm(self.client, user_id), content=content,
                                    filename="convene-my-data.json", title="Everything Convene stores about you",
                                    initial_comment=comment)
