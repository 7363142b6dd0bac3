"""Proposals the group decides on: from the issues in the register to an agreed ask.

A member proposes an ask ("we ask commissioners to stop requiring a single lead provider"),
linked to the issues it addresses, with a closing time read in their own time zone. Members take
a position (Agree, Abstain, Disagree or Block) with an optional reason, changeable until it
closes; the tally counts people and the organisations they come from. At its closing time, or
when its author or a coordinator closes it, the outcome is recorded (Agreed, Agreed with changes,
Not agreed, Withdrawn) with a statement, and whether the workspace's quorum was reached.

Pure rules over the database; nothing here talks to Slack. Who may close or record an outcome is
decided here from the database, never from what a Slack client sends back. What the rest of
Convene reads (`ProposalState`, `ProposalSummary`) already hides what the privacy rules hide: in
an anonymous proposal nobody's position or organisation, and otherwise each member as they chose
to be credited (`shown_as`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.services import paging, prompts
from bot.services.attribution import Attribution, Credit, Surface, attribute
from bot.services.errors import InvalidInput, NotAllowed, NotFound, UserFacingError
from bot.services.members import zone
from bot.services.personal_data import PersonalData, Redraw
from bot.services.poll_dates import parse_deadline
from bot.services.polls import reminder_time
from bot.text import QuoteError, split_args, truncate, unslack
from storage.models import Issue, Member, Proposal, ProposalPosition
from storage.models.proposals import OUTCOMES, POSITION_CREDITS, STANCES
from storage.repositories.issues import IssueRepository
from storage.repositories.ledger import DispatchLedger
from storage.repositories.proposals import LIST_FILTERS, ProposalRepository
from storage.repositories.workspaces import MemberRepository, WorkspaceRepository

STANCE_LABELS = {"agree": "Agree", "abstain": "Abstain", "disagree": "Disagree", "block": "Block"}
OUTCOME_LABELS = {"agreed": "Agreed", "agreed_with_changes": "Agreed with changes", "not_agreed": "Not agreed",
                  "withdrawn": "Withdrawn"}
AGREED_OUTCOMES = ("agreed", "agreed_with_changes")
CREDIT_LABELS = {"named": "Name me", "organisation": "My organisation only", "anonymous": "Anonymous"}

MIN_TEXT = 10
MAX_TEXT = 2000
MAX_REASON = 1500
MAX_STATEMENT = 2500
MAX_ORGANISATION = 200
MAX_ISSUES = 250
PAGE_SIZE = 10
# Closing time when none is given: a week on, at the end of the working day in the author's zone.
DEFAULT_OPEN_FOR = timedelta(days=7)
DEFAULT_CLOSING_HOUR = 17
# A closing time must leave people a little time to answer.
SHORTEST_OPEN = timedelta(minutes=10)

CREATE_EXAMPLE = '/propose "We ask commissioners to stop requiring a single lead provider" #12 #15 closes "Fri 5pm"'
QUORUM_EXAMPLE = "/convene settings quorum 50% organisations"
HIDE_WORDS = ("hidden", "hide-positions", "hide-votes", "hide")
REASON_ASKED = ("disagree", "block")
CLOSES_WORDS = ("closes", "closing", "close", "by", "until", "deadline")

_ISSUE_REF = re.compile(r"^#(\d+)[,.;:]*$")


class ProposalClosed(UserFacingError):
    """The proposal no longer takes positions."""


# Who may do what -------------------------------------------------------------------------------


def can_manage(author_id: str | None, user_id: str, *, is_coordinator: bool) -> bool:
    """The author and coordinators may close a proposal, record its outcome and delete it."""
    return is_coordinator or (author_id is not None and author_id == user_id)


def _require_manager(proposal: Proposal, user_id: str, is_coordinator: bool, doing: str) -> None:
    if not can_manage(proposal.author_id, user_id, is_coordinator=is_coordinator):
        raise NotAllowed(f"Sorry, only the person who proposed this or a coordinator can {doing}.")


# How a member's position is shown: the one rule for proposals ------------------------------------


def shown_as(credit: str, *, author_id: str | None, author: Member | None, organisation: str | None,
             anonymous_proposal: bool) -> Attribution:
    """How one member's position and reason are credited in the proposal's message, lists and exports.

    In an anonymous proposal nobody is shown, whatever they chose; otherwise the group's one
    attribution rule (`bot.services.attribution`) decides.
    """
    if anonymous_proposal:
        return Attribution(Credit.ANONYMOUS)
    return attribute(credit, author_id=author_id, author=author, organisation=organisation, surface=Surface.CHANNEL)


# Quorum ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quorum:
    """How much of the group must take part for a decision to count: `percent` of the
    organisations represented in the channel, or of the members asked."""

    percent: int
    basis: str = "organisations"

    def describe(self) -> str:
        return f"{self.percent}% of {'organisations' if self.basis == 'organisations' else 'members'}"

    def to_setting(self) -> str:
        return f"{self.percent} {self.basis}"


def parse_quorum(text: str) -> Quorum | None:
    """`50% organisations`, `60% members`, `50%` (organisations), `off` → a Quorum (None for off)."""
    words = text.replace("%", " % ").lower().split()
    if words in (["off"], ["none"], ["no"], ["0", "%"], ["0"]):
        return None
    match = re.fullmatch(r"\s*(\d{1,3})\s*%?\s*(?:of\s+)?(\w+)?\s*", text.lower().replace("percent", "%"))
    if not match:
        raise InvalidInput(f"I can't read “{truncate(text.strip(), 40)}” as a quorum.", example=QUORUM_EXAMPLE)
    percent = int(match.group(1))
    if not 1 <= percent <= 100:
        raise InvalidInput("A quorum is between 1% and 100%; `off` for none.", example=QUORUM_EXAMPLE)
    word = match.group(2) or "organisations"
    if word.startswith(("org", "organis", "organiz")):
        basis = "organisations"
    elif word.startswith(("member", "people", "person")):
        basis = "members"
    else:
        raise InvalidInput(f"A quorum counts organisations or members, not “{truncate(word, 30)}”.",
                           example=QUORUM_EXAMPLE)
    return Quorum(percent, basis)


def quorum_from_setting(setting: str | None) -> Quorum | None:
    if not setting:
        return None
    try:
        percent, basis = setting.split()
        return Quorum(int(percent), basis if basis in ("organisations", "members") else "organisations")
    except ValueError:
        return None


def quorum_reached(quorum: Quorum, *, organisations_responding: int, organisations_represented: int,
                   responded: int, asked: int) -> bool:
    """Whether enough of the group took part (any position counts, abstaining too)."""
    if quorum.basis == "members":
        part, whole = responded, asked
    else:
        part, whole = organisations_responding, organisations_represented
    if whole <= 0:
        return False
    return part * 100 >= quorum.percent * whole


def workspace_quorum(session: Session, team_id: str) -> Quorum | None:
    workspace = WorkspaceRepository(session).get(team_id)
    return quorum_from_setting(workspace.quorum if workspace else None)


# Tallies and organisations -----------------------------------------------------------------------


def _org_key(name: str | None) -> str | None:
    cleaned = " ".join((name or "").split())
    return cleaned.casefold() if cleaned else None


@dataclass(frozen=True)
class OrganisationCount:
    """The group's organisations on one proposal.

    An organisation is represented when one of the members asked (or who took a position) is from
    it. It agrees when at least one of its members agrees and none disagrees or blocks; it is
    divided when some agree and some disagree or block.
    """

    represented: int = 0
    responding: int = 0
    agreeing: int = 0
    divided: int = 0
    agreeing_names: tuple[str, ...] = ()  # those that may be named (see `count_organisations`)
    without_organisation: int = 0  # members asked who have not said which organisation they are from


def count_organisations(asked: Iterable[tuple[str, str | None]],
                        positions: Iterable[tuple[str, str, str | None, bool]]) -> OrganisationCount:
    """Count organisations from (user, organisation) of everyone asked and (user, stance,
    organisation, may be named) of each position.

    An agreeing organisation is listed by name only when one of its agreeing members let their
    organisation be shown; the others are counted, not named.
    """
    display: dict[str, str] = {}
    represented: set[str] = set()
    without = 0
    seen: set[str] = set()
    for user_id, organisation in asked:
        seen.add(user_id)
        key = _org_key(organisation)
        if key is None:
            without += 1
            continue
        represented.add(key)
        display.setdefault(key, " ".join((organisation or "").split()))
    stances: dict[str, set[str]] = {}
    nameable: set[str] = set()
    for user_id, stance, organisation, may_name in positions:
        key = _org_key(organisation)
        if key is None:
            if user_id not in seen:
                without += 1
            continue
        represented.add(key)
        display.setdefault(key, " ".join((organisation or "").split()))
        stances.setdefault(key, set()).add(stance)
        if stance == "agree" and may_name:
            nameable.add(key)
    agreeing = {key for key, said in stances.items() if "agree" in said and not said & {"disagree", "block"}}
    divided = {key for key, said in stances.items() if "agree" in said and said & {"disagree", "block"}}
    names = sorted((display[key] for key in agreeing & nameable), key=str.casefold)
    return OrganisationCount(represented=len(represented), responding=len(stances), agreeing=len(agreeing),
                             divided=len(divided), agreeing_names=tuple(names), without_organisation=without)


@dataclass(frozen=True)
class ShownPosition:
    """One position as it may be shown: never who, beyond what `shown_as` allows."""

    stance: str
    reason: str | None
    shown_as: Attribution


@dataclass(frozen=True)
class LinkedIssue:
    id: int
    number: int
    title: str
    status: str


@dataclass(frozen=True)
class ProposalState:
    """A proposal as people see it: everything a message, modal, job or export needs, read at once."""

    id: int
    team_id: str
    number: int
    channel_id: str
    message_ts: str | None
    author_id: str | None
    author_name: str | None
    text: str
    zone: ZoneInfo
    anonymous: bool
    hide_positions: bool
    closes_at: datetime
    status: str
    closed_at: datetime | None
    closed_by_hand: bool  # False: it closed at its closing time
    closed_by_name: str | None
    outcome: str | None
    outcome_statement: str | None
    block_resolution: str | None
    decided_at: datetime | None
    decided_by_name: str | None
    decision_sequence: int
    revision: int
    counts: dict[str, int]
    positions: tuple[ShownPosition, ...]
    organisations: OrganisationCount
    responded: int
    asked: int  # 0 when the channel's people could not be listed
    issues: tuple[LinkedIssue, ...] = ()
    quorum: Quorum | None = None  # the workspace's while open; the one recorded at closing after
    quorum_met: bool | None = None
    remind_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def is_decided(self) -> bool:
        return self.status == "decided"

    @property
    def counts_visible(self) -> bool:
        """Counts and reasons stay hidden until it closes when the author chose so."""
        return not (self.hide_positions and self.is_open)

    @property
    def blocks(self) -> int:
        return self.counts.get("block", 0)

    @property
    def not_responded(self) -> int:
        return max(0, self.asked - self.responded)

    @property
    def outcome_label(self) -> str | None:
        return OUTCOME_LABELS.get(self.outcome or "")

    def suggested_outcome(self) -> str:
        """What the outcome form starts with: agreed when more agree than disagree and nobody blocks."""
        agree, disagree = self.counts.get("agree", 0), self.counts.get("disagree", 0)
        if self.blocks or agree <= disagree:
            return "not_agreed"
        return "agreed"


def _stance_order(stance: str) -> int:
    return STANCES.index(stance) if stance in STANCES else len(STANCES)


def _state(session: Session, proposal: Proposal, *, full_names: bool = False) -> ProposalState:
    """`full_names`: people by their full name, as an evidence pack prints them (Slack shows display names)."""
    repo = ProposalRepository(session)
    positions = repo.positions(proposal.id)
    invitees = repo.invitee_ids(proposal.id)
    people = {p.user_id for p in positions} | invitees
    people |= {who for who in (proposal.author_id, proposal.closed_by, proposal.decided_by) if who}
    members = MemberRepository(session).many(proposal.team_id, people)
    live = proposal.status == "open"

    def organisation_of(user_id: str, position: ProposalPosition | None = None) -> str | None:
        if not live and position is not None:
            return position.organisation
        member = members.get(user_id)
        return member.organisation if member is not None else None

    def name_of(user_id: str | None) -> str | None:
        if user_id is None:
            return None
        member = members.get(user_id)
        if member is None:
            return None
        return (member.real_name or member.label) if full_names else member.label

    counts = {stance: 0 for stance in STANCES}
    shown: list[tuple[ProposalPosition, ShownPosition]] = []
    for position in positions:
        counts[position.stance] = counts.get(position.stance, 0) + 1
        shown.append((position, ShownPosition(
            position.stance, position.reason,
            shown_as(position.credit, author_id=position.user_id, author=members.get(position.user_id),
                     organisation=organisation_of(position.user_id, position), anonymous_proposal=proposal.anonymous),
        )))
    if proposal.anonymous:
        # The order people answered in would say who is who to anyone watching the message.
        shown.sort(key=lambda pair: (_stance_order(pair[1].stance), (pair[1].reason or "").casefold()))
    else:
        shown.sort(key=lambda pair: (_stance_order(pair[1].stance), pair[0].created_at, pair[0].id))
    organisations = count_organisations(
        [(user_id, organisation_of(user_id)) for user_id in invitees if user_id not in {p.user_id for p in positions}],
        [(p.user_id, p.stance, organisation_of(p.user_id, p), not proposal.anonymous and p.credit != "anonymous")
         for p in positions],
    )
    if not live and proposal.organisations_represented is not None:
        # Closing counted who was in the channel then.
        organisations = replace(organisations, represented=proposal.organisations_represented)
    if proposal.anonymous:
        organisations = replace(organisations, agreeing_names=())
    responders = {p.user_id for p in positions}
    asked = len(invitees | responders) if invitees else 0
    if live:
        quorum = workspace_quorum(session, proposal.team_id)
        quorum_met = None
    else:
        quorum = Quorum(proposal.quorum_percent, proposal.quorum_basis or "organisations") \
            if proposal.quorum_percent else None
        quorum_met = proposal.quorum_met
    issues = tuple(LinkedIssue(issue.id, issue.number, issue.title, issue.status)
                   for issue in repo.issues_of(proposal.id))
    return ProposalState(
        id=proposal.id, team_id=proposal.team_id, number=proposal.number, channel_id=proposal.channel_id,
        message_ts=proposal.message_ts, author_id=proposal.author_id, author_name=name_of(proposal.author_id),
        text=proposal.text, zone=zone(proposal.timezone, ZoneInfo("UTC")), anonymous=proposal.anonymous,
        hide_positions=proposal.hide_positions, closes_at=proposal.closes_at, status=proposal.status,
        closed_at=proposal.closed_at, closed_by_hand=proposal.closed_by is not None,
        closed_by_name=name_of(proposal.closed_by), outcome=proposal.outcome,
        outcome_statement=proposal.outcome_statement, block_resolution=proposal.block_resolution,
        decided_at=proposal.decided_at, decided_by_name=name_of(proposal.decided_by),
        decision_sequence=proposal.decision_sequence, revision=proposal.revision, counts=counts,
        positions=tuple(position for _, position in shown), organisations=organisations,
        responded=len(responders), asked=asked, issues=issues, quorum=quorum, quorum_met=quorum_met,
        remind_at=proposal.remind_at,
    )


def load_state(session: Session, team_id: str, proposal_id: int, *, full_names: bool = False) -> ProposalState | None:
    proposal = ProposalRepository(session).get(team_id, proposal_id)
    return None if proposal is None else _state(session, proposal, full_names=full_names)


def state_by_number(session: Session, team_id: str, number: int) -> ProposalState:
    proposal = ProposalRepository(session).by_number(team_id, number)
    if proposal is None or proposal.message_ts is None:
        raise NotFound(f"There is no proposal {number}. `/propose list` shows them all.", example="/propose list")
    return _state(session, proposal)


def people_to_name(session: Session, team_id: str, proposal_id: int) -> set[str]:
    """Everyone whose name the proposal's message may show (to refresh from Slack when unknown)."""
    repo = ProposalRepository(session)
    proposal = repo.get(team_id, proposal_id)
    if proposal is None:
        return set()
    people = {who for who in (proposal.author_id, proposal.closed_by, proposal.decided_by) if who}
    if not proposal.anonymous:
        people |= repo.responder_ids(proposal_id)
    return people


