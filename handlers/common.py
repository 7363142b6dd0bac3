"""What every listener shares: telling people about errors, and knowing who is asking."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.services.errors import UserFacingError
from bot.slack.messages import tell_in_dm

logger = logging.getLogger(__name__)

SORRY = (
    ":warning: Something went wrong on Convene's side and that did not finish. "
    "Please try again in a minute; if it keeps happening, tell a coordinator."
)


def ephemeral(respond: Respond, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
    """An ephemeral reply through the request's response_url."""
    respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


@contextmanager
def telling(respond: Respond | Callable[[str], None] | None, doing: str) -> Iterator[None]:
    """Run a block of after-ack work; tell the person what went wrong if it fails.

    A UserFacingError is theirs to fix and is shown as it is. Anything else is ours: it is
    logged with its traceback and they get one line saying so.
    """
    try:
        yield
    except UserFacingError as error:
        _tell(respond, f":warning: {error}")
    except Exception:
        logger.exception("Failed while %s", doing)
        _tell(respond, SORRY)


def _tell(respond: Respond | Callable[[str], None] | None, text: str) -> None:
    if respond is None:
        return
    try:
        if isinstance(respond, Respond):
            ephemeral(respond, text)
        else:
            respond(text)
    except Exception:
        logger.exception("Could not tell the user about an error")


def dm_teller(client: WebClient, user_id: str) -> Callable[[str], None]:
    """Tells a member something in a DM: the App Home and modals have no response URL."""
    return lambda text: tell_in_dm(client, user_id, text)
