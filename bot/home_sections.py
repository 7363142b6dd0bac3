"""Each area's section of the App Home: the area's data, rendered by its view.

`bot.areas.HOME_SECTIONS` lists them in the order members see them. A section with nothing to
show returns [].
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.home import HomeContext
from bot.services import availability, issues, polls, prompts, proposals, volunteering
from bot.views import issues as issue_views
from bot.views import polls as poll_views
from bot.views import prompts as prompt_views
from bot.views import proposals as proposal_views
from bot.views.availability import availability_home_blocks
from bot.views.blocks import Block
from bot.views.volunteering import volunteering_home_blocks


def polls_waiting_for_vote(session: Session, ctx: HomeContext) -> list[Block]:
    return poll_views.home_blocks(polls.awaiting_vote(session, ctx.team_id, ctx.user_id), ctx.zone)


def proposals_waiting_for_position(session: Session, ctx: HomeContext) -> list[Block]:
    return proposal_views.home_blocks(proposals.awaiting_position(session, ctx.team_id, ctx.user_id))


def prompts_waiting_for_answer(session: Session, ctx: HomeContext) -> list[Block]:
    """Prompts the member has not answered yet (and their pause, if they took one)."""
    return prompt_views.home_blocks(prompts.member_prompts(session, ctx.team_id, ctx.user_id, now=ctx.now))


def your_availability(session: Session, ctx: HomeContext) -> list[Block]:
    """The member's pattern and dates away, with buttons to edit them or see the group's week."""
    saved = availability.saved_availability(session, ctx.team_id, ctx.user_id, today=ctx.now.astimezone(ctx.zone).date())
    return availability_home_blocks(saved, zone_in_use=ctx.zone.key)


def top_open_issues(session: Session, ctx: HomeContext) -> list[Block]:
    return issue_views.home_section(issues.top_issues(session, ctx.team_id, limit=5, viewer=ctx.user_id))


def open_volunteer_calls(session: Session, ctx: HomeContext) -> list[Block]:
    return volunteering_home_blocks(volunteering.open_calls(session, ctx.team_id), ctx.user_id)