def names_known(session: Session, team_id: str, user_ids: Iterable[str]) -> set[str]:
    return set(MemberRepository(session).many(team_id, user_ids))


# Creating ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposalDraft:
    """A proposal as typed, read and checked, not yet stored (its issues are checked on creation)."""

    text: str
    issue_numbers: tuple[int, ...]
    closes_at: datetime
    anonymous: bool = False
    hide_positions: bool = False
    closes_by_default: bool = False


class DraftInvalid(InvalidInput):
    """Some fields of a new proposal cannot be used; `fields` maps text / issues / closes to why."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__(" ".join(fields[name] for name in ("text", "issues", "closes") if name in fields),
                         example=CREATE_EXAMPLE)


def default_closing(now: datetime, zone_: ZoneInfo) -> datetime:
    """A week on, at 17:00 in the author's zone."""
    day = (now.astimezone(zone_) + DEFAULT_OPEN_FOR).date()
    return datetime.combine(day, time(DEFAULT_CLOSING_HOUR), tzinfo=zone_).astimezone(now.tzinfo)


def _check_text(text: str) -> str:
    tidy = "\n".join(line.rstrip() for line in text.strip().splitlines()).strip()
    tidy = re.sub(r"\n{3,}", "\n\n", tidy)
    if not tidy:
        raise InvalidInput("Say what the group would ask for: the proposal is empty.")
    if len(tidy) < MIN_TEXT:
        raise InvalidInput(f"“{tidy}” is too short to decide on: say what the group would ask for, in a sentence.")
    if len(tidy) > MAX_TEXT:
        raise InvalidInput(f"The proposal is {len(tidy):,} characters; keep it under {MAX_TEXT:,} "
                           "(a link to a longer document works well).")
    return tidy


