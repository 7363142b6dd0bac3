"""What each area contributes to the features that span them all.

An area (polls, issues, availability, prompts, digest…) adds its functions to these lists; the
App Home, `/convene my-data`, `/convene forget-me` and start-up read them. Order matters: it is
the order of the App Home's sections and of the data export.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from bot.home import HomeContext, HomeSection
from bot.services import availability, issues, issues_export, poll_dates, polls, volunteering
from bot.services.digest import DigestSectionSource, away_next_week
from bot.services.personal_data import Exporter, Forgetter, export_profile
from bot.views import issues as issue_views
from bot.views import polls as poll_views
from bot.views.blocks import Block


def polls_waiting_for_vote(session: Session, ctx: HomeContext) -> list[Block]:
    return poll_views.home_blocks(polls.awaiting_vote(session, ctx.team_id, ctx.user_id), ctx.zone)


def top_open_issues(session: Session, ctx: HomeContext) -> list[Block]:
    return issue_views.home_section(issues.top_issues(session, ctx.team_id, limit=5, viewer=ctx.user_id))


HOME_SECTIONS: list[HomeSection] = [
    polls_waiting_for_vote,
    availability.home_section,
    top_open_issues,
    volunteering.home_section,
]

PERSONAL_DATA_EXPORTERS: list[Exporter] = [
    export_profile,
    polls.export_poll_data,
    availability.export_personal_data,
    volunteering.export_personal_data,
    issues_export.export_personal_data,
]

# Run before the member's profile is deleted; anonymise what must outlive the member.
PERSONAL_DATA_FORGETTERS: list[tuple[str, Forgetter]] = [
    ("Polls", polls.forget_poll_data),
    ("Availability", availability.forget_personal_data),
    ("Volunteering", volunteering.forget_personal_data),
    ("Issues", issues_export.forget_member),
]

# The weekly digest's sections, in order; an area with nothing to report returns None.
DIGEST_SECTIONS: list[DigestSectionSource] = [
    volunteering.digest_section,
    away_next_week,
]

# Slow first-use work done when a Slack-facing process starts (loading a parser's data…).
WARMERS: list[Callable[[], None]] = [
    poll_dates.warm,
    volunteering.warm_up,
]
