"""The digest as Slack shows it: each area's part put into words, and the whole digest, as pure
functions of what the areas' services found."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.services.availability import Away
from bot.services.digest import MAX_LINES_PER_SECTION, Digest, DigestLine, DigestSection, Period, Schedule
from bot.services.issues import IssueSummary
from bot.services.polls import Meeting, OpenPollSummary
from bot.services.prompts import PeriodPrompt
from bot.services.proposals import ProposalSummary
from bot.services.volunteering import CallState
from bot.text import escape, truncate
from bot.views.blocks import (
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
    Block,
    context,
    date_token,
    divider,
    fit_blocks,
    header,
    message_text,
    modal,
    section,
)
from bot.views.polls import deadline_text, meeting_when
from bot.views.proposals import responded_text, title_of

PREVIEW_ACTION = "digest_preview"  # the App Home's *Digest preview* (coordinators)
PREVIEW_MODAL = "digest_preview"

# A line longer than this is shortened, so one long issue title cannot crowd out the rest.
MAX_LINE = 300
QUIET = (
    "A quiet week: nothing new to report. Add an issue with `/issue`, or find a date with `/meet`, "
    "and it will be here next time."
)


def period_label(period: Period) -> str:
    start, end = period.start, period.end
    if start.month == end.month:
        return f"{start.day}–{end.day} {end.strftime('%b %Y')}"
    return f"{start.day} {start.strftime('%b')} – {end.day} {end.strftime('%b %Y')}"


LinkFor = Callable[[str, str], str | None]
"""(channel_id, ts) → a link to that message, or None."""


def no_links(channel_id: str, ts: str) -> str | None:
    return None


def line_text(line: DigestLine, link_for: LinkFor) -> str:
    url = link_for(line.channel_id, line.ts) if line.channel_id and line.ts else None
    label = truncate(line.label, MAX_LINE)
    head = f"<{url}|{label}>" if url else label
    return f"{head} — {truncate(line.detail, MAX_LINE)}" if line.detail else head


def section_text(part: DigestSection, *, link_for: LinkFor = no_links, limit: int = MAX_SECTION_TEXT) -> str:
    """Title, summary and as many lines as fit; the rest is counted in "…and N more"."""
    head = f"*{part.title}*" + (f"\n{part.summary}" if part.summary else "")
    total = part.total if part.total is not None else len(part.lines)
    budget = limit - len(head) - len(_more(total, part.more_hint)) - 2
    shown: list[str] = []
    for line in part.lines:
        item = f"• {line_text(line, link_for)}"
        if sum(len(s) + 1 for s in shown) + len(item) + 1 > budget:
            break
        shown.append(item)
    hidden = total - len(shown)
    return "\n".join([head, *shown] + ([_more(hidden, part.more_hint)] if hidden > 0 else []))


def _more(count: int, hint: str | None) -> str:
    return f"_…and {count} more" + (f": {hint}_" if hint else "_")


# Each area's part. Lists are given in full (so "…and N more" can count them); each section shows
# at most MAX_LINES_PER_SECTION of them, and None means the area has nothing to say.


def meetings_section(meetings: Sequence[Meeting], *, period_start: datetime) -> DigestSection | None:
    """Dates the group has decided on and that are still ahead; news when one was decided this period."""
    if not meetings:
        return None
    lines = [DigestLine(escape(m.title), meeting_when(m), m.channel_id, m.message_ts)
             for m in meetings[:MAX_LINES_PER_SECTION]]
    decided_now = any(m.decided_at is not None and m.decided_at >= period_start for m in meetings)
    title = "Next meeting" if len(meetings) == 1 else "Coming up"
    return DigestSection("meetings", title, lines, total=len(meetings), news=decided_now)


def open_polls_section(summaries: Sequence[OpenPollSummary], *, zone: ZoneInfo) -> DigestSection | None:
    """Polls still open: how many have answered and when they close, never who has not."""
    if not summaries:
        return None
    lines = []
    for poll in summaries[:MAX_LINES_PER_SECTION]:
        detail = f"{poll.voters} of {poll.invited} answered" if poll.invited else f"{poll.voters} answered"
        if poll.deadline is not None:
            detail += f", closes {deadline_text(poll.deadline, zone)}"
        lines.append(DigestLine(escape(poll.title), detail, poll.channel_id, poll.message_ts))
    return DigestSection("polls", "Open polls: have your say", lines, total=len(summaries),
                         more_hint="`/meet list` in each channel")


def open_proposals_section(summaries: Sequence[ProposalSummary], *, zone: ZoneInfo) -> DigestSection | None:
    """Proposals still open: how many have responded and when they close, never who has not."""
    if not summaries:
        return None
    lines = [DigestLine(f"Proposal {item.number}: {escape(title_of(item.text))}",
                        f"{responded_text(item.responded, item.asked)}, closes {deadline_text(item.closes_at, zone)}",
                        item.channel_id, item.message_ts) for item in summaries[:MAX_LINES_PER_SECTION]]
    return DigestSection("proposals", "Proposals: where do you stand?", lines, total=len(summaries),
                         more_hint="`/propose list open`")


def decided_proposals_section(items: Sequence[ProposalSummary]) -> DigestSection | None:
    """Outcomes recorded this period, with how many organisations agreed."""
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


def new_issues_section(items: Sequence[IssueSummary]) -> DigestSection | None:
    """Issues added to the register this period."""
    if not items:
        return None
    lines = [DigestLine(f"#{item.number} {escape(item.title)}", _issue_detail(item), item.channel_id,
                        item.message_ts) for item in items[:MAX_LINES_PER_SECTION]]
    return DigestSection("new-issues", f"New issues ({len(items)})", lines, total=len(items),
                         more_hint="`/issue list new`")


def top_issues_section(items: Sequence[IssueSummary]) -> DigestSection | None:
    """The open issues the group has backed most (standing, not news)."""
    if not items:
        return None
    lines = [DigestLine(f"#{item.number} {escape(item.title)}", _issue_detail(item), item.channel_id,
                        item.message_ts) for item in items]
    return DigestSection("top-issues", "Most supported issues", lines, more_hint="`/issue list top`", news=False)


def _issue_detail(item: IssueSummary) -> str:
    parts = [f"{item.plus_ones} × +1"] if item.plus_ones else []
    if item.tags:
        parts.append(" ".join(f"#{escape(tag)}" for tag in item.tags[:4]))
    return ", ".join(parts)


def prompt_section(asked: PeriodPrompt | None) -> DigestSection | None:
    """The question members were asked this period, how many answered, and quotes their authors allowed."""
    if asked is None:
        return None
    answered = f"{asked.answered} of {asked.sent} answered" if asked.sent else "no one was asked yet"
    summary = f"_{escape(asked.question)}_\n{answered}. Answer any time from the message Convene sent you."
    lines = [DigestLine(f"“{escape(quote.text)}”", f"{escape(quote.credited_as)}") for quote in asked.quotes]
    return DigestSection("prompt", "This week's question", lines, summary=summary)


def volunteer_calls_section(calls: Sequence[CallState]) -> DigestSection | None:
    """Calls for volunteers with places still to fill."""
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


def away_section(away: Sequence[Away]) -> DigestSection | None:
    """Who is away, by name as plain text: nobody is pinged for it (standing, not news)."""
    if not away:
        return None
    lines = [DigestLine(escape(person.name), _date_range(person.start, person.end))
             for person in away[:MAX_LINES_PER_SECTION]]
    return DigestSection("away", "Away in the coming week", lines, total=len(away), news=False)


def _date_range(first: date, last: date) -> str:
    if first == last:
        return first.strftime("%a %-d %b")
    return f"{first.strftime('%a %-d %b')} – {last.strftime('%a %-d %b')}"


# The whole digest


def digest_blocks(digest: Digest, *, link_for: LinkFor = no_links) -> list[Block]:
    end = int(digest.period.end.timestamp())
    blocks: list[Block] = [
        header(f"Convene weekly digest · {period_label(digest.period)}"),
        context(f"The week to {date_token(end, '{date_short_pretty} {time}', period_label(digest.period))}"),
    ]
    if digest.quiet:
        blocks.append(section(QUIET))
    for part in digest.sections:
        blocks.append(divider())
        blocks.append(section(section_text(part, link_for=link_for), block_id=f"digest-{part.key}"))
    blocks.append(context("`/convene help` for everything Convene does. Coordinators: `/digest help`."))
    return fit_blocks(blocks, MAX_MESSAGE_BLOCKS)


def digest_text(digest: Digest) -> str:
    """The notification text: what shows in a push notification or a screen reader's summary."""
    if digest.quiet:
        return message_text(f"Convene weekly digest ({period_label(digest.period)}): a quiet week.")
    titles = ", ".join(part.title.lower() for part in digest.sections)
    return message_text(f"Convene weekly digest ({period_label(digest.period)}): {titles}.")