def read_draft(text: str, issue_numbers: Sequence[int], closes_text: str | None, *, now: datetime, zone: ZoneInfo,
               anonymous: bool = False, hide_positions: bool = False) -> ProposalDraft:
    """Check everything typed for a new proposal at once; DraftInvalid names every field that is wrong."""
    problems: dict[str, str] = {}
    try:
        text = _check_text(text)
    except InvalidInput as error:
        problems["text"] = error.message
    numbers = tuple(dict.fromkeys(issue_numbers))
    if len(numbers) > MAX_ISSUES:
        problems["issues"] = f"A proposal can address up to {MAX_ISSUES} issues; that was {len(numbers)}."
    closes_at = default_closing(now, zone)
    by_default = True
    if closes_text and closes_text.strip():
        by_default = False
        try:
            closes_at = parse_deadline(closes_text, now=now, zone=zone)
        except InvalidInput as error:
            problems["closes"] = f"The closing time “{truncate(closes_text.strip(), 60)}”: {error.message}"
        else:
            if closes_at - now < SHORTEST_OPEN:
                problems["closes"] = (f"The closing time “{truncate(closes_text.strip(), 60)}” leaves nobody time "
                                      "to answer: give at least ten minutes.")
    if problems:
        raise DraftInvalid(problems)
    return ProposalDraft(text, numbers, closes_at, anonymous, hide_positions, by_default)


