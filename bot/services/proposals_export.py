"""Decided proposals in the evidence pack: `decisions.csv` and the Markdown "Agreed asks" section.

Each decision comes with the organisations that agreed, the issues behind it, the reasons given
(credited as each member chose, and never in an anonymous proposal) and the quotes from members'
answers that the issues were made from, where their authors allowed quoting. Everything here is
built from `ProposalState`, which already hides what the privacy rules hide, so a coordinator's
copy says no more about who took which position than anyone's.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services import prompts
from bot.services.issues_export import _cell, _md
from bot.services.proposals import AGREED_OUTCOMES, STANCE_LABELS, STANCES, ProposalState, load_state
from storage.models import Issue, PromptAnswer
from storage.repositories.proposals import ProposalRepository
from storage.repositories.workspaces import MemberRepository

ANSWER_ORIGIN = "prompt-answer:"


@dataclass(frozen=True)
class Quote:
    text: str
    credited_as: str
    issue_number: int


@dataclass(frozen=True)
class Decision:
    """One decided proposal, as the evidence pack records it."""

    state: ProposalState
    quotes: tuple[Quote, ...]

    @property
    def agreed(self) -> bool:
        return self.state.outcome in AGREED_OUTCOMES


def decisions(session: Session, team_id: str) -> list[Decision]:
    """Every decided proposal, in number order, with the quotes behind its issues."""
    found = []
    for proposal in ProposalRepository(session).decided(team_id):
        state = load_state(session, team_id, proposal.id, full_names=True)
        if state is not None:
            found.append(Decision(state, _quotes(session, team_id, state)))
    return found


def _quotes(session: Session, team_id: str, state: ProposalState) -> tuple[Quote, ...]:
    """Answers to prompts that the proposal's issues were made from, when their authors allowed quoting."""
    origins = {}
    rows = session.execute(select(Issue.id, Issue.number, Issue.origin).where(
        Issue.id.in_([issue.id for issue in state.issues]), Issue.origin.like(f"{ANSWER_ORIGIN}%")))
    for _issue_id, number, origin in rows:
        if origin is None:
            continue
        try:
            origins[int(origin.removeprefix(ANSWER_ORIGIN))] = number
        except ValueError:
            continue
    if not origins:
        return ()
    answers = list(session.scalars(select(PromptAnswer).where(
        PromptAnswer.id.in_(list(origins)), PromptAnswer.team_id == team_id, PromptAnswer.shareable.is_(True))))
    members = MemberRepository(session).many(team_id, [answer.user_id for answer in answers])
    return tuple(Quote(answer.text, prompts.credit_label(answer, members.get(answer.user_id)), origins[answer.id])
                 for answer in sorted(answers, key=lambda a: (origins[a.id], a.id)))


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="minutes") if moment else ""


def _organisations(state: ProposalState) -> str:
    orgs = state.organisations
    named = ", ".join(orgs.agreeing_names)
    unnamed = orgs.agreeing - len(orgs.agreeing_names)
    if unnamed > 0:
        named += (", " if named else "") + f"{unnamed} not named"
    return named


def _quorum(state: ProposalState) -> str:
    if state.quorum is None:
        return ""
    return f"{'reached' if state.quorum_met else 'not reached'} ({state.quorum.describe()})"


def _reasons(state: ProposalState) -> list[str]:
    return [f"{STANCE_LABELS[p.stance]}: {p.reason} — {p.shown_as.label()}" for p in state.positions if p.reason]


CSV_HEADER = ["proposal", "text", "outcome", "outcome_statement", "block_resolution", "decided_at", "closed_at",
              "agree", "abstain", "disagree", "block", "organisations_agreed", "organisations_represented",
              "organisations_that_agreed", "quorum", "anonymous", "issues", "reasons", "quotes"]


def as_csv(found: list[Decision], *, zone: ZoneInfo) -> str:
    """decisions.csv: one row per decided proposal."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for decision in found:
        state = decision.state
        cells: list[object] = [
            state.number, state.text, state.outcome_label, state.outcome_statement or "", state.block_resolution or "",
            _when(state.decided_at, zone), _when(state.closed_at, zone),
            *[state.counts.get(stance, 0) for stance in STANCES],
            state.organisations.agreeing, state.organisations.represented, _organisations(state), _quorum(state),
            "yes" if state.anonymous else "no",
            " ".join(f"#{issue.number}" for issue in state.issues),
            "\n".join(_reasons(state)),
            "\n".join(f"“{quote.text}” — {quote.credited_as} (issue #{quote.issue_number})"
                      for quote in decision.quotes),
        ]
        writer.writerow([cell if isinstance(cell, int) else _cell(cell) for cell in cells])
    return out.getvalue()


def markdown_section(found: list[Decision], *, zone: ZoneInfo) -> str:
    """The evidence pack's "Agreed asks": what the group agreed, who agreed, and what lies behind it."""
    agreed = [decision for decision in found if decision.agreed]
    lines = ["## Agreed asks", ""]
    if not agreed:
        lines += ["The group has not agreed an ask yet (`/propose` puts one to the group).", ""]
        return "\n".join(lines)
    noun = "ask" if len(agreed) == 1 else "asks"
    lines += [f"{len(agreed)} {noun} the working group agreed, with the organisations behind each.", ""]
    for decision in agreed:
        state = decision.state
        first = _md(state.text.splitlines()[0]) if state.text else ""
        lines += [f"### Proposal {state.number}: {state.outcome_label}", ""]
        lines += ["> " + _md(line) if line.strip() else ">" for line in state.text.splitlines()] or [f"> {first}"]
        lines.append("")
        facts = []
        if state.decided_at:
            facts.append(f"decided {state.decided_at.astimezone(zone):%-d %b %Y}")
        facts.append(", ".join(f"{state.counts.get(s, 0)} {STANCE_LABELS[s].lower()}" for s in STANCES))
        orgs = state.organisations
        if orgs.represented:
            agreed_by = f"{orgs.agreeing} of {orgs.represented} organisations agreed"
            named = _organisations(state)
            facts.append(agreed_by + (f": {_md(named)}" if named else ""))
        if state.quorum is not None:
            facts.append(f"quorum {_quorum(state)}")
        lines += [" · ".join(facts), ""]
        if state.outcome_statement:
            lines += [f"**Outcome:** {_md(state.outcome_statement)}", ""]
        if state.block_resolution:
            lines += [f"**How the block was resolved:** {_md(state.block_resolution)}", ""]
        if state.issues:
            lines.append("**Issues behind it:** " + ", ".join(f"#{issue.number} {_md(issue.title)}"
                                                              for issue in state.issues))
            lines.append("")
        reasons = [p for p in state.positions if p.reason]
        if reasons:
            lines.append("**Reasons given:**")
            lines += [f"- {STANCE_LABELS[p.stance]}: “{_md(' '.join(p.reason.split()))}” — {_md(p.shown_as.label())}"
                      for p in reasons if p.reason]
            lines.append("")
        if decision.quotes:
            lines.append("**From members' answers:**")
            lines += [f"- “{_md(' '.join(q.text.split()))}” — {_md(q.credited_as)} (issue #{q.issue_number})"
                      for q in decision.quotes]
            lines.append("")
    return "\n".join(lines)
