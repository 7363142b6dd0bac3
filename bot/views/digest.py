"""The digest as Slack shows it: a pure function of the digest model."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.services.digest import Digest, DigestLine, DigestSection, Period, Schedule
from bot.text import truncate
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