def parse_inline(text: str, *, now: datetime, zone: ZoneInfo) -> ProposalDraft:
    """`"text" #12 #15 closes "Fri 5pm" [anonymous] [hidden]`."""
    plain = unslack(text).strip()
    if not plain or plain[0] not in '"“”„':
        raise InvalidInput("Put the proposal in quotes, then the issues it addresses and when it closes.",
                           example=CREATE_EXAMPLE)
    try:
        args = split_args(plain)
    except QuoteError as error:
        raise InvalidInput(str(error), example=CREATE_EXAMPLE) from None
    body, rest = args[0], args[1:]
    numbers: list[int] = []
    closes: list[str] = []
    anonymous = hide = False
    index = 0
    while index < len(rest):
        word = rest[index]
        lower = word.lower()
        ref = _ISSUE_REF.match(word)
        if ref:
            numbers.append(int(ref.group(1)))
        elif lower == "anonymous":
            anonymous = True
        elif lower in HIDE_WORDS:
            hide = True
        elif lower in CLOSES_WORDS:
            index += 1
            while index < len(rest) and not _ISSUE_REF.match(rest[index]) and rest[index].lower() not in (
                    "anonymous", *HIDE_WORDS):
                closes.append(rest[index])
                index += 1
            if not closes:
                raise InvalidInput("Say when it closes, after `closes`.", example=CREATE_EXAMPLE)
            continue
        elif word.startswith("#"):
            raise InvalidInput(f"“{truncate(word, 30)}” is not an issue number: issues are `#` and a number, "
                               "as `/issue list` shows them.", example=CREATE_EXAMPLE)
        else:
            raise InvalidInput(f"I don't know “{truncate(word, 30)}” after the proposal. Put the proposal itself "
                               "in quotes, and the closing time after `closes`.", example=CREATE_EXAMPLE)
        index += 1
    return read_draft(body, numbers, " ".join(closes) if closes else None, now=now, zone=zone,
                      anonymous=anonymous, hide_positions=hide)


def find_issues(session: Session, team_id: str, numbers: Sequence[int]) -> list[Issue]:
    """The issues with these numbers, in that order; NotFound naming every number not in the register."""
    repo = IssueRepository(session)
    found = [(number, repo.by_number(team_id, number)) for number in dict.fromkeys(numbers)]
    missing = [number for number, issue in found if issue is None]
    if missing:
        refs = [f"#{number}" for number in missing]
        said = refs[0] if len(refs) == 1 else ", ".join(refs[:-1]) + " or " + refs[-1]
        raise NotFound(f"There is no issue {said} in the register, so nothing was proposed. "
                       "`/issue list` shows the issues and their numbers.", example=CREATE_EXAMPLE)
    return [issue for _, issue in found if issue is not None]


def issue_ids(session: Session, team_id: str, ids: Iterable[str]) -> list[int]:
    """Issue IDs picked in the form, checked to be this workspace's; NotFound when one is gone."""
    repo = IssueRepository(session)
    picked = list(ids)
    if len(picked) > MAX_ISSUES:
        raise InvalidInput(f"A proposal can address up to {MAX_ISSUES} issues; that was {len(picked)}.")
    wanted: list[int] = []
    for raw in picked:
        try:
            wanted.append(int(raw))
        except ValueError:
            raise NotFound("One of the issues picked is no longer in the register; pick them again.") from None
    found = {issue.id for issue in repo.many(wanted) if issue.team_id == team_id}
    if any(issue_id not in found for issue_id in wanted):
        raise NotFound("One of the issues picked is no longer in the register; pick them again.")
    return list(dict.fromkeys(wanted))


def issue_choices(session: Session, team_id: str, query: str, *, limit: int = 50) -> list[LinkedIssue]:
    """Issues for the form's type-ahead: by number (`12`, `#12`) or by words in the title, newest first."""
    q = query.strip().lstrip("#").strip()
    statement = select(Issue).where(Issue.team_id == team_id)
    if q.isdigit():
        statement = statement.where(or_(Issue.number == int(q), Issue.title.ilike(f"%{q}%")))
    elif q:
        for word in q.split()[:5]:
            statement = statement.where(Issue.title.ilike(f"%{word.replace('%', '').replace('_', '')}%"))
    rows = session.scalars(statement.order_by(Issue.status == "closed", Issue.number.desc()).limit(limit))
    return [LinkedIssue(issue.id, issue.number, issue.title, issue.status) for issue in rows]


