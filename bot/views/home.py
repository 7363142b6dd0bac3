"""The App Home view."""

from __future__ import annotations

from typing import Any

from bot.home import HomeContext
from bot.views import help as help_view
from bot.views.blocks import MAX_VIEW_BLOCKS, Block, context, divider, fit_blocks, header, section


def home_view(ctx: HomeContext, sections: list[list[Block]]) -> dict[str, Any]:
    blocks: list[Block] = [header("Convene"), section(help_view.INTRO)]
    for part in sections:
        blocks.append(divider())
        blocks.extend(part)
    blocks.append(divider())
    commands = "\n".join(f"`{name} help` — {entry.summary}" for name, entry in help_view.COMMANDS.items())
    blocks.append(section(f"*Commands*\n{commands}"))
    if ctx.is_coordinator:
        blocks.append(context("You are a coordinator: `/convene settings` changes the group's channel and time zone."))
    return {"type": "home", "blocks": fit_blocks(blocks, MAX_VIEW_BLOCKS)}


FORGOTTEN = (
    "Convene has forgotten you: it keeps nothing about you and leaves you out of prompts, reminders "
    "and polls. Use any Convene command (`/convene help`, say) and it will know you again."
)


def forgotten_home_view() -> dict[str, Any]:
    """The App Home of someone who asked Convene to forget them (it shows nothing of anyone)."""
    return {"type": "home", "blocks": [header("Convene"), section(FORGOTTEN)]}
