"""The register as files (a CSV and a Markdown evidence pack), and a member's own data in it.

Every copy, a coordinator's too, credits authors only as they chose (`bot.services.attribution`,
as a file that can be passed on): an anonymous issue is in every export without anything that
identifies its author, not even a link to the message it came from. A coordinator's CSV adds how
each author chose to be credited and who logged an issue for someone else.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.services import attribution as rule
from bot.services.attribution import Credit, Surface
from bot.services.issues import attribution, label_of
from bot.services.personal_data import PersonalData, Redraw
from storage.repositories.issues import IssueRepository
from storage.repositories.ledger import DispatchLedger
from storage.repositories.workspaces import MemberRepository


@dataclass(frozen=True)
class ExportRow:
    number: int
    title: str
    detail: str
    tags: tuple[str, ...]
    status: str
    resolution: str
    plus_ones: int
    credited_as: str  # the credit line as its author chose
    created_at: datetime
    closed_at: datetime | None
    source_link: str
    # Coordinators' copy only:
    credit_choice: str = ""
    logged_by: str = ""  # the name of whoever logged it for its author


def export_rows(session: Session, team_id: str, *, full: bool) -> list[ExportRow]:
    """Every issue in the workspace; `full` (coordinators) adds the credit choices and who logged what."""
    repo = IssueRepository(session)
    issues = repo.all_in(team_id)
    ids = [issue.id for issue in issues]
    tags = repo.tags_of(ids)
    counts = repo.vote_counts(ids)
    people = {issue.author_id for issue in issues if issue.author_id}
    people |= {issue.logged_by for issue in issues if issue.logged_by}
    members = MemberRepository(session).many(team_id, [p for p in people if p])
    rows = []
    for issue in issues:
        shown = attribution(issue, members, surface=Surface.FILE)
        row = ExportRow(
            number=issue.number, title=issue.title, detail=issue.detail, tags=tuple(tags[issue.id]),
            status=issue.status, resolution=issue.resolution or "", plus_ones=counts[issue.id],
            credited_as=shown.line(), created_at=issue.created_at, closed_at=issue.closed_at,
            # The message an issue came from shows who wrote it.
            source_link=(issue.source_permalink or "") if shown.named else "",
        )
        if full:
            logger = (rule.full_name(members.get(issue.logged_by)) or "") if issue.logged_by else ""
            row = replace(row, credit_choice=shown.credit.value, logged_by=logger)
        rows.append(row)
    return rows


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """Text for a spreadsheet cell; a leading = + - @ cannot start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="minutes") if moment else ""