def create_proposal(
    session: Session,
    team_id: str,
    author_id: str,
    channel_id: str,
    draft: ProposalDraft,
    *,
    issues: Sequence[int],
    zone_name: str,
    now: datetime,
    reminder_lead: timedelta,
    audience: Iterable[str] = (),
) -> Proposal:
    """Store a new open proposal (its message is posted afterwards). `issues` are checked issue IDs;
    `audience` is who in the channel is asked, empty when it cannot be listed."""
    author = MemberRepository(session).get(team_id, author_id)
    if author is not None and (author.is_bot or author.deleted):
        raise NotAllowed("Only members of the group can make a proposal.")
    WorkspaceRepository(session).get_or_create(team_id, now=now)
    repo = ProposalRepository(session)
    proposal = Proposal(
        team_id=team_id, number=repo.next_number(team_id), channel_id=channel_id, author_id=author_id,
        text=draft.text, timezone=zone_name, anonymous=draft.anonymous, hide_positions=draft.hide_positions,
        closes_at=draft.closes_at, remind_at=reminder_time(draft.closes_at, now=now, lead=reminder_lead),
        status="open", decision_sequence=0, revision=0, rendered_revision=0,
    )
    repo.add(proposal, issue_ids=issues)
    repo.add_invitees(team_id, proposal.id, audience)
    return proposal


def set_message(session: Session, team_id: str, proposal_id: int, message_ts: str) -> None:
    proposal = ProposalRepository(session).get(team_id, proposal_id)
    if proposal is not None:
        proposal.message_ts = message_ts


def discard_unposted(session: Session, team_id: str, proposal_id: int) -> None:
    """Remove a proposal whose message could not be posted, so nothing is half-created."""
    repo = ProposalRepository(session)
    proposal = repo.get(team_id, proposal_id)
    if proposal is not None and proposal.message_ts is None:
        repo.delete(proposal)


# Positions ---------------------------------------------------------------------------------------

_KEEP = object()


@dataclass(frozen=True)
class PositionResult:
    changed: bool  # False when nothing new was said (a double click, a retry)
    stance: str
    previous: str | None
    reason: str | None
    credit: str
    private: bool  # the message will not show it now (hidden until it closes, or anonymous)
    anonymous: bool
    number: int

    @property
    def asks_for_reason(self) -> bool:
        """Disagree and Block ask for a reason (never force one), unless one was given already."""
        return self.stance in REASON_ASKED and (self.changed or not self.reason)


def read_reason(text: str | None) -> str | None:
    reason = (text or "").strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"The reason is {len(reason):,} characters; keep it under {MAX_REASON:,}.")
    return reason or None


def record_position(
    session: Session,
    team_id: str,
    proposal_id: int,
    user_id: str,
    stance: str,
    *,
    now: datetime,
    reason: Any = _KEEP,
    credit: str | None = None,
) -> PositionResult:
    """Take (or change) a member's position; a reason and a credit choice only when given.

    The proposal row is locked first, so positions and closing happen one at a time and nothing
    lands on a closed proposal. Saying the same again changes nothing: one row per member per
    proposal (a constraint), and no revision bump.
    """
    repo = ProposalRepository(session)
    proposal = repo.lock(team_id, proposal_id)
    if proposal is None:
        raise NotFound("That proposal no longer exists.")
    if not proposal.is_open:
        raise ProposalClosed(f"Proposal {proposal.number} has closed, so positions can't change any more.")
    if stance not in STANCES:
        raise InvalidInput("That is not a position: Agree, Abstain, Disagree or Block.")
    if credit is not None and credit not in POSITION_CREDITS:
        raise InvalidInput("That is not a way to be credited.")
    member = MemberRepository(session).get(team_id, user_id)
    if member is not None and (member.is_bot or member.deleted):
        raise NotAllowed("Only members of the group can take a position.")
    position = repo.position(proposal_id, user_id)
    new_reason = (position.reason if position else None) if reason is _KEEP else read_reason(reason)
    new_credit = credit or (position.credit if position else ("anonymous" if proposal.anonymous else "named"))
    private = proposal.hide_positions or proposal.anonymous
    if position is not None and (position.stance, position.reason, position.credit) == (stance, new_reason, new_credit):
        return PositionResult(False, stance, stance, new_reason, new_credit, private, proposal.anonymous,
                              proposal.number)
    previous = position.stance if position else None
    if position is None:
        session.add(ProposalPosition(team_id=team_id, proposal_id=proposal_id, user_id=user_id, stance=stance,
                                     reason=new_reason, credit=new_credit, changed_at=now))
    else:
        position.stance, position.reason, position.credit, position.changed_at = stance, new_reason, new_credit, now
    proposal.revision += 1
    return PositionResult(True, stance, previous, new_reason, new_credit, private, proposal.anonymous, proposal.number)


def read_organisation(text: str | None) -> str | None:
    cleaned = " ".join((text or "").split()) or None
    if cleaned and len(cleaned) > MAX_ORGANISATION:
        raise InvalidInput(f"Keep the organisation's name under {MAX_ORGANISATION} characters.")
    return cleaned


def set_organisation(session: Session, team_id: str, user_id: str, organisation: str | None) -> set[int]:
    """The member's organisation, as they typed it in the position form; the open proposals whose
    count of organisations it changed (none when it was the same)."""
    cleaned = read_organisation(organisation)
    member = MemberRepository(session).get(team_id, user_id)
    if member is None or member.organisation == cleaned:
        return set()
    member.organisation = cleaned
    # Open proposals count organisations as they are now: their messages are redrawn.
    repo = ProposalRepository(session)
    touched = repo.open_ids_involving(team_id, user_id)
    repo.touch(touched)
    return touched


@dataclass(frozen=True)
class MyPosition:
    """A member's own position, for their eyes only."""

    proposal: ProposalState
    stance: str | None
    reason: str | None
    credit: str
    organisation: str | None


