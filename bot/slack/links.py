"""Links to messages, built the way Slack builds permalinks, without a call per message."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)


def message_link(workspace_url: str, channel_id: str, ts: str) -> str:
    """`https://team.slack.com/archives/C123/p1700000000000100` for message `1700000000.000100`."""
    return f"{workspace_url.rstrip('/')}/archives/{channel_id}/p{ts.replace('.', '')}"


def message_linker(client: WebClient) -> Callable[[str, str], str | None]:
    """A function from (channel, ts) to a link; it links nothing if Slack will not say where the workspace is."""
    try:
        workspace_url = client.auth_test()["url"]
    except SlackApiError as error:
        logger.warning("auth.test failed (%s): the digest goes out without links", error.response.get("error"))
        return lambda channel_id, ts: None
    return lambda channel_id, ts: message_link(workspace_url, channel_id, ts)
