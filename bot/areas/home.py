"""Each area's section of the App Home: the area's data from its service, rendered by its view.

`HOME_SECTIONS` lists them in the order members see them. A section with nothing to show
returns []. Lists show one page (`HOME_PAGE_SIZE` items) at a time: the page each one is on
comes in the context, and its Previous / Next buttons republish the Home on another.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from bot.areas.context import HomeContext, HomeSection
from bot.services import availability, issues, paging, polls, prompts, proposals, volunteering
from bot.views import issues as issue_views
from bot.views import polls as poll_views
from bot.views import prompts as prompt_views
from bot.views import proposals as proposal_views
from bot.views import volunteering as volunteering_views
from bot.views.availability import availability_home_blocks
from bot.views.blocks import Block

# Items per page in each of the Home's lists: a phone's screen of each, and every section together
# well within Slack's 100 blocks.
HOME_PAGE_SIZE = 5


def polls_waiting_for_vote(session: Session, ctx: HomeContext) -> list[Block]:
    found = polls.awaiting_vote(session, ctx.team_id, ctx.user_id)
    page, shown = paging.page_of(found, ctx.page(poll_views.HOME_SECTION), HOME_PAGE_SIZE)
    return poll_views.home_blocks(shown, ctx.zone, page)


def proposals_waiting_for_position(session: Session, ctx: HomeContext) -> list[Block]:
    found = proposals.awaiting_position(session, ctx.team_id, ctx.user_id)
    page, shown = paging.page_of(found, ctx.page(proposal_views.HOME_SECTION), HOME_PAGE_SIZE)
    return proposal_views.home_blocks(shown, page)


def prompts_waiting_for_answer(session: Session, ctx: HomeContext) -> list[Block]:
    """Prompts the member has not answered yet (and their pause, if they took one)."""
    return prompt_views.home_blocks(prompts.member_prompts(
        session, ctx.team_id, ctx.user_id, now=ctx.now, page=ctx.page(prompt_views.HOME_SECTION), size=HOME_PAGE_SIZE))


def your_availability(session: Session, ctx: HomeContext) -> list[Block]:
    """The member's pattern and dates away, with buttons to edit them or see the group's week."""
    saved = availability.saved_availability(session, ctx.team_id, ctx.user_id, today=ctx.now.astimezone(ctx.zone).date())
    return availability_home_blocks(saved, zone_in_use=ctx.zone.key)


def top_open_issues(session: Session, ctx: HomeContext) -> list[Block]:
    page, shown = issues.top_issues_page(session, ctx.team_id, page=ctx.page(issue_views.HOME_SECTION),
                                         size=HOME_PAGE_SIZE, viewer=ctx.user_id)
    return issue_views.home_section(shown, page)


def open_volunteer_calls(session: Session, ctx: HomeContext) -> list[Block]:
    found = volunteering.open_calls(session, ctx.team_id)
    page, shown = paging.page_of(found, ctx.page(volunteering_views.HOME_SECTION), HOME_PAGE_SIZE)
    return volunteering_views.volunteering_home_blocks(shown, ctx.user_id, page)


HOME_SECTIONS: list[HomeSection] = [
    polls_waiting_for_vote,
    proposals_waiting_for_position,
    prompts_waiting_for_answer,
    your_availability,
    top_open_issues,
    open_volunteer_calls,
]


def home_sections(session: Session, context: HomeContext, sections: Sequence[HomeSection]) -> list[list[Block]]:
    """Each section's blocks, in order, leaving out the sections with nothing to show."""
    return [blocks for section in sections if (blocks := section(session, context))]