def my_position(session: Session, team_id: str, proposal_id: int, user_id: str) -> MyPosition:
    """The member's position on an open proposal, for the form that changes it."""
    repo = ProposalRepository(session)
    proposal = repo.get(team_id, proposal_id)
    if proposal is None:
        raise NotFound("That proposal no longer exists.")
    if not proposal.is_open:
        raise ProposalClosed(f"Proposal {proposal.number} has closed, so positions can't change any more.")
    position = repo.position(proposal_id, user_id)
    member = MemberRepository(session).get(team_id, user_id)
    default_credit = "anonymous" if proposal.anonymous else "named"
    return MyPosition(_state(session, proposal), position.stance if position else None,
                      position.reason if position else None, position.credit if position else default_credit,
                      member.organisation if member else None)


# Closing and deciding ----------------------------------------------------------------------------


def _close(session: Session, proposal: Proposal, *, by: str | None, now: datetime) -> None:
    """Close: freeze each position's organisation, the organisations represented and the quorum."""
    repo = ProposalRepository(session)
    positions = repo.positions(proposal.id)
    invitees = repo.invitee_ids(proposal.id)
    responders = {p.user_id for p in positions}
    members = MemberRepository(session).many(proposal.team_id, invitees | responders)
    for position in positions:
        member = members.get(position.user_id)
        position.organisation = member.organisation if member is not None else position.organisation
    count = count_organisations(
        [(user_id, members[user_id].organisation if user_id in members else None)
         for user_id in invitees - responders],
        [(p.user_id, p.stance, p.organisation, True) for p in positions],
    )
    quorum = workspace_quorum(session, proposal.team_id)
    proposal.organisations_represented = count.represented
    if quorum is not None:
        proposal.quorum_percent, proposal.quorum_basis = quorum.percent, quorum.basis
        proposal.quorum_met = quorum_reached(
            quorum, organisations_responding=count.responding, organisations_represented=count.represented,
            responded=len(responders), asked=len(invitees | responders))
    else:
        proposal.quorum_percent = proposal.quorum_basis = proposal.quorum_met = None
    proposal.status = "closed"
    proposal.closed_at = now
    proposal.closed_by = by
    proposal.revision += 1


def _lock(session: Session, team_id: str, proposal_id: int) -> Proposal:
    proposal = ProposalRepository(session).lock(team_id, proposal_id)
    if proposal is None:
        raise NotFound("That proposal no longer exists.")
    return proposal


def close_at_closing_time(session: Session, team_id: str, proposal_id: int, *, now: datetime) -> ProposalState | None:
    """Close the proposal if its time has come; the closed proposal, or None when there was nothing to do."""
    proposal = ProposalRepository(session).lock(team_id, proposal_id)
    if proposal is None or not proposal.is_open or proposal.closes_at > now:
        return None
    _close(session, proposal, by=None, now=now)
    return _state(session, proposal)


def ensure_manager(session: Session, team_id: str, proposal_id: int, *, user_id: str, is_coordinator: bool,
                   doing: str) -> ProposalState:
    """The proposal, if this member may manage it; NotAllowed otherwise."""
    proposal = ProposalRepository(session).get(team_id, proposal_id)
    if proposal is None:
        raise NotFound("That proposal no longer exists.")
    _require_manager(proposal, user_id, is_coordinator, doing)
    return _state(session, proposal)


class OutcomeInvalid(InvalidInput):
    """The outcome form has problems; `fields` maps outcome / statement / block_resolution to why."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__(" ".join(fields.values()))


@dataclass(frozen=True)
class Decided:
    changed: bool  # False when the same outcome and words were recorded already
    number: int
    outcome: str
    sequence: int
    issue_ids: tuple[int, ...]


def record_outcome(session: Session, team_id: str, proposal_id: int, *, user_id: str, is_coordinator: bool,
                   outcome: str, statement: str, block_resolution: str | None, now: datetime) -> Decided:
    """Record (or change) the outcome, closing the proposal first if it is still open.

    A proposal someone blocked can only be recorded as agreed once the block's resolution is said.
    The issues it addresses are marked changed, so their cards show the decision.
    """
    proposal = _lock(session, team_id, proposal_id)
    _require_manager(proposal, user_id, is_coordinator, "record its outcome")
    problems: dict[str, str] = {}
    if outcome not in OUTCOMES:
        problems["outcome"] = "Choose the outcome: Agreed, Agreed with changes, Not agreed or Withdrawn."
    words = (statement or "").strip()
    if not words:
        problems["statement"] = "Write the outcome in a sentence or two: what the group agreed, or why not."
    elif len(words) > MAX_STATEMENT:
        problems["statement"] = f"The statement is {len(words):,} characters; keep it under {MAX_STATEMENT:,}."
    resolution = (block_resolution or "").strip() or None
    if resolution and len(resolution) > MAX_REASON:
        problems["block_resolution"] = f"Keep this under {MAX_REASON:,} characters."
    blocked = any(p.stance == "block" for p in ProposalRepository(session).positions(proposal.id))
    if blocked and outcome in AGREED_OUTCOMES and not resolution:
        problems["block_resolution"] = ("Someone blocked this proposal: say how the block was resolved before "
                                        "recording it as agreed.")
    if problems:
        raise OutcomeInvalid(problems)
    if (proposal.status == "decided" and proposal.outcome == outcome and proposal.outcome_statement == words
            and proposal.block_resolution == resolution):
        return Decided(False, proposal.number, outcome, proposal.decision_sequence,
                       tuple(ProposalRepository(session).issue_ids_of([proposal.id])[proposal.id]))
    if proposal.is_open:
        _close(session, proposal, by=user_id, now=now)
    proposal.status = "decided"
    proposal.outcome = outcome
    proposal.outcome_statement = words
    proposal.block_resolution = resolution
    proposal.decided_at = now
    proposal.decided_by = user_id
    proposal.decision_sequence += 1
    proposal.revision += 1
    linked = tuple(ProposalRepository(session).issue_ids_of([proposal.id])[proposal.id])
    issues = IssueRepository(session)
    for issue_id in linked:
        issues.bump(issue_id, now=now)
    return Decided(True, proposal.number, outcome, proposal.decision_sequence, linked)


def outcome_prefill(state: ProposalState) -> str:
    """The outcome form's first draft, from the tally."""
    counts = state.counts
    parts = [f"{counts.get(stance, 0)} {STANCE_LABELS[stance].lower()}" for stance in STANCES]
    tally = ", ".join(parts)
    orgs = state.organisations
    line = f"{tally}."
    if orgs.represented:
        line += f" {orgs.agreeing} of {orgs.represented} organisations represented agreed."
    first = state.text.splitlines()[0] if state.text else ""
    ask = truncate(first, 300)
    if state.suggested_outcome() == "agreed":
        return f"The group agreed: {ask}\n\n{line}"
    return f"The group did not agree: {ask}\n\n{line}"


