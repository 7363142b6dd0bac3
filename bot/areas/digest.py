"""Each area's part of the weekly digest: its data from the area's service, put into words by
`bot.views.digest`.

Every source reads a bounded amount (a few queries whatever the size of the register) and
returns None when it has nothing to say. `DIGEST_SECTIONS` lists them in the order they appear.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from bot.areas.context import DigestContext, DigestSectionSource
from bot.services import availability, issues, polls, prompts, proposals, volunteering
from bot.services.digest import Digest, DigestSection
from bot.views import digest as views

# The top issues shown each week, of those with at least one +1.
TOP_ISSUES = 5
# Who is away is told for the seven days after the digest, counting its own.
AWAY_DAYS = 7


def next_meetings(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Dates the group has decided on and that are still ahead."""
    return views.meetings_section(polls.upcoming_meetings(session, ctx.team_id, now=ctx.now),
                                  period_start=ctx.period.start)


def open_polls(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Polls still open, with how many have answered."""
    return views.open_polls_section(polls.open_polls(session, ctx.team_id), zone=ctx.zone)


def open_proposals(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Proposals still open, with how many have responded."""
    return views.open_proposals_section(proposals.open_proposals(session, ctx.team_id), zone=ctx.zone)


def decided_proposals(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Outcomes recorded this period."""
    return views.decided_proposals_section(
        proposals.decided_between(session, ctx.team_id, since=ctx.period.start, until=ctx.until))


def new_issues(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Issues added to the register this period."""
    return views.new_issues_section(issues.new_issues(session, ctx.team_id, since=ctx.period.start, until=ctx.until))


def top_issues(session: Session, ctx: DigestContext) -> DigestSection | None:
    """The open issues the group has backed most (an issue nobody has backed is not among them)."""
    backed = [item for item in issues.top_issues(session, ctx.team_id, limit=TOP_ISSUES) if item.plus_ones > 0]
    return views.top_issues_section(backed)


def this_weeks_prompt(session: Session, ctx: DigestContext) -> DigestSection | None:
    """The question members were asked this period, and the answers their authors let be quoted."""
    return views.prompt_section(prompts.period_prompt(session, ctx.team_id, start=ctx.period.start, end=ctx.until))


def volunteer_calls(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Calls for volunteers with places still to fill."""
    return views.volunteer_calls_section(volunteering.open_calls(session, ctx.team_id))


def away_next_week(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Who is away in the seven days from the day the digest is gathered, in the group's time zone."""
    first = ctx.now.astimezone(ctx.zone).date()
    return views.away_section(availability.away_between(session, ctx.team_id, first,
                                                        first + timedelta(days=AWAY_DAYS - 1)))


# The weekly digest's sections, in order.
DIGEST_SECTIONS: list[DigestSectionSource] = [
    next_meetings,
    open_polls,
    open_proposals,
    decided_proposals,
    new_issues,
    top_issues,
    this_weeks_prompt,
    volunteer_calls,
    away_next_week,
]


def build_digest(session: Session, context: DigestContext, sources: Sequence[DigestSectionSource]) -> Digest:
    """Ask each area for its section; areas with nothing to report leave theirs out."""
    sections = [section for source in sources if (section := source(session, context)) is not None]
    return Digest(team_id=context.team_id, period=context.period, sections=sections)