def as_csv(rows: list[ExportRow], *, full: bool) -> str:
    header = ["number", "title", "detail", "tags", "status", "resolution", "plus_ones", "credited_as",
              "created_at", "closed_at", "source_link"]
    if full:
        header += ["credit_choice", "logged_by"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        cells: list[object] = [row.number, row.title, row.detail, " ".join(f"#{t}" for t in row.tags), row.status,
                               row.resolution, row.plus_ones, row.credited_as, _when(row.created_at),
                               _when(row.closed_at), row.source_link]
        if full:
            cells += [row.credit_choice, row.logged_by]
        writer.writerow([cell if isinstance(cell, int) else _cell(cell) for cell in cells])
    return out.getvalue()


def _md(text: str) -> str:
    """User text made inert in Markdown: no HTML, no emphasis or links it did not mean."""
    text = text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in "*_`[]":
        text = text.replace(char, "\\" + char)
    return text


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


UNTAGGED = "Not tagged"


def as_markdown(rows: list[ExportRow], *, generated_at: datetime, zone: ZoneInfo, leading: Sequence[str] = ()) -> str:
    """The evidence pack: issues grouped by tag, most supported first, credited as chosen.

    `leading` are Markdown sections other areas put before the issues (the agreed asks).
    """
    local = generated_at.astimezone(zone)
    open_count = sum(1 for row in rows if row.status == "open")
    lines = [
        "# Commissioning issues: evidence pack",
        "",
        f"Generated on {local:%-d %B %Y} from the working group's register: {_plural(len(rows), 'issue')}, "
        f"{open_count} open, {_plural(sum(row.plus_ones for row in rows), '+1')} from members.",
        "",
    ]
    for part in leading:
        lines += [part.rstrip("\n"), ""]
    groups: dict[str, list[ExportRow]] = defaultdict(list)
    for row in rows:
        for tag in row.tags or (UNTAGGED,):
            groups[tag].append(row)
    order = sorted(
        (tag for tag in groups if tag != UNTAGGED),
        key=lambda tag: (-sum(r.plus_ones for r in groups[tag]), -len(groups[tag]), tag),
    )
    if UNTAGGED in groups:
        order.append(UNTAGGED)
    first_group: dict[int, str] = {}
    for tag in order:
        members = sorted(groups[tag], key=lambda r: (-r.plus_ones, r.number))
        heading = UNTAGGED if tag == UNTAGGED else f"{label_of(tag)} (#{tag})"
        lines += [f"## {_md(heading)}", "",
                  f"{_plural(len(members), 'issue')}, {_plural(sum(r.plus_ones for r in members), '+1')}.", ""]
        for row in members:
            if row.number in first_group:
                lines.append(f"- #{row.number} {_md(row.title)} — {_plural(row.plus_ones, '+1')} "
                             f"(in full under {_md(first_group[row.number])})")
                continue
            first_group[row.number] = heading
            lines += [f"### #{row.number} {_md(row.title)}", ""]
            lines.append(f"{_plural(row.plus_ones, '+1')} · {_md(row.credited_as)} · "
                         f"added {row.created_at.astimezone(zone):%-d %b %Y}")
            if row.tags:
                lines.append("Tags: " + ", ".join(f"#{t}" for t in row.tags))
            if row.status == "closed":
                closed = f" on {row.closed_at.astimezone(zone):%-d %b %Y}" if row.closed_at else ""
                lines.append(f"Closed{closed}: {_md(row.resolution)}")
            lines.append("")
            if row.detail:
                lines += ["> " + _md(line) if line.strip() else ">" for line in row.detail.splitlines()]
                lines.append("")
        if lines[-1] != "":
            lines.append("")
    if not rows:
        lines += ["The register is empty so far.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# ---------------------------------------------------------------------------------------------
# `/convene my-data` and `/convene forget-me`
# ---------------------------------------------------------------------------------------------


def export_personal_data(session: Session, team_id: str, user_id: str) -> PersonalData:
    """Issues the member raised or logged, and their +1s."""
    repo = IssueRepository(session)
    raised = repo.raised_by(team_id, user_id)
    tags = repo.tags_of([issue.id for issue in raised])
    records: list[dict[str, object]] = []
    for issue in raised:
        records.append({
            "issue": issue.number,
            "title": issue.title,
            "detail": issue.detail,
            "tags": tags[issue.id],
            "you": "raised it" if issue.author_id == user_id else "logged it from someone's message",
            "credit": issue.credit,
            "organisation": issue.organisation,
            "status": issue.status,
            "resolution": issue.resolution,
            "added_at": issue.created_at.isoformat(),
            "source_link": issue.source_permalink,
        })
    for _issue_id, number, title, at in repo.votes_by(team_id, user_id):
        records.append({"plus_one_on_issue": number, "title": title, "at": at.isoformat()})
    return PersonalData("Issues", records)


def forget_member(session: Session, team_id: str, user_id: str) -> int:
    """Delete the member's +1s; issues they raised stay, credited as anonymous, unlinked from them."""
    repo = IssueRepository(session)
    touched_issues = set(repo.delete_votes_by(team_id, user_id))
    touched = len(touched_issues)
    for issue in repo.raised_by(team_id, user_id):
        if issue.author_id == user_id:
            issue.author_id = None
            issue.credit = Credit.ANONYMOUS.value
            issue.organisation = None
            # The link leads to their message, which names them.
            issue.source_channel_id = issue.source_ts = issue.source_permalink = None
        if issue.logged_by == user_id:
            issue.logged_by = None
        touched_issues.add(issue.id)
        touched += 1
    touched += repo.forget_actor(team_id, user_id)
    for issue_id in touched_issues:
        repo.bump(issue_id)
    return touched


def redraw_after_forgetting(session: Session, team_id: str, user_id: str) -> Redraw:
    """Cards that show the member (their issues, their +1s), and credit questions that name them as
    the one who logged someone's message."""
    repo = IssueRepository(session)
    raised = repo.raised_by(team_id, user_id)
    cards = {issue.id for issue in raised} | {issue_id for issue_id, *_ in repo.votes_by(team_id, user_id)}
    questions = DispatchLedger(session).sent_under(
        team_id, keys=[f"issue-credit:{issue.id}" for issue in raised if issue.logged_by == user_id])
    return Redraw(issues=cards, messages=questions)