def schedule_blocks(schedule: Schedule, *, next_due: int | None, last_posted: str | None) -> list[Block]:
    where = f"<#{schedule.channel_id}>" if schedule.channel_id else "_no channel yet_ (`/digest channel #channel`)"
    lines = [f"*Weekly digest:* {schedule.describe()}", f"*Posted in:* {where}"]
    if next_due is not None and schedule.enabled:
        lines.append(f"*Next:* {date_token(next_due, '{date_long_pretty} at {time}', 'next week')}")
    if last_posted:
        lines.append(f"*Last posted:* {last_posted}")
    return [section("\n".join(lines))]


def schedule_changed_text(schedule: Schedule, *, next_due: datetime | None) -> str:
    """The answer to `/digest schedule …`: what was set, the zone it was read in, and when the next one is."""
    if not schedule.enabled:
        return f":white_check_mark: Weekly digest: {schedule.describe()}."
    text = f":white_check_mark: Weekly digest: {schedule.when}, read in the group's time zone ({schedule.zone.key})."
    if next_due is not None:
        local = next_due.astimezone(schedule.zone)
        fallback = f"{local:%a} {local.day} {local:%b} at {local:%H:%M} {schedule.zone.key}"
        text += f" The next one: {date_token(int(next_due.timestamp()), '{date_long_pretty} at {time}', fallback)}" \
                " (in your time)."
    return text


def preview_blocks(digest: Digest, *, channel_id: str | None, link_for: LinkFor = no_links) -> list[Block]:
    """`/digest preview`: the digest as it would be posted, under a line saying where and to whom."""
    where = f"<#{channel_id}>" if channel_id else "the group's channel (not set yet)"
    note = f"_Preview: only you can see this. It would be posted to {where}._"
    return fit_blocks([context(note), *digest_blocks(digest, link_for=link_for)])


def preview_loading_modal() -> dict[str, Any]:
    """Opened at once from the App Home (a click's trigger lasts 3 s); the preview replaces it."""
    return modal("Digest preview", [section(":hourglass_flowing_sand: Putting this week's digest together…")],
                 callback_id=PREVIEW_MODAL, close="Close")


def preview_modal(digest: Digest, *, channel_id: str | None, link_for: LinkFor = no_links) -> dict[str, Any]:
    """The preview `/digest preview` shows, in a modal: the App Home has no channel to answer in."""
    return modal("Digest preview", preview_blocks(digest, channel_id=channel_id, link_for=link_for),
                 callback_id=PREVIEW_MODAL, close="Done")
