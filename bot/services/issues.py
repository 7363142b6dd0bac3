"""The register of commissioning issues: adding, +1s, tags, closing, finding similar ones.

Every issue is numbered per workspace, tagged with normalised tags, and credited as its author
chose: by name, by organisation only, or anonymously. Who raised an anonymous issue never leaves
this module: everything it hands out carries an `Attribution` made by `bot.services.attribution`,
and the issue form keeps who it credits on the server (`IssueForm`), never in the form itself.
"""

from __future__ import annotations

import math
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.services import attribution as rule
from bot.services import paging, privacy
from bot.services.attribution import CREDIT_CHOICES, Attribution, Credit, Surface
from bot.services.errors import InvalidInput, NotAllowed, NotFound, UserFacingError
from bot.text import truncate, unslack
from storage.models import Issue, IssueForm, Member
from storage.repositories.issues import DescribedIssue, IssueRepository
from storage.repositories.proposals import ProposalRepository
from storage.repositories.workspaces import MemberRepository, WorkspaceRepository

TITLE_MAX = 150
TITLE_MIN = 3
DETAIL_MAX = 3000
RESOLUTION_MAX = 1000
ORGANISATION_MAX = 200
TAG_MAX = 40
TAGS_PER_ISSUE = 10
PAGE_SIZE = 10

ADD_EXAMPLE = "/issue Lead providers pass on risk but not the money #lead-provider-model #nhs"


@dataclass(frozen=True)
class Theme:
    tag: str
    label: str


# The themes the working group cares about; offered in the form whether used yet or not.
STARTER_THEMES: tuple[Theme, ...] = (
    Theme("lead-provider-model", "Lead provider model"),
    Theme("collaboratives-and-consortia", "Collaboratives and consortia"),
    Theme("contract-length", "Contract length"),
    Theme("payment-by-results", "Payment by results"),
    Theme("monitoring-and-reporting-burden", "Monitoring and reporting burden"),
    Theme("social-value", "Social value"),
    Theme("relationships-with-commissioners", "Relationships with commissioners"),
    Theme("evidence-of-impact", "Evidence of impact"),
    Theme("procurement-process", "Procurement process"),
)

COMMISSIONERS: tuple[Theme, ...] = (
    Theme("local-authority", "Local authority"),
    Theme("nhs", "NHS"),
    Theme("other-commissioner", "Other commissioner"),
)

# Short forms people type for the starter tags.
TAG_ALIASES = {
    "lead-provider": "lead-provider-model",
    "lead-providers": "lead-provider-model",
    "pbr": "payment-by-results",
    "consortia": "collaboratives-and-consortia",
    "consortium": "collaboratives-and-consortia",
    "collaboratives": "collaboratives-and-consortia",
    "procurement": "procurement-process",
    "monitoring": "monitoring-and-reporting-burden",
    "la": "local-authority",
    "council": "local-authority",
    "councils": "local-authority",
    "local-authorities": "local-authority",
}


def label_of(tag: str) -> str:
    """How a tag reads in a list: the starter themes' own names, otherwise the tag itself."""
    for theme in STARTER_THEMES + COMMISSIONERS:
        if theme.tag == tag:
            return theme.label
    return tag


# ---------------------------------------------------------------------------------------------
# Reading what people type
# ---------------------------------------------------------------------------------------------

_TAG_CHARS = re.compile(r"[^\w-]+")
_DASHES = re.compile(r"-{2,}")
_TRAILING_PUNCTUATION = ",.;:!?)]}\"'”’"


def normalise_tag(raw: str) -> str:
    """`#Lead Provider_Model` → `lead-provider-model`. InvalidInput when nothing usable is left."""
    tag = raw.strip().lstrip("#").strip().lower()
    tag = re.sub(r"[\s_]+", "-", tag)
    tag = _DASHES.sub("-", _TAG_CHARS.sub("", tag)).strip("-")
    tag = TAG_ALIASES.get(tag, tag)
    if not tag or not any(char.isalpha() for char in tag):
        raise InvalidInput(f"“{truncate(raw.strip(), 40)}” is not a tag I can use: a tag needs a letter in it.",
                           example="/issue tag 12 #contract-length")
    if len(tag) > TAG_MAX:
        raise InvalidInput(f"The tag “{truncate(tag, 50)}” is too long: keep tags under {TAG_MAX} characters.",
                           example="/issue tag 12 #social-value")
    return tag


def normalise_tags(raws: Iterable[str]) -> list[str]:
    """Normalised, without repeats, in the order given."""
    tags = list(dict.fromkeys(normalise_tag(raw) for raw in raws if raw.strip().lstrip("#").strip()))
    if len(tags) > TAGS_PER_ISSUE:
        raise InvalidInput(f"An issue can have at most {TAGS_PER_ISSUE} tags; that was {len(tags)}.")
    return tags


def split_tag_text(text: str) -> list[str]:
    """`#a #b, c` → the raw tags in a free-text tags field (commas or spaces between them)."""
    return [part for part in re.split(r"[\s,;]+", unslack(text or "")) if part.strip("#")]


def _is_tag_token(token: str) -> bool:
    word = token.rstrip(_TRAILING_PUNCTUATION)
    return len(word) > 1 and word.startswith("#") and any(char.isalpha() for char in word)


@dataclass(frozen=True)
class IssueDraft:
    """What someone wants to add, before it has a number."""

    title: str
    detail: str = ""
    tags: tuple[str, ...] = ()
    credit: Credit = Credit.NAMED
    organisation: str | None = None


_QUOTED_START = re.compile(r'^["“”](.+?)["“”](.*)$', re.DOTALL)


