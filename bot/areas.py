"""What each area contributes to the features that span them all.

An area (polls, issues, availability, prompts, digest…) adds its functions to these lists; the
App Home, `/convene my-data`, `/convene forget-me` and start-up read them. Order matters: it is
the order of the App Home's sections and of the data export.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from bot.home import HomeContext, HomeSection
from bot.services import poll_dates, polls
from bot.services.personal_data import Exporter, Forgetter, export_profile
from bot.views import polls as poll_views
from bot.views.blocks import Block


def polls_waiting_for_vote(session: Session, ctx: HomeContext) -> list[Block]:
    return poll_views.home_blocks(polls.awaiting_vote(session, ctx.team_id, ctx.user_id), ctx.zone)


HOME_SECTIONS: list[HomeSection] = [polls_waiting_for_vote]

PERSONAL_DATA_EXPORTERS: list[Exporter] = [export_profile, polls.export_poll_data]

# Run before the member's profile is deleted; anonymise what must outlive the member.
PERSONAL_DATA_FORGETTERS: list[tuple[str, Forgetter]] = [("Polls", polls.forget_poll_data)]

# Slow first-use work done when a Slack-facing process starts (loading a parser's data…).
WARMERS: list[Callable[[], None]] = [poll_dates.warm]