def ensure_reschedulable(session: Session, team_id: str, proposal_id: int, *, user_id: str,
                         is_coordinator: bool) -> ProposalState:
    """The proposal, if this member may change when it closes (or reopen it)."""
    state = ensure_manager(session, team_id, proposal_id, user_id=user_id, is_coordinator=is_coordinator,
                           doing="change when it closes")
    if state.is_decided:
        raise InvalidInput("Its outcome is recorded already, so it cannot reopen. Make a new proposal instead.")
    return state


def reschedule(session: Session, team_id: str, proposal_id: int, *, user_id: str, is_coordinator: bool,
               closes_text: str, zone: ZoneInfo, now: datetime, reminder_lead: timedelta) -> Proposal:
    """A new closing time: later or sooner for an open proposal, or reopening one that closed
    without an outcome. Positions are kept; members already reminded are not reminded again."""
    proposal = _lock(session, team_id, proposal_id)
    _require_manager(proposal, user_id, is_coordinator, "change when it closes")
    if proposal.status == "decided":
        raise InvalidInput("Its outcome is recorded already, so it cannot reopen. Make a new proposal instead.")
    typed = (closes_text or "").strip()
    if not typed:
        raise InvalidInput("Say when it closes.", example="Fri 4 Dec 5pm")
    try:
        closes_at = parse_deadline(typed, now=now, zone=zone)
    except InvalidInput as error:
        raise InvalidInput(f"The closing time “{truncate(typed, 60)}”: {error.message}", example="Fri 4 Dec 5pm") \
            from None
    if closes_at - now < SHORTEST_OPEN:
        raise InvalidInput("That leaves nobody time to answer: give at least ten minutes.", example="Fri 4 Dec 5pm")
    if proposal.status == "closed":
        proposal.status = "open"
        proposal.closed_at = proposal.closed_by = None
        proposal.organisations_represented = None
        proposal.quorum_percent = proposal.quorum_basis = proposal.quorum_met = None
    proposal.closes_at = closes_at
    proposal.remind_at = reminder_time(closes_at, now=now, lead=reminder_lead)
    proposal.revision += 1
    return proposal


@dataclass(frozen=True)
class DeletedProposal:
    number: int
    channel_id: str
    message_ts: str | None


def delete_proposal(session: Session, team_id: str, proposal_id: int, *, user_id: str,
                    is_coordinator: bool) -> DeletedProposal:
    proposal = _lock(session, team_id, proposal_id)
    _require_manager(proposal, user_id, is_coordinator, "delete it")
    deleted = DeletedProposal(proposal.number, proposal.channel_id, proposal.message_ts)
    linked = ProposalRepository(session).issue_ids_of([proposal.id])[proposal.id]
    decided = proposal.status == "decided"
    ProposalRepository(session).delete(proposal)
    if decided:
        issues = IssueRepository(session)
        for issue_id in linked:
            issues.bump(issue_id)
    return deleted


# Reminders ---------------------------------------------------------------------------------------


def reminder_recipients(session: Session, team_id: str, proposal_id: int, audience: Iterable[str], *,
                        now: datetime, home: ZoneInfo) -> list[str]:
    """Who gets the one reminder before closing: the channel's people (as Slack lists them now) who
    have not taken a position, skipping anyone away that day or pausing prompts."""
    repo = ProposalRepository(session)
    proposal = repo.get(team_id, proposal_id)
    if proposal is None or not proposal.is_open:
        return []
    responded = repo.responder_ids(proposal_id)
    waiting = [user_id for user_id in dict.fromkeys(audience) if user_id not in responded]
    return prompts.available(session, team_id, waiting, at=now, home=home)


# Lists, the App Home and the digest --------------------------------------------------------------


@dataclass(frozen=True)
class ProposalSummary:
    id: int
    number: int
    text: str
    channel_id: str
    message_ts: str | None
    status: str
    closes_at: datetime
    responded: int
    asked: int
    anonymous: bool
    outcome: str | None = None
    decided_at: datetime | None = None
    organisations_agreeing: int | None = None
    organisations_represented: int | None = None
    quorum_met: bool | None = None
    blocks: int = 0
    issue_count: int = 0

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def outcome_label(self) -> str | None:
        return OUTCOME_LABELS.get(self.outcome or "")


def _summaries(session: Session, proposals: Sequence[Proposal]) -> list[ProposalSummary]:
    repo = ProposalRepository(session)
    ids = [p.id for p in proposals]
    counts = repo.response_counts(ids)
    issue_counts = repo.issue_counts(ids)
    closed = [p for p in proposals if not p.is_open]
    tallies: dict[int, tuple[int, int]] = {}
    for proposal in closed:
        positions = repo.positions(proposal.id)
        organisations = count_organisations([], [(p.user_id, p.stance, p.organisation, True) for p in positions])
        tallies[proposal.id] = (organisations.agreeing, sum(1 for p in positions if p.stance == "block"))
    out = []
    for proposal in proposals:
        responded, asked = counts.get(proposal.id, (0, 0))
        agreeing, blocks = tallies.get(proposal.id, (None, 0))
        out.append(ProposalSummary(
            id=proposal.id, number=proposal.number, text=proposal.text, channel_id=proposal.channel_id,
            message_ts=proposal.message_ts, status=proposal.status, closes_at=proposal.closes_at,
            responded=responded, asked=asked, anonymous=proposal.anonymous, outcome=proposal.outcome,
            decided_at=proposal.decided_at, organisations_agreeing=agreeing,
            organisations_represented=proposal.organisations_represented, quorum_met=proposal.quorum_met,
            blocks=blocks if not (proposal.hide_positions and proposal.is_open) else 0,
            issue_count=issue_counts.get(proposal.id, 0),
        ))
    return out


