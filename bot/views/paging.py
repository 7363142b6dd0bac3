"""The Previous / Next buttons under every paged list, and "page N of M".

Every paged list looks and works the same: `‹ Previous` and `Next ›`, with action IDs
`<list>_previous` and `<list>_next`, each button's value saying which page it shows (and what
list, never who is looking). The page arithmetic is `bot.services.paging`.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from bot.services.paging import Window
from bot.views.blocks import Block, actions, button, context

PREVIOUS = "‹ Previous"
NEXT = "Next ›"

# The App Home's sections page with one pair of actions; the value names the section.
HOME_PAGE_ACTION = "home_page"


def page_label(number: int, pages: int) -> str:
    return f"Page {number} of {pages}"


def pager(number: int, pages: int, action_id: str, value_for: Callable[[int], str], *,
          block_id: str | None = None) -> Block | None:
    """`‹ Previous` / `Next ›` for page `number` of `pages`; None when there is only one page."""
    buttons = []
    if number > 1:
        buttons.append(button(PREVIOUS, f"{action_id}_previous", value=value_for(number - 1)))
    if number < pages:
        buttons.append(button(NEXT, f"{action_id}_next", value=value_for(number + 1)))
    return actions(*buttons, block_id=block_id) if buttons else None


def home_pager(section: str, window: Window, noun: str) -> list[Block]:
    """Under an App Home section: "Page 2 of 7 · 34 <noun>" and the buttons; nothing for one page."""
    buttons = pager(window.number, window.pages, HOME_PAGE_ACTION, lambda page: home_page_value(section, page),
                    block_id=f"{HOME_PAGE_ACTION}_{section}")
    if buttons is None:
        return []
    return [context(f"{page_label(window.number, window.pages)} · {window.total} {noun}"), buttons]


def home_page_value(section: str, page: int) -> str:
    return json.dumps({"s": section, "p": page}, separators=(",", ":"))


def read_home_page_value(value: str | None) -> tuple[str, int] | None:
    """(section, page) from a Home paging button; None for anything else."""
    try:
        data = json.loads(value or "")
        section, page = data["s"], data["p"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(section, str) or not isinstance(page, int) or isinstance(page, bool):
        return None
    return section, page
