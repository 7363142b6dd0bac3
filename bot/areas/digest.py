"""Each area's part of the weekly digest: its data from the area's service, put into words.

Every function reads a bounded amount (a few queries whatever the size of the register) and
returns None when it has nothing to say. `bot.areas.DIGEST_SECTIONS` lists them in order.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from bot.services import availability, issues, polls, prompts, proposals, volunteering
from bot.services.digest import MAX_LINES_PER_SECTION, DigestContext, DigestLine, DigestSection
from bot.text import escape
from bot.views.blocks import date_token
from bot.views.polls import deadline_text, meeting_when
from bot.views.proposals import responded_text, title_of


def next_meetings(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Dates the group has decided on and that are still ahead."""
    meetings = polls.upcoming_meetings(session, ctx.team_id, now=ctx.now)
    if not meetings:
        return None
    lines = [DigestLine(escape(m.title), meeting_when(m), m.channel_id, m.message_ts)
             for m in meetings[:MAX_LINES_PER_SECTION]]
    decided_now = any(m.decided_at is not None and m.decided_at >= ctx.period.start for m in meetings)
    title = "Next meeting" if len(meetings) == 1 else "Coming up"
    return DigestSection("meetings", title, lines, total=len(meetings), news=decided_now)


def open_polls(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Polls still open: how many have answered and when they close, never who has not."""
    summaries = polls.open_polls(session, ctx.team_id)
    if not summaries:
        return None
    lines = []
    for poll in summaries[:MAX_LINES_PER_SECTION]:
        detail = f"{poll.voters} of {poll.invited} answered" if poll.invited else f"{poll.voters} answered"
        if poll.deadline is not None:
            detail += f", closes {deadline_text(poll.deadline, ctx.zone)}"
        lines.append(DigestLine(escape(poll.title), detail, poll.channel_id, poll.message_ts))
    return DigestSection("polls", "Open polls: have your say", lines, total=len(summaries),
                         more_hint="`/meet list` in each channel")


def open_proposals(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Proposals still open: how many have responded and when they close, never who has not."""
    summaries = proposals.open_proposals(session, ctx.team_id)
    if not summaries:
        return None
    lines = [DigestLine(f"Proposal {item.number}: {escape(title_of(item.text))}",
                        f"{responded_text(item.responded, item.asked)}, closes {deadline_text(item.closes_at, ctx.zone)}",
                        item.channel_id, item.message_ts) for item in summaries[:MAX_LINES_PER_SECTION]]
    return DigestSection("proposals", "Proposals: where do you stand?", lines, total=len(summaries),
                         more_hint="`/propose list open`")


def decided_proposals(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Outcomes recorded this period, with how many organisations agreed."""
    items = proposals.decided_between(session, ctx.team_id, since=ctx.period.start, until=ctx.until)
    if not items:
        return None
    lines = []
    for item in items[:MAX_LINES_PER_SECTION]:
        detail = f"*{item.outcome_label}*"
        if item.organisations_represented:
            detail += f", {item.organisations_agreeing or 0} of {item.organisations_represented} organisations agreed"
        if item.quorum_met is False:
            detail += ", no quorum"
        lines.append(DigestLine(f"Proposal {item.number}: {escape(title_of(item.text))}", detail,
                                item.channel_id, item.message_ts))
    return DigestSection("outcomes", "Decided this week", lines, total=len(items),
                         more_hint="`/propose list decided`")


def new_issues(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Issues added to the register this period."""
    items = issues.new_issues(session, ctx.team_id, since=ctx.period.start, until=ctx.until)
    if not items:
        return None
    lines = [DigestLine(f"#{item.number} {escape(item.title)}", _issue_detail(item), item.channel_id,
                        item.message_ts) for item in items[:MAX_LINES_PER_SECTION]]
    return DigestSection("new-issues", f"New issues ({len(items)})", lines, total=len(items),
                         more_hint="`/issue list new`")


def top_issues(session: Session, ctx: DigestContext) -> DigestSection | None:
    """The open issues the group has backed most."""
    items = [item for item in issues.top_issues(session, ctx.team_id, limit=5) if item.plus_ones > 0]
    if not items:
        return None
    lines = [DigestLine(f"#{item.number} {escape(item.title)}", _issue_detail(item), item.channel_id,
                        item.message_ts) for item in items]
    return DigestSection("top-issues", "Most supported issues", lines, more_hint="`/issue list top`", news=False)


def _issue_detail(item: issues.IssueSummary) -> str:
    parts = [f"{item.plus_ones} × +1"] if item.plus_ones else []
    if item.tags:
        parts.append(" ".join(f"#{escape(tag)}" for tag in item.tags[:4]))
    return ", ".join(parts)


def this_weeks_prompt(session: Session, ctx: DigestContext) -> DigestSection | None:
    """The question members were asked this period, how many answered, and quotes their authors allowed."""
    asked = prompts.period_prompt(session, ctx.team_id, start=ctx.period.start, end=ctx.until)
    if asked is None:
        return None
    answered = f"{asked.answered} of {asked.sent} answered" if asked.sent else "no one was asked yet"
    summary = f"_{escape(asked.question)}_\n{answered}. Answer any time from the message Convene sent you."
    lines = [DigestLine(f"“{escape(quote.text)}”", f"{escape(quote.credited_as)}") for quote in asked.quotes]
    return DigestSection("prompt", "This week's question", lines, summary=summary)


def volunteer_calls(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Calls for volunteers with places still to fill."""
    calls = volunteering.open_calls(session, ctx.team_id)
    if not calls:
        return None
    lines = []
    for call in calls[:MAX_LINES_PER_SECTION]:
        detail = f"{call.places_left} of {call.needed} place{'s' if call.needed != 1 else ''} to fill"
        if call.deadline is not None:
            until = date_token(int(call.deadline.timestamp()), "{date_short_pretty} {time}", "the deadline")
            detail += f", until {until}"
        lines.append(DigestLine(escape(call.task), detail, call.channel_id, call.message_ts))
    return DigestSection("volunteering", "Calls for volunteers", lines, total=len(calls),
                         more_hint="`/volunteer list`")


def away_next_week(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Who is away in the seven days after the digest, by name as plain text: nobody is pinged for it."""
    first = ctx.now.astimezone(ctx.zone).date()
    away = availability.away_between(session, ctx.team_id, first, first + timedelta(days=6))
    if not away:
        return None
    lines = [DigestLine(escape(person.name), _date_range(person.start, person.end))
             for person in away[:MAX_LINES_PER_SECTION]]
    return DigestSection("away", "Away in the coming week", lines, total=len(away), news=False)


def _date_range(first: date, last: date) -> str:
    if first == last:
        return first.strftime("%a %-d %b")
    return f"{first.strftime('%a %-d %b')} – {last.strftime('%a %-d %b')}"
