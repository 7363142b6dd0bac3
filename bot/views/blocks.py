"""Small Block Kit builders that keep within Slack's limits, so a message is never rejected.

Every builder takes text that is already mrkdwn-safe (escape user text with `bot.text.escape`
first) and shortens it with "…" where Slack would refuse it.
"""

from __future__ import annotations

from typing import Any

from bot.text import truncate

Block = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTION_ELEMENTS = 25
MAX_OPTION_TEXT = 75
MAX_MODAL_TITLE = 24
MAX_MESSAGE_TEXT = 3000  # the notification fallback; Slack allows more but nobody reads it


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def plain(text: str, *, limit: int = MAX_SECTION_TEXT, emoji: bool = True) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit) or " ", "emoji": emoji}


def section(text: str, *, block_id: str | None = None, accessory: dict[str, Any] | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(truncate(text, MAX_SECTION_TEXT) or " ")}
    if block_id:
        block["block_id"] = block_id
    if accessory:
        block["accessory"] = accessory
    return block


def fields(*texts: str, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "fields": [mrkdwn(truncate(t, MAX_FIELD_TEXT) or " ") for t in texts[:10]]}
    if block_id:
        block["block_id"] = block_id
    return block


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, limit=MAX_HEADER_TEXT)}


def context(*texts: str) -> Block:
    return {
        "type": "context",
        "elements": [mrkdwn(truncate(t, MAX_SECTION_TEXT) or " ") for t in texts[:MAX_CONTEXT_ELEMENTS]],
    }


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    *,
    value: str | None = None,
    style: str | None = None,
    url: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(text, limit=MAX_BUTTON_TEXT), "action_id": action_id}
    if value is not None:
        element["value"] = value[:MAX_BUTTON_VALUE]
    if style in ("primary", "danger"):
        element["style"] = style
    if url:
        element["url"] = url
    if confirm:
        element["confirm"] = confirm
    return element


def actions(*elements: dict[str, Any], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements[:MAX_ACTION_ELEMENTS])}
    if block_id:
        block["block_id"] = block_id
    return block


def confirm_dialog(title: str, text: str, *, confirm: str = "Yes", deny: str = "Cancel") -> dict[str, Any]:
    return {
        "title": plain(title, limit=100),
        "text": mrkdwn(truncate(text, 300)),
        "confirm": plain(confirm, limit=30),
        "deny": plain(deny, limit=30),
    }


def option(text: str, value: str, *, description: str | None = None) -> dict[str, Any]:
    opt: dict[str, Any] = {"text": plain(text, limit=MAX_OPTION_TEXT), "value": value[:150]}
    if description:
        opt["description"] = plain(description, limit=MAX_OPTION_TEXT)
    return opt


def input_block(
    label: str,
    element: dict[str, Any],
    *,
    block_id: str,
    optional: bool = False,
    hint: str | None = None,
    dispatch_action: bool = False,
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, limit=2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, limit=2000)
    if dispatch_action:
        block["dispatch_action"] = True
    return block


def modal(
    title: str,
    blocks: list[Block],
    *,
    callback_id: str,
    submit: str | None = None,
    close: str = "Cancel",
    private_metadata: str = "",
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, limit=MAX_MODAL_TITLE),
        "close": plain(close, limit=MAX_MODAL_TITLE),
        "blocks": fit_blocks(blocks, MAX_VIEW_BLOCKS),
        "private_metadata": private_metadata,
    }
    if submit:
        view["submit"] = plain(submit, limit=MAX_MODAL_TITLE)
    return view


def fit_blocks(blocks: list[Block], limit: int = MAX_MESSAGE_BLOCKS, *, more: str | None = None) -> list[Block]:
    """At most `limit` blocks; when cut, the last one says what was left out."""
    if len(blocks) <= limit:
        return blocks
    kept = blocks[: limit - 1]
    hidden = len(blocks) - len(kept)
    return kept + [context(more or f"…and {hidden} more not shown here.")]


def message_text(text: str) -> str:
    """The plain notification text that goes with blocks."""
    return truncate(text, MAX_MESSAGE_TEXT)


def date_token(epoch: int, fmt: str, fallback: str) -> str:
    """`<!date^…>`: Slack shows the instant in each reader's own time zone."""
    return f"<!date^{epoch}^{fmt}|{fallback}>"
