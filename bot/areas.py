"""What each area contributes to the features that span them all.

An area (polls, issues, availability, prompts, digest…) adds its functions to these lists; the
App Home, `/convene my-data`, `/convene forget-me` and start-up read them. Order matters: it is
the order of the App Home's sections and of the data export.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from bot.home import HomeContext, HomeSection
from bot.services import prompts as prompt_service
from bot.services.personal_data import Exporter, Forgetter, export_profile
from bot.views import prompts as prompt_views
from bot.views.blocks import Block


def prompts_home(session: Session, ctx: HomeContext) -> list[Block]:
    """Prompts waiting for the member's answer, or their pause."""
    return prompt_views.home_blocks(prompt_service.member_prompts(session, ctx.team_id, ctx.user_id, now=ctx.now))


HOME_SECTIONS: list[HomeSection] = [prompts_home]

PERSONAL_DATA_EXPORTERS: list[Exporter] = [export_profile, prompt_service.export_prompts]

# Run before the member's profile is deleted; anonymise what must outlive the member.
PERSONAL_DATA_FORGETTERS: list[tuple[str, Forgetter]] = [("Prompts", prompt_service.forget_prompts)]

# Slow first-use work done when a Slack-facing process starts (loading a parser's data…).
WARMERS: list[Callable[[], None]] = []