def open_proposals(session: Session, team_id: str) -> list[ProposalSummary]:
    """Open proposals, closing soonest first, with how many have responded."""
    return _summaries(session, ProposalRepository(session).open_proposals(team_id))


def awaiting_position(session: Session, team_id: str, user_id: str) -> list[ProposalSummary]:
    """Open proposals the member was asked about and has not taken a position on."""
    return _summaries(session, ProposalRepository(session).awaiting(team_id, user_id))


def decided_between(session: Session, team_id: str, *, since: datetime, until: datetime) -> list[ProposalSummary]:
    """Proposals whose outcome was recorded in [since, until), oldest first."""
    return _summaries(session, ProposalRepository(session).decided_between(team_id, since, until))


def parse_list_query(text: str) -> tuple[str, int]:
    """`[open|decided|all] [page N]` → (filter, page)."""
    which, page = "all", 1
    words = text.lower().split()
    index = 0
    while index < len(words):
        word = words[index]
        if word in LIST_FILTERS:
            which = word
        elif word in ("closed", "agreed", "done"):
            which = "decided"
        elif word == "page" and index + 1 < len(words) and words[index + 1].isdigit():
            page = max(1, int(words[index + 1]))
            index += 1
        elif word.isdigit():
            page = max(1, int(word))
        else:
            raise InvalidInput(f"I don't know “{truncate(word, 30)}” in a list.", example="/propose list open")
        index += 1
    return which, page


@dataclass(frozen=True)
class Page:
    which: str
    page: int
    pages: int
    total: int
    items: list[ProposalSummary] = field(default_factory=list)


def list_page(session: Session, team_id: str, *, which: str = "all", page: int = 1) -> Page:
    if which not in LIST_FILTERS:
        which = "all"
    repo = ProposalRepository(session)
    window, rows = paging.fetch_page(
        lambda offset, limit: repo.page(team_id, which=which, offset=offset, limit=limit), page, PAGE_SIZE)
    return Page(which, window.number, window.pages, window.total, _summaries(session, rows))


def unrendered(session: Session, *, quiet_since: datetime) -> list[tuple[str, int]]:
    """(team, proposal) of messages behind the database that nobody has changed since `quiet_since`."""
    return [(p.team_id, p.id) for p in ProposalRepository(session).unrendered(changed_before=quiet_since)]


# Personal data -----------------------------------------------------------------------------------


def export_personal_data(session: Session, team_id: str, user_id: str) -> PersonalData:
    """The member's positions and reasons (theirs, even in anonymous proposals), the proposals they
    made, and those they closed or recorded the outcome of."""
    repo = ProposalRepository(session)
    records: list[dict[str, Any]] = []
    for position, proposal in repo.positions_by_member(team_id, user_id):
        records.append({
            "position": STANCE_LABELS.get(position.stance, position.stance), "proposal": proposal.number,
            "proposal_text": proposal.text, "reason": position.reason, "credit": position.credit,
            "organisation": position.organisation, "anonymous_proposal": proposal.anonymous,
            "taken_at": position.created_at.isoformat(), "changed_at": position.changed_at.isoformat(),
        })
    for proposal in repo.authored_by(team_id, user_id):
        records.append({
            "proposed": proposal.number, "text": proposal.text, "channel_id": proposal.channel_id,
            "status": proposal.status, "outcome": OUTCOME_LABELS.get(proposal.outcome or ""),
            "created_at": proposal.created_at.isoformat(), "closes_at": proposal.closes_at.isoformat(),
        })
    for proposal in repo.managed_by(team_id, user_id):
        if proposal.closed_by == user_id:
            records.append({"closed_proposal": proposal.number,
                            "closed_at": proposal.closed_at.isoformat() if proposal.closed_at else None})
        if proposal.decided_by == user_id:
            records.append({"recorded_outcome_of": proposal.number,
                            "outcome": OUTCOME_LABELS.get(proposal.outcome or ""),
                            "decided_at": proposal.decided_at.isoformat() if proposal.decided_at else None})
    return PersonalData("Proposals", records)


def redraw_after_forgetting(session: Session, team_id: str, user_id: str) -> Redraw:
    """Proposal messages that may show the member, and the outcome announcements that say they recorded it."""
    repo = ProposalRepository(session)
    showing = {proposal for _, proposal in repo.positions_by_member(team_id, user_id)}
    showing |= {*repo.authored_by(team_id, user_id), *repo.managed_by(team_id, user_id)}
    announcements = DispatchLedger(session).sent_under(
        team_id, [f"proposal-outcome:{p.id}:" for p in showing if p.decided_by == user_id])
    return Redraw(proposals={p.id for p in showing if p.message_ts}, messages=announcements)


def forget_personal_data(session: Session, team_id: str, user_id: str) -> int:
    """Delete the member's positions and reasons; proposals they made or decided stay for the group
    but no longer name them. The proposals touched are marked changed, so their messages are
    re-rendered without the member (`bot.jobs.proposals.refresh_unrendered`)."""
    repo = ProposalRepository(session)
    deleted, took_part = repo.delete_positions_of(team_id, user_id)
    touched = set(took_part) | repo.forget_invitee(team_id, user_id)
    changed = 0
    for proposal in {*repo.authored_by(team_id, user_id), *repo.managed_by(team_id, user_id)}:
        if proposal.author_id == user_id:
            proposal.author_id = None
        if proposal.closed_by == user_id:
            proposal.closed_by = None
        if proposal.decided_by == user_id:
            proposal.decided_by = None
        touched.add(proposal.id)
        changed += 1
    session.flush()
    repo.touch(touched)
    return deleted + changed
