"""The App Home view: buttons for the commands' forms, each area's section, the commands."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.views import availability as availability_views
from bot.views import digest as digest_views
from bot.views import help as help_view
from bot.views import issues as issue_views
from bot.views import polls as poll_views
from bot.views import prompts as prompt_views
from bot.views import proposals as proposal_views
from bot.views import volunteering as volunteering_views
from bot.views.blocks import MAX_VIEW_BLOCKS, Block, actions, button, context, divider, fit_blocks, header, section

if TYPE_CHECKING:
    from bot.areas.context import HomeContext

MEMBER_BUTTONS_BLOCK = "home_buttons"
COORDINATOR_BUTTONS_BLOCK = "home_coordinator_buttons"

# Each button opens what its command opens; the area that owns the command answers the click.
# (label, action ID)
MEMBER_BUTTONS: tuple[tuple[str, str], ...] = (
    ("New poll", poll_views.NEW_ACTION),
    ("Log an issue", issue_views.NEW_ACTION),
    ("My availability", availability_views.OPEN_ACTION),
    ("Call for volunteers", volunteering_views.NEW_ACTION),
    ("New proposal", proposal_views.NEW_ACTION),
)
# Shown to coordinators only; each listener checks again that whoever clicked is one.
COORDINATOR_BUTTONS: tuple[tuple[str, str], ...] = (
    ("Send a prompt", prompt_views.SEND_FORM_ACTION),
    ("Digest preview", digest_views.PREVIEW_ACTION),
    ("Export", issue_views.EXPORT_ACTION),
)

# The sections that page, by the name their Previous / Next buttons carry.
PAGED_SECTIONS = frozenset({poll_views.HOME_SECTION, proposal_views.HOME_SECTION, prompt_views.HOME_SECTION,
                            issue_views.HOME_SECTION, volunteering_views.HOME_SECTION})


def buttons_blocks(*, is_coordinator: bool) -> list[Block]:
    blocks: list[Block] = [actions(*(button(label, action_id, value="home") for label, action_id in MEMBER_BUTTONS),
                                   block_id=MEMBER_BUTTONS_BLOCK)]
    if is_coordinator:
        blocks.append(context("*For coordinators*"))
        blocks.append(actions(*(button(label, action_id, value="home") for label, action_id in COORDINATOR_BUTTONS),
                              block_id=COORDINATOR_BUTTONS_BLOCK))
    return blocks


def home_view(ctx: HomeContext, sections: list[list[Block]]) -> dict[str, Any]:
    blocks: list[Block] = [header("Convene"), section(help_view.INTRO),
                           *buttons_blocks(is_coordinator=ctx.is_coordinator)]
    for part in sections:
        blocks.append(divider())
        blocks.extend(part)
    blocks.append(divider())
    commands = "\n".join(f"`{name} help` — {entry.summary}" for name, entry in help_view.COMMANDS.items())
    blocks.append(section(f"*Commands*\n{commands}"))
    if ctx.is_coordinator:
        blocks.append(context("You are a coordinator: `/convene settings` changes the group's channel and time zone."))
    return {"type": "home", "blocks": fit_blocks(blocks, MAX_VIEW_BLOCKS), "private_metadata": pages_metadata(ctx.pages)}


def pages_metadata(pages: Mapping[str, int]) -> str:
    """Which page each section is on, kept in the Home view so that paging one keeps the others."""
    shown = {name: page for name, page in sorted(pages.items()) if page > 1}
    return json.dumps({"pages": shown}, separators=(",", ":")) if shown else ""


def read_pages(view: Mapping[str, Any] | None) -> dict[str, int]:
    """The pages a published Home view was on (from `pages_metadata`); {} when it says nothing usable."""
    try:
        pages = json.loads((view or {}).get("private_metadata") or "{}").get("pages") or {}
    except (ValueError, AttributeError):
        return {}
    if not isinstance(pages, dict):
        return {}
    return {name: page for name, page in pages.items()
            if name in PAGED_SECTIONS and isinstance(page, int) and not isinstance(page, bool) and page > 0}


FORGOTTEN = (
    "Convene has forgotten you: it keeps nothing about you and leaves you out of prompts, reminders "
    "and polls. Use any Convene command (`/convene help`, say) and it will know you again."
)


def forgotten_home_view() -> dict[str, Any]:
    """The App Home of someone who asked Convene to forget them (it shows nothing of anyone)."""
    return {"type": "home", "blocks": [header("Convene"), section(FORGOTTEN)]}