def parse_one_line(text: str) -> IssueDraft:
    """`/issue <text> #tag #tag`: the text is the issue, every #word a tag.

    Tags at the end are taken off the text; a #word inside a sentence stays in it and is a tag
    too. Text longer than a title keeps its first sentence (or its start) as the title and all
    of it as the detail, so nothing typed is lost.
    """
    plain = unslack(text).strip()
    # A quoted start lets an issue begin with a word such as "close" or "list".
    quoted = _QUOTED_START.match(plain)
    if quoted:
        plain = (quoted.group(1) + quoted.group(2)).strip()
    tokens = plain.split()
    tags = [token.rstrip(_TRAILING_PUNCTUATION) for token in tokens if _is_tag_token(token)]
    while tokens and _is_tag_token(tokens[-1]):
        tokens.pop()
    body = " ".join(tokens).strip()
    if not body:
        raise InvalidInput("Say what the issue is before its tags.", example=ADD_EXAMPLE)
    title, detail = split_title(body)
    return IssueDraft(title=title, detail=detail, tags=tuple(normalise_tags(tags)))


_FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(?:\s+|$)")


def split_title(text: str) -> tuple[str, str]:
    """A title that fits, and the detail (the whole text when it had to be shortened)."""
    text = " ".join(text.split())
    if len(text) <= TITLE_MAX:
        return text, ""
    sentence = _FIRST_SENTENCE.match(text)
    if sentence and TITLE_MIN <= len(sentence.group(1)) <= TITLE_MAX:
        return sentence.group(1), text[sentence.end() :].strip()
    cut = text[: TITLE_MAX - 1]
    if " " in cut[TITLE_MAX // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-") + "…", text


def validate_draft(draft: IssueDraft) -> IssueDraft:
    """The draft tidied, or InvalidInput naming what is wrong (nothing is stored)."""
    title = " ".join(draft.title.split())
    detail = draft.detail.strip()
    if len(title) < TITLE_MIN:
        raise InvalidInput("An issue needs a title of a few words.", example=ADD_EXAMPLE)
    if len(title) > TITLE_MAX:
        raise InvalidInput(f"The title is {len(title)} characters; keep it to {TITLE_MAX} and put the rest in the detail.",
                           example="/issue (alone, to open the form with a detail box)")
    if len(detail) > DETAIL_MAX:
        raise InvalidInput(f"That is {len(detail):,} characters; an issue holds up to {DETAIL_MAX:,}. "
                           "Please shorten it (a link to a document works well).")
    organisation = " ".join((draft.organisation or "").split()) or None
    if organisation and len(organisation) > ORGANISATION_MAX:
        raise InvalidInput(f"Keep the organisation's name under {ORGANISATION_MAX} characters.")
    if draft.credit == Credit.ORGANISATION and not organisation:
        raise InvalidInput("To be credited by organisation only, say which organisation.")
    if draft.credit in (Credit.ANONYMOUS, Credit.PENDING):
        organisation = None  # an anonymous issue keeps nothing that points to its author
    tags = tuple(normalise_tags(draft.tags))
    return IssueDraft(title=title, detail=detail, tags=tags, credit=draft.credit, organisation=organisation)


def draft_from_form(*, title: str, detail: str, chosen_tags: Iterable[str], other_tags: str,
                    credit: Credit, organisation: str | None) -> tuple[IssueDraft | None, dict[str, str]]:
    """The form's answers as a draft, or the problems keyed by field (title, detail, tags, organisation)."""
    errors: dict[str, str] = {}
    tags: list[str] = []
    try:
        tags = normalise_tags([*chosen_tags, *split_tag_text(other_tags)])
    except InvalidInput as problem:
        errors["tags"] = problem.message
    draft = IssueDraft(title=title or "", detail=detail or "", tags=tuple(tags), credit=credit,
                       organisation=organisation)
    for field_name, check in (("title", _check_title), ("detail", _check_detail),
                              ("organisation", _check_organisation)):
        try:
            check(draft)
        except InvalidInput as problem:
            errors[field_name] = problem.message
    if errors:
        return None, errors
    return validate_draft(draft), {}


def _check_title(draft: IssueDraft) -> None:
    validate_draft(IssueDraft(title=draft.title))


def _check_detail(draft: IssueDraft) -> None:
    validate_draft(IssueDraft(title="a title", detail=draft.detail))


def _check_organisation(draft: IssueDraft) -> None:
    validate_draft(IssueDraft(title="a title", credit=draft.credit, organisation=draft.organisation))


def parse_number(text: str, *, doing: str) -> int:
    """`12` or `#12` → 12; InvalidInput otherwise."""
    word = text.strip().lstrip("#")
    if not word.isdigit() or int(word) <= 0:
        raise InvalidInput(f"Which issue? Give its number to {doing}.", example=f"/issue {doing} 12")
    return int(word)


# ---------------------------------------------------------------------------------------------
# Similar issues: a cosine over title words weighted by rarity, quick enough for thousands
# ---------------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
STOPWORDS = frozenset(
    "a about above after again against all also am an and any are as at be because been before being below "
    "between both but by can could did do does doing down during each few for from further get gets got had has "
    "have having he her here hers him his how i if in into is it its itself just me more most my no nor not now "
    "of off on once only or other our ours out over own same she should so some such than that the their them "
    "then there these they this those through to too under until up very was we were what when where which "
    "while who whom why will with would you your yours us".split()
)


def stem(word: str) -> str:
    """A rough English stem, enough for "contracts" to meet "contract"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def terms_of(text: str) -> set[str]:
    words = (word.replace("’", "'").lower() for word in _WORD.findall(text))
    return {stem(word) for word in words if word not in STOPWORDS and len(word) > 1}


def issue_terms(title: str, tags: Iterable[str]) -> str:
    """What `Issue.terms` holds: title words and tag words, stemmed, space-separated."""
    words = terms_of(title) | terms_of(" ".join(tag.replace("-", " ") for tag in tags))
    return " ".join(sorted(words))


SIMILARITY_THRESHOLD = 0.3


def rank_similar(query: set[str], documents: Sequence[tuple[int, str]], *, limit: int,
                 exclude: int | None = None, threshold: float = SIMILARITY_THRESHOLD) -> list[tuple[int, float]]:
    """(id, score) of the documents most like `query`, best first, above `threshold`."""
    if not query:
        return []
    parsed = [(doc_id, terms.split()) for doc_id, terms in documents if doc_id != exclude and terms]
    frequency: Counter[str] = Counter()
    for _doc_id, terms in parsed:
        frequency.update(terms)
    total = len(parsed) + 1
    squared = {term: (math.log(total / (count + 1)) + 1.0) ** 2 for term, count in frequency.items()}
    unseen = (math.log(total) + 1.0) ** 2
    query_squared = {term: squared.get(term, unseen) for term in query}
    query_norm = math.sqrt(sum(query_squared.values()))
    scored = []
    for doc_id, terms in parsed:
        dot = sum(query_squared[term] for term in terms if term in query_squared)
        if not dot:
            continue
        norm = math.sqrt(sum(squared[term] for term in terms))
        score = dot / (query_norm * norm)
        if score >= threshold:
            scored.append((doc_id, score))
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored[:limit]


# ---------------------------------------------------------------------------------------------
# What may be shown about who raised an issue
# ---------------------------------------------------------------------------------------------


def attribution(issue: Issue, members: dict[str, Member], *, surface: Surface = Surface.CHANNEL,
                viewer: str | None = None) -> Attribution:
    """Who raised `issue`, as far as its credit lets `viewer` see on `surface`."""
    return rule.attribute(issue.credit, author_id=issue.author_id, author=members.get(issue.author_id or ""),
                          organisation=issue.organisation, surface=surface, viewer=viewer)


def is_author(issue: Issue, user_id: str) -> bool:
    """The person credited, or whoever logged it for them."""
    return user_id in (issue.author_id, issue.logged_by)


# ---------------------------------------------------------------------------------------------
# What the rest of Convene reads
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkedDecision:
    """A decided proposal that addressed an issue (`/propose`)."""

    number: int
    outcome: str
    text: str


def _with_decisions(session: Session, summary: IssueSummary) -> IssueSummary:
    found = ProposalRepository(session).decided_for_issues([summary.id]).get(summary.id, [])
    return replace(summary, decisions=tuple(LinkedDecision(p.number, p.outcome or "", p.text) for p in found))


@dataclass(frozen=True)
class IssueSummary:
    """An issue as anyone may see it."""

    id: int
    number: int
    title: str
    detail: str
    tags: tuple[str, ...]
    plus_ones: int
    status: str
    attribution: Attribution
    created_at: datetime
    closed_at: datetime | None = None
    resolution: str | None = None
    channel_id: str | None = None
    message_ts: str | None = None
    source_permalink: str | None = None  # shown only when the author is named
    voted: bool = False  # whether the member looking has +1'd it
    decisions: tuple[LinkedDecision, ...] = ()  # decided proposals that addressed it (cards and `show`)

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class Card:
    """An issue's card in the group's channel, at one revision."""

    summary: IssueSummary
    revision: int


def _summaries(session: Session, team_id: str, issues: Sequence[Issue], *,
               viewer: str | None = None, surface: Surface = Surface.CHANNEL) -> list[IssueSummary]:
    repo = IssueRepository(session)
    tags = repo.tags_of(issue.id for issue in issues)
    authors = [issue.author_id for issue in issues if issue.author_id and issue.credit == Credit.NAMED]
    members = MemberRepository(session).many(team_id, authors)
    return _summarise(session, issues, tags, members, viewer=viewer, surface=surface)


def _described_summaries(session: Session, rows: list[DescribedIssue], *, viewer: str | None = None,
                         surface: Surface = Surface.CHANNEL) -> list[IssueSummary]:
    """Summaries of issues read with their tags and named authors."""
    tags = {issue.id: issue_tags for issue, issue_tags, _member in rows}
    members = {member.user_id: member for _issue, _tags, member in rows if member is not None}
    return _summarise(session, [issue for issue, _tags, _member in rows], tags, members, viewer=viewer,
                      surface=surface)


def _summarise(session: Session, issues: Sequence[Issue], tags: dict[int, list[str]], members: dict[str, Member], *,
               viewer: str | None, surface: Surface) -> list[IssueSummary]:
    voted = IssueRepository(session).voted_on(viewer, [issue.id for issue in issues]) if viewer else set()
    out = []
    for issue in issues:
        shown = attribution(issue, members, surface=surface, viewer=viewer)
        out.append(IssueSummary(
            id=issue.id, number=issue.number, title=issue.title, detail=issue.detail,
            tags=tuple(tags.get(issue.id, [])), plus_ones=issue.plus_ones, status=issue.status,
            attribution=shown, created_at=issue.created_at, closed_at=issue.closed_at, resolution=issue.resolution,
            channel_id=issue.channel_id, message_ts=issue.message_ts,
            source_permalink=issue.source_permalink if shown.credit == Credit.NAMED else None,
            voted=issue.id in voted,
        ))
    return out


def summary(session: Session, team_id: str, issue: Issue, *, viewer: str | None = None,
            surface: Surface = Surface.CHANNEL) -> IssueSummary:
    """The issue as `surface` may show it (a card in the channel unless said otherwise)."""
    return _summaries(session, team_id, [issue], viewer=viewer, surface=surface)[0]


def card(session: Session, team_id: str, issue_id: int) -> Card | None:
    issue = IssueRepository(session).by_id(team_id, issue_id)
    if issue is None:
        return None
    return Card(_with_decisions(session, summary(session, team_id, issue)), issue.revision)


def get(session: Session, team_id: str, number: int) -> Issue:
    issue = IssueRepository(session).by_number(team_id, number)
    if issue is None:
        raise NotFound(f"There is no issue #{number}. `/issue list` shows the register.", example="/issue list")
    return issue


def get_by_id(session: Session, team_id: str, issue_id: int) -> Issue:
    issue = IssueRepository(session).by_id(team_id, issue_id)
    if issue is None:
        raise NotFound("That issue is no longer in the register.")
    return issue


def created_from(session: Session, team_id: str, origin: str) -> IssueSummary | None:
    """The issue made from `origin` (a message, a prompt's answer…), if there is one."""
    issue = IssueRepository(session).by_origin(team_id, origin)
    return summary(session, team_id, issue) if issue else None


def new_issues(session: Session, team_id: str, *, since: datetime, until: datetime) -> list[IssueSummary]:
    """Issues added in [since, until), oldest first (for the weekly digest)."""
    return _described_summaries(session, IssueRepository(session).created_between_described(team_id, since, until))


def top_issues(session: Session, team_id: str, *, limit: int = 5, status: str = "open",
               viewer: str | None = None) -> list[IssueSummary]:
    """The issues with most +1s (newest first among equals)."""
    rows = IssueRepository(session).top_described(team_id, status=status, limit=limit)
    return _described_summaries(session, rows, viewer=viewer, surface=Surface.PRIVATE if viewer else Surface.CHANNEL)


def top_issues_page(session: Session, team_id: str, *, page: int, size: int,
                    viewer: str) -> tuple[paging.Window, list[IssueSummary]]:
    """A page of the open issues, most +1s first (newest first among equals), as `viewer` sees them."""
    repo = IssueRepository(session)
    window, rows = paging.fetch_page(
        lambda offset, limit: repo.page(team_id, tag=None, status="open", order="top", offset=offset, limit=limit),
        page, size)
    return window, _summaries(session, team_id, rows, viewer=viewer, surface=Surface.PRIVATE)


def similar(session: Session, team_id: str, text: str, *, tags: Iterable[str] = (), limit: int = 3,
            exclude: int | None = None, viewer: str | None = None) -> list[IssueSummary]:
    """Issues already in the register that read like `text`, best first."""
    repo = IssueRepository(session)
    query = set(issue_terms(text, tags).split())
    ranked = rank_similar(query, repo.similarity_rows(team_id), limit=limit, exclude=exclude)
    by_id = {issue.id: issue for issue in repo.many([issue_id for issue_id, _ in ranked])}
    return _summaries(session, team_id, [by_id[issue_id] for issue_id, _ in ranked if issue_id in by_id],
                      viewer=viewer, surface=Surface.PRIVATE if viewer else Surface.CHANNEL)


@dataclass(frozen=True)
class ListQuery:
    tag: str | None = None
    order: str = "new"  # new | top | old
    status: str = "open"  # open | closed | all
    page: int = 1


def parse_list_query(text: str) -> ListQuery:
    """`[#tag] [new|top|old] [open|closed|all] [page N]`, in any order."""
    tag, order, status, page = None, "new", "open", 1
    words = unslack(text).split()
    index = 0
    while index < len(words):
        word = words[index].lower().rstrip(",")
        if word.startswith("#"):
            if tag is not None:
                raise InvalidInput("List one tag at a time.", example="/issue list #contract-length top")
            tag = normalise_tag(word)
        elif word in ("new", "newest", "latest", "recent"):
            order = "new"
        elif word in ("top", "popular", "most"):
            order = "top"
        elif word in ("old", "oldest"):
            order = "old"
        elif word in ("open", "closed", "all"):
            status = word
        elif word == "page" and index + 1 < len(words) and words[index + 1].isdigit():
            page = max(1, int(words[index + 1]))
            index += 1
        elif word.isdigit():
            page = max(1, int(word))
        else:
            raise InvalidInput(f"I don't know “{truncate(words[index], 30)}” in a list. Tags start with #.",
                               example="/issue list #contract-length top")
        index += 1
    return ListQuery(tag=tag, order=order, status=status, page=page)


@dataclass(frozen=True)
class Page:
    query: ListQuery
    items: list[IssueSummary]
    total: int
    pages: int

    @property
    def first_index(self) -> int:
        return (self.query.page - 1) * PAGE_SIZE + 1


def list_page(session: Session, team_id: str, query: ListQuery, *, viewer: str | None = None) -> Page:
    repo = IssueRepository(session)
    window, rows = paging.fetch_page(
        lambda offset, limit: repo.page(team_id, tag=query.tag, status=query.status, order=query.order,
                                        offset=offset, limit=limit),
        query.page, PAGE_SIZE)
    if window.number != query.page:
        query = ListQuery(query.tag, query.order, query.status, window.number)
    items = _summaries(session, team_id, rows, viewer=viewer, surface=Surface.PRIVATE)
    return Page(query=query, items=items, total=window.total, pages=window.pages)


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    who: str  # plain text: a name, "the author", "a former member"
    what: str  # plain text


@dataclass(frozen=True)
class IssueDetails:
    summary: IssueSummary
    voters: list[str]  # names
    history: list[HistoryLine]
    viewer_is_author: bool
    viewer_may_change: bool  # close, reopen, untag: the author or a coordinator


_EVENT_TEXT = {
    "created": "added it",
    "edited": "edited it",
    "tagged": "tagged it",
    "untagged": "removed tags",
    "closed": "closed it",
    "reopened": "reopened it",
    "credited": "chose how they are credited",
}


def details(session: Session, team_id: str, number: int, *, viewer: str, viewer_is_coordinator: bool) -> IssueDetails:
    """`/issue show N`, for the viewer alone. A coordinator sees no more of who raised it than anyone."""
    repo = IssueRepository(session)
    issue = get(session, team_id, number)
    shown = _with_decisions(session, summary(session, team_id, issue, viewer=viewer, surface=Surface.PRIVATE))
    voter_ids = [user_id for user_id, _ in repo.voters(issue.id)]
    events = repo.events(issue.id)
    members = MemberRepository(session).many(team_id, voter_ids + [e.actor_id for e in events if e.actor_id])
    hidden = issue.author_id if issue.credit != Credit.NAMED else None
    history = []
    for event in events:
        what = _EVENT_TEXT.get(event.kind, event.kind)
        if event.detail and event.kind in ("tagged", "untagged"):
            what += ": " + " ".join(f"#{tag}" for tag in event.detail.split())
        elif event.detail and event.kind == "closed":
            what += ": " + event.detail
        elif event.detail and event.kind == "created":
            what += " " + event.detail
        who = rule.actor(event.actor_id, members=members, hidden=hidden, viewer=viewer, surface=Surface.PRIVATE)
        history.append(HistoryLine(event.at, who, what))
    names = [rule.full_name(members.get(user_id)) or user_id for user_id in voter_ids]
    return IssueDetails(
        summary=shown, voters=names, history=history,
        viewer_is_author=is_author(issue, viewer),
        viewer_may_change=viewer_is_coordinator or is_author(issue, viewer),
    )


def tag_suggestions(session: Session, team_id: str, *, limit: int = 60) -> list[str]:
    """Tags already used in this group that are not starter themes or commissioner types."""
    fixed = {theme.tag for theme in STARTER_THEMES + COMMISSIONERS}
    return [tag for tag, _ in IssueRepository(session).tag_usage(team_id, limit=limit + len(fixed)) if tag not in fixed][:limit]


def tags_in_use(session: Session, team_id: str) -> list[tuple[str, int]]:
    return IssueRepository(session).tag_usage(team_id)


# ---------------------------------------------------------------------------------------------
# Changing the register
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """The Slack message an issue was logged from."""

    channel_id: str
    ts: str
    permalink: str | None = None


class AlreadyLogged(UserFacingError):
    """Something (a message, an answer) already became an issue."""

    def __init__(self, number: int) -> None:
        super().__init__(f"That is already issue #{number} in the register. `/issue show {number}` shows it.")
        self.number = number


def create_issue(
    session: Session,
    team_id: str,
    draft: IssueDraft,
    *,
    author_id: str | None,
    now: datetime,
    logged_by: str | None = None,
    source: Source | None = None,
    origin: str | None = None,
) -> Issue:
    """Add an issue from any source: a command, the form, a message, a prompt's answer.

    `author_id` is who is credited (for a message, the person who wrote it); `logged_by` is who
    added it when that is someone else. `origin` names what it was made from, once: a second
    issue from the same origin raises AlreadyLogged. Nothing is stored when the draft is invalid.
    """
    draft = validate_draft(draft)
    repo = IssueRepository(session)
    if origin is not None and (existing := repo.by_origin(team_id, origin)) is not None:
        raise AlreadyLogged(existing.number)
    if author_id is not None and logged_by == author_id:
        logged_by = None
    organisation = draft.organisation
    if organisation is None and author_id and draft.credit in (Credit.NAMED, Credit.ORGANISATION):
        member = MemberRepository(session).get(team_id, author_id)
        organisation = member.organisation if member else None
    WorkspaceRepository(session).get_or_create(team_id, now=now)
    try:
        with session.begin_nested():
            issue = repo.add(Issue(
                team_id=team_id, number=repo.allocate_number(team_id), title=draft.title, detail=draft.detail,
                credit=draft.credit.value, author_id=author_id, logged_by=logged_by, organisation=organisation,
                status="open", source_channel_id=source.channel_id if source else None,
                source_ts=source.ts if source else None, source_permalink=source.permalink if source else None,
                origin=origin, terms=issue_terms(draft.title, draft.tags), revision=1, card_revision=0,
                # Given rather than stamped: the digest reads its periods from created_at, at the caller's moment.
                created_at=now, updated_at=now,
            ))
    except IntegrityError:
        # Two submissions of the same origin raced; the other one won.
        existing = repo.by_origin(team_id, origin) if origin else None
        if existing is None:
            raise
        raise AlreadyLogged(existing.number) from None
    repo.add_tags(issue, draft.tags)
    how = "from a Slack message" if source else ""
    repo.add_event(issue, "created", actor_id=logged_by or author_id, now=now, detail=how)
    return issue


def _require_changer(issue: Issue, user_id: str, acting_is_coordinator: bool, doing: str) -> None:
    if is_author(issue, user_id) or acting_is_coordinator:
        return
    raise NotAllowed(f"Only whoever raised issue #{issue.number} or a coordinator can {doing} it.")


@dataclass(frozen=True)
class PlusOne:
    """Where a member's +1 on an issue stands after they added or withdrew it."""

    issue_id: int
    number: int
    supported: bool  # whether the member's +1 is on the issue now
    changed: bool  # False: it already was (or was not), so nothing changed
    count: int


def _open_for_plus_ones(session: Session, team_id: str, issue_id: int) -> Issue:
    issue = get_by_id(session, team_id, issue_id)
    if issue.status != "open":
        raise NotAllowed(f"Issue #{issue.number} is closed, so its +1s are settled.")
    return issue


def add_plus_one(session: Session, team_id: str, issue_id: int, user_id: str, *, now: datetime) -> PlusOne:
    """+1 an issue; a second +1 (a double tap, two requests at once) changes nothing.

    One +1 per member per issue is the table's primary key, and the insert skips a row that is
    already there (`ON CONFLICT DO NOTHING`), so a racing duplicate never raises and never counts.
    """
    repo = IssueRepository(session)
    issue = _open_for_plus_ones(session, team_id, issue_id)
    added = repo.add_vote(issue, user_id, now=now)
    if added:
        repo.bump(issue.id, now=now)
    return PlusOne(issue.id, issue.number, True, added, repo.vote_counts([issue.id])[issue.id])


def withdraw_plus_one(session: Session, team_id: str, issue_id: int, user_id: str, *, now: datetime) -> PlusOne:
    """Take back a member's +1; without one, nothing changes."""
    repo = IssueRepository(session)
    issue = _open_for_plus_ones(session, team_id, issue_id)
    removed = repo.remove_vote(issue, user_id)
    if removed:
        repo.bump(issue.id, now=now)
    return PlusOne(issue.id, issue.number, False, removed, repo.vote_counts([issue.id])[issue.id])


def tag(session: Session, team_id: str, number: int, raw_tags: Iterable[str], *, actor_id: str,
        now: datetime) -> tuple[Issue, list[str]]:
    """Anyone may add tags; returns the issue and the tags that were new to it."""
    tags = normalise_tags(raw_tags)
    if not tags:
        raise InvalidInput("Which tags? Start each with #.", example=f"/issue tag {number} #contract-length")
    repo = IssueRepository(session)
    issue = get(session, team_id, number)
    existing = repo.tags_of([issue.id])[issue.id]
    if len(set(existing) | set(tags)) > TAGS_PER_ISSUE:
        raise InvalidInput(f"Issue #{number} would have more than {TAGS_PER_ISSUE} tags.",
                           example=f"/issue untag {number} #{existing[0]}" if existing else None)
    added = repo.add_tags(issue, tags)
    if added:
        _retagged(repo, issue, now)
        repo.add_event(issue, "tagged", actor_id=actor_id, now=now, detail=" ".join(added))
    return issue, added


def untag(session: Session, team_id: str, number: int, raw_tags: Iterable[str], *, actor_id: str, now: datetime,
          acting_is_coordinator: bool) -> tuple[Issue, list[str]]:
    tags = normalise_tags(raw_tags)
    if not tags:
        raise InvalidInput("Which tags? Start each with #.", example=f"/issue untag {number} #contract-length")
    repo = IssueRepository(session)
    issue = get(session, team_id, number)
    _require_changer(issue, actor_id, acting_is_coordinator, "untag")
    removed = repo.remove_tags(issue, tags)
    if removed:
        _retagged(repo, issue, now)
        repo.add_event(issue, "untagged", actor_id=actor_id, now=now, detail=" ".join(removed))
    return issue, removed


def _retagged(repo: IssueRepository, issue: Issue, now: datetime) -> None:
    issue.terms = issue_terms(issue.title, repo.tags_of([issue.id])[issue.id])
    repo.bump(issue.id, now=now)


def close(session: Session, team_id: str, number: int, resolution: str, *, actor_id: str, now: datetime,
          acting_is_coordinator: bool) -> Issue:
    resolution = unslack(resolution).strip()
    if not resolution:
        raise InvalidInput("Say how it was resolved, so the register remembers.",
                           example=f"/issue close {number} Raised with the ICB; they will review contract lengths")
    if len(resolution) > RESOLUTION_MAX:
        raise InvalidInput(f"Keep the resolution under {RESOLUTION_MAX:,} characters (it is {len(resolution):,}).")
    repo = IssueRepository(session)
    issue = get(session, team_id, number)
    _require_changer(issue, actor_id, acting_is_coordinator, "close")
    if issue.status == "closed":
        raise InvalidInput(f"Issue #{number} is already closed. `/issue reopen {number}` opens it again.")
    issue.status, issue.resolution, issue.closed_by, issue.closed_at = "closed", resolution, actor_id, now
    repo.bump(issue.id, now=now)
    repo.add_event(issue, "closed", actor_id=actor_id, now=now, detail=resolution)
    return issue


def reopen(session: Session, team_id: str, number: int, *, actor_id: str, now: datetime,
           acting_is_coordinator: bool) -> Issue:
    repo = IssueRepository(session)
    issue = get(session, team_id, number)
    _require_changer(issue, actor_id, acting_is_coordinator, "reopen")
    if issue.status == "open":
        raise InvalidInput(f"Issue #{number} is already open.")
    issue.status, issue.resolution, issue.closed_by, issue.closed_at = "open", None, None, None
    repo.bump(issue.id, now=now)
    repo.add_event(issue, "reopened", actor_id=actor_id, now=now)
    return issue


def edit(session: Session, team_id: str, issue_id: int, draft: IssueDraft, *, actor_id: str, now: datetime) -> Issue:
    """The author's own changes: title, detail, tags and (for the person credited) their credit."""
    draft = validate_draft(draft)
    repo = IssueRepository(session)
    issue = get_by_id(session, team_id, issue_id)
    if not is_author(issue, actor_id):
        raise NotAllowed(f"Only whoever raised issue #{issue.number} can edit it.")
    issue.title, issue.detail = draft.title, draft.detail
    if actor_id == issue.author_id and draft.credit != Credit.PENDING:
        issue.credit = draft.credit.value
        issue.organisation = draft.organisation
    current = set(repo.tags_of([issue.id])[issue.id])
    repo.remove_tags(issue, current - set(draft.tags))
    repo.add_tags(issue, [t for t in draft.tags if t not in current])
    issue.terms = issue_terms(issue.title, draft.tags)
    repo.bump(issue.id, now=now)
    repo.add_event(issue, "edited", actor_id=actor_id, now=now)
    return issue


def credit_choice(value: object) -> Credit:
    """The way of being credited a button names; InvalidInput for anything else."""
    for choice in CREDIT_CHOICES:
        if choice.value == value:
            return choice
    raise InvalidInput("That is not a way to be credited.")


def choose_credit(session: Session, team_id: str, issue_id: int, user_id: str, credit: Credit, *,
                  now: datetime) -> Issue:
    """The author of a logged message says how they want to be credited."""
    issue = get_by_id(session, team_id, issue_id)
    if issue.author_id != user_id:
        raise NotAllowed("Only the person who wrote that message can choose how they are credited.")
    organisation = issue.organisation
    if credit == Credit.ORGANISATION:
        member = MemberRepository(session).get(team_id, user_id)
        organisation = organisation or (member.organisation if member else None)
        if not organisation:
            raise InvalidInput(f"Convene doesn't know your organisation yet. `/issue edit {issue.number}` lets you "
                               "type it and choose organisation-only credit.")
    elif credit == Credit.NAMED:
        member = MemberRepository(session).get(team_id, user_id)
        organisation = organisation or (member.organisation if member else None)
    issue.credit, issue.organisation = credit.value, organisation if credit != Credit.ANONYMOUS else None
    repo = IssueRepository(session)
    repo.bump(issue.id, now=now)
    repo.add_event(issue, "credited", actor_id=user_id, now=now)
    return issue


def needs_credit_answer(issue: Issue) -> bool:
    return issue.credit == Credit.PENDING and issue.author_id is not None


# ---------------------------------------------------------------------------------------------
# The form (modal), shared with other areas: an answer to a prompt becomes an issue this way
# ---------------------------------------------------------------------------------------------

# An open form is kept this long; one left open longer is opened again.
FORM_LIFETIME = timedelta(days=7)
FORM_GONE = "This form is out of date. Close it and open it again (`/issue`), and nothing you typed is counted twice."


@dataclass(frozen=True)
class IssuePrefill:
    """What the issue form opens with, as the code opening it decided (never read back from Slack).

    `origin` names what the issue is made from ("prompt-answer:42"); `created_from(origin)`
    later finds the issue, and a second issue from the same origin is refused. `author_id` is
    the person to credit when it is not the one filling in the form: with `credit` given, that
    choice stands (they made it already); without, they are asked by DM.
    """

    title: str = ""
    detail: str = ""
    tags: tuple[str, ...] = ()
    credit: Credit | None = None
    organisation: str | None = None
    origin: str | None = None
    author_id: str | None = None
    source: Source | None = None
    issue_id: int | None = None  # editing this issue
    response_url: str | None = None  # where to confirm, when opened from a command or shortcut


@dataclass(frozen=True)
class FormView:
    """The issue form as the person filling it in may see it: never the ID of an author who chose
    not to be named. The form carries only `token`; the rest stays on the server (`IssueForm`)."""

    token: str
    title: str = ""
    detail: str = ""
    tags: tuple[str, ...] = ()
    editing: bool = False
    source_channel_id: str | None = None
    own_message: bool = False
    # Someone else's Slack message: its author (whom Slack shows with the message anyway).
    message_author: str | None = None
    chooses_credit: bool = True  # the filler is the one credited, and picks how
    credit: Credit = Credit.NAMED  # their current choice
    organisation: str | None = None  # theirs, prefilled
    credited_as: Attribution | None = None  # someone else chose already: how the issue credits them


@dataclass(frozen=True)
class FormAnswers:
    """What was typed and picked in the form."""

    title: str
    detail: str
    chosen_tags: tuple[str, ...]
    other_tags: str
    credit: str | None
    organisation: str | None


def _credited_filler(row: IssueForm, filler: str) -> bool:
    return row.author_id == filler


def start_form(session: Session, team_id: str, filler: str, prefill: IssuePrefill, *, now: datetime) -> FormView:
    """Keep what the form is for on the server and say what it may show.

    Someone who asked Convene to forget them is not linked to an issue made from their message:
    it is credited as anonymous, and they are not asked.
    """
    repo = IssueRepository(session)
    repo.prune_forms(team_id, before=now - FORM_LIFETIME)
    # Editing keeps the issue's own author (None once they were forgotten); otherwise no author
    # means the person filling it in.
    author_id = prefill.author_id if prefill.issue_id is not None else (prefill.author_id or filler)
    credit, organisation, source = prefill.credit, prefill.organisation, prefill.source
    if author_id is not None and author_id != filler and privacy.is_forgotten(session, team_id, author_id):
        author_id, credit, organisation, source = None, Credit.ANONYMOUS, None, None
    if author_id == filler and organisation is None:
        organisation = organisation_of(session, team_id, filler)
    if credit in (Credit.ANONYMOUS, Credit.PENDING) and author_id != filler:
        organisation = None
    WorkspaceRepository(session).get_or_create(team_id, now=now)
    row = repo.add_form(IssueForm(
        token=secrets.token_hex(16), team_id=team_id, user_id=filler, author_id=author_id,
        credit=credit.value if credit else None, organisation=organisation, origin=prefill.origin,
        source_channel_id=source.channel_id if source else None, source_ts=source.ts if source else None,
        source_permalink=source.permalink if source else None, issue_id=prefill.issue_id,
        response_url=prefill.response_url,
    ))
    return form_view(session, row, filler, title=prefill.title, detail=prefill.detail, tags=prefill.tags)


def form_view(session: Session, row: IssueForm, filler: str, *, title: str, detail: str, tags: tuple[str, ...],
              credit: Credit | None = None, organisation: str | None = None) -> FormView:
    """The form for `row`, with what was typed (`credit` and `organisation` are the filler's own)."""
    chooses = _credited_filler(row, filler)
    stored = Credit(row.credit) if row.credit else None
    credited_as = None
    if not chooses and stored is not None:
        author = MemberRepository(session).get(row.team_id, row.author_id) if row.author_id else None
        credited_as = rule.attribute(stored, author_id=row.author_id, author=author, organisation=row.organisation,
                                     surface=Surface.PRIVATE, viewer=filler)
    message_author = None
    if row.source_channel_id and row.author_id and not chooses and stored is None:
        message_author = row.author_id  # asked later; Slack shows them with their message anyway
    return FormView(
        token=row.token, title=title, detail=detail, tags=tags, editing=row.issue_id is not None,
        source_channel_id=row.source_channel_id, own_message=bool(row.source_channel_id) and chooses,
        message_author=message_author, chooses_credit=chooses,
        credit=(credit or stored or Credit.NAMED) if chooses else (stored or Credit.PENDING),
        organisation=(organisation if organisation is not None else row.organisation) if chooses else None,
        credited_as=credited_as,
    )


def form_for(session: Session, team_id: str, filler: str, token: str, *, now: datetime) -> IssueForm:
    """The form being submitted, if it is this person's and still open; NotFound otherwise."""
    row = IssueRepository(session).form(team_id, token) if token else None
    if row is None or row.user_id != filler or row.created_at < now - FORM_LIFETIME:
        raise NotFound(FORM_GONE)
    return row


def draft_from_answers(row: IssueForm, filler: str, answers: FormAnswers) -> tuple[IssueDraft | None, dict[str, str]]:
    """The draft to save, or the problems keyed by field. Only the person credited chooses the
    credit; anyone else's form keeps the choice its author made (or asks them)."""
    if _credited_filler(row, filler):
        chosen = answers.credit if answers.credit in {c.value for c in CREDIT_CHOICES} else None
        credit = Credit(chosen) if chosen else Credit(row.credit or Credit.NAMED)
        organisation = answers.organisation
    else:
        credit = Credit(row.credit) if row.credit else Credit.PENDING
        organisation = row.organisation
    return draft_from_form(title=answers.title, detail=answers.detail, chosen_tags=answers.chosen_tags,
                           other_tags=answers.other_tags, credit=credit, organisation=organisation)


@dataclass(frozen=True)
class Saved:
    issue_id: int
    number: int
    new: bool


def save_form(session: Session, team_id: str, filler: str, row: IssueForm, draft: IssueDraft, *, now: datetime,
              permalink: str | None = None) -> Saved:
    """Add the issue (or save the edit) the form was opened for, credited as decided on the server.

    The form is used up first, so a form submitted twice at once is saved once.
    """
    repo = IssueRepository(session)
    if not repo.delete_form(row):
        raise NotFound(FORM_GONE)
    if row.issue_id is not None:
        issue = edit(session, team_id, row.issue_id, draft, actor_id=filler, now=now)
        return Saved(issue.id, issue.number, False)
    source = None
    if row.source_channel_id and row.source_ts:
        source = Source(row.source_channel_id, row.source_ts, row.source_permalink or permalink)
    issue = create_issue(session, team_id, draft, author_id=row.author_id, logged_by=filler, now=now,
                         source=source, origin=row.origin)
    return Saved(issue.id, issue.number, True)


def prefill_from_message(text: str, *, origin: str, author_id: str | None, source: Source,
                         response_url: str | None) -> IssuePrefill:
    """The form for a Slack message: its first line as the title, all of it as the detail."""
    plain = unslack(text or "").strip()
    first_line = next((line.strip() for line in plain.splitlines() if line.strip()), "")
    title, _rest = split_title(first_line)
    detail = plain if plain != title else ""
    return IssuePrefill(title=title, detail=truncate(detail, DETAIL_MAX), origin=origin, author_id=author_id,
                        source=source, response_url=response_url)


def prefill_for_edit(session: Session, team_id: str, number: int, user_id: str) -> IssuePrefill:
    issue = get(session, team_id, number)
    if not is_author(issue, user_id):
        raise NotAllowed(f"Only whoever raised issue #{number} can edit it. Anyone can add tags: "
                         f"`/issue tag {number} #tag`.")
    tags = IssueRepository(session).tags_of([issue.id])[issue.id]
    return IssuePrefill(title=issue.title, detail=issue.detail, tags=tuple(tags), credit=Credit(issue.credit),
                        organisation=issue.organisation, author_id=issue.author_id, issue_id=issue.id)


def organisation_of(session: Session, team_id: str, user_id: str) -> str | None:
    member = MemberRepository(session).get(team_id, user_id)
    return member.organisation if member else None
