"""Queries for the register of issues. Repositories take a Session and never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Select, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from storage.db import insert_ignoring_conflicts, rows_changed
from storage.models import Issue, IssueCounter, IssueEvent, IssueForm, IssueTag, IssueVote, Member

# An issue's tags travel with it as one string in `described`; tags are words, never this.
TAG_SEPARATOR = "\x1f"

DescribedIssue = tuple[Issue, list[str], Member | None]

ORDERS = ("new", "top", "old")
STATUS_FILTERS = ("open", "closed", "all")


class IssueRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # Numbers and rows
    def allocate_number(self, team_id: str) -> int:
        """The next issue number in the workspace.

        One counter row per workspace, incremented with UPDATE … RETURNING: PostgreSQL makes a
        concurrent transaction wait on the row lock and then see the new value; SQLite takes its
        write lock at BEGIN. Either way no two issues get the same number, and the unique
        constraint on (team_id, number) stands behind it.
        """
        increment = (
            update(IssueCounter)
            .where(IssueCounter.team_id == team_id)
            .values(last_number=IssueCounter.last_number + 1)
            .returning(IssueCounter.last_number)
        )
        number = self.session.execute(increment).scalar()
        if number is None:
            insert_ignoring_conflicts(self.session, IssueCounter, {"team_id": team_id, "last_number": 0},
                                      conflict_columns=["team_id"])
            number = self.session.execute(increment).scalar_one()
        return int(number)

    def add(self, issue: Issue) -> Issue:
        self.session.add(issue)
        self.session.flush()
        return issue

    def by_number(self, team_id: str, number: int, *, for_update: bool = False) -> Issue | None:
        query = select(Issue).where(Issue.team_id == team_id, Issue.number == number)
        if for_update:
            query = query.with_for_update()
        return self.session.scalar(query)

    def by_id(self, team_id: str, issue_id: int) -> Issue | None:
        return self.session.scalar(select(Issue).where(Issue.team_id == team_id, Issue.id == issue_id))

    def by_origin(self, team_id: str, origin: str) -> Issue | None:
        return self.session.scalar(select(Issue).where(Issue.team_id == team_id, Issue.origin == origin))

    def many(self, ids: Iterable[int]) -> list[Issue]:
        ids = list(ids)
        if not ids:
            return []
        return list(self.session.scalars(select(Issue).where(Issue.id.in_(ids))))

    def bump(self, issue_id: int, *, now: datetime | None = None) -> None:
        """Record that the issue changed, so its card in the channel is brought up to date."""
        values: dict[str, object] = {"revision": Issue.revision + 1}
        if now is not None:
            values["updated_at"] = now
        self.session.execute(update(Issue).where(Issue.id == issue_id).values(**values))

    # Tags
    # Described issues: each with its tags (sorted) and, when it is credited by name, its author's
    # member row, read in one statement whatever the number of issues (the weekly digest's lists).
    def created_between_described(self, team_id: str, since: datetime, until: datetime) -> list[DescribedIssue]:
        return self._described(
            select(Issue).where(Issue.team_id == team_id, Issue.created_at >= since, Issue.created_at < until)
            .order_by(Issue.number))

    def top_described(self, team_id: str, *, status: str, limit: int) -> list[DescribedIssue]:
        """The issues with most +1s (newest first among equals), without counting the rest."""
        return self._described(self._filtered(select(Issue), team_id, tag=None, status=status)
                               .order_by(Issue.plus_ones.desc(), Issue.number.desc()).limit(limit))

    def _described(self, query: Select) -> list[DescribedIssue]:
        tags = (select(func.aggregate_strings(IssueTag.tag, TAG_SEPARATOR))
                .where(IssueTag.issue_id == Issue.id).correlate(Issue).scalar_subquery())
        named_author = and_(Issue.credit == "named", Member.team_id == Issue.team_id, Member.user_id == Issue.author_id)
        rows = self.session.execute(query.add_columns(tags, Member).outerjoin(Member, named_author))
        return [(issue, sorted(joined.split(TAG_SEPARATOR)) if joined else [], member)
                for issue, joined, member in rows]

    def tags_of(self, issue_ids: Iterable[int]) -> dict[int, list[str]]:
        ids = list(issue_ids)
        found: dict[int, list[str]] = {issue_id: [] for issue_id in ids}
        for chunk in _chunks(ids):
            rows = self.session.execute(
                select(IssueTag.issue_id, IssueTag.tag).where(IssueTag.issue_id.in_(chunk)).order_by(IssueTag.tag)
            )
            for issue_id, tag in rows:
                found[issue_id].append(tag)
        return found

    def add_tags(self, issue: Issue, tags: Iterable[str]) -> list[str]:
        """Tags newly added (those already on the issue are left alone)."""
        added = []
        for tag in tags:
            if insert_ignoring_conflicts(self.session, IssueTag, {"issue_id": issue.id, "tag": tag,
                                                                   "team_id": issue.team_id},
                                         conflict_columns=["issue_id", "tag"]):
                added.append(tag)
        return added

    def remove_tags(self, issue: Issue, tags: Iterable[str]) -> list[str]:
        tags = list(tags)
        removed = self.session.scalars(
            delete(IssueTag).where(IssueTag.issue_id == issue.id, IssueTag.tag.in_(tags)).returning(IssueTag.tag)
        )
        return sorted(removed)

    def tag_usage(self, team_id: str, *, limit: int = 200) -> list[tuple[str, int]]:
        """Tags in use in the workspace, most used first."""
        count = func.count().label("uses")
        rows = self.session.execute(
            select(IssueTag.tag, count).where(IssueTag.team_id == team_id)
            .group_by(IssueTag.tag).order_by(count.desc(), IssueTag.tag).limit(limit)
        )
        return [(tag, int(uses)) for tag, uses in rows]

    # +1s
    def add_vote(self, issue: Issue, user_id: str, *, now: datetime) -> bool:
        """True when the member had not +1'd the issue; the issue's count follows in the same transaction."""
        added = insert_ignoring_conflicts(
            self.session, IssueVote,
            {"issue_id": issue.id, "user_id": user_id, "team_id": issue.team_id, "created_at": now},
            conflict_columns=["issue_id", "user_id"],
        )
        if added:
            self._count_votes(issue.id, +1)
        return added

    def remove_vote(self, issue: Issue, user_id: str) -> bool:
        result = self.session.execute(
            delete(IssueVote).where(IssueVote.issue_id == issue.id, IssueVote.user_id == user_id)
        )
        removed = bool(rows_changed(result))
        if removed:
            self._count_votes(issue.id, -1)
        return removed

    def _count_votes(self, issue_id: int, change: int) -> None:
        self.session.execute(
            update(Issue).where(Issue.id == issue_id).values(plus_ones=Issue.plus_ones + change)
        )

    def vote_counts(self, issue_ids: Iterable[int]) -> dict[int, int]:
        ids = list(issue_ids)
        counts = dict.fromkeys(ids, 0)
        for chunk in _chunks(ids):
            counts.update({issue_id: int(n) for issue_id, n in self.session.execute(
                select(Issue.id, Issue.plus_ones).where(Issue.id.in_(chunk)))})
        return counts

    def voters(self, issue_id: int) -> list[tuple[str, datetime]]:
        rows = self.session.execute(
            select(IssueVote.user_id, IssueVote.created_at).where(IssueVote.issue_id == issue_id)
            .order_by(IssueVote.created_at, IssueVote.user_id)
        )
        return [(user_id, at) for user_id, at in rows]

    def voted_on(self, user_id: str, issue_ids: Iterable[int]) -> set[int]:
        ids = list(issue_ids)
        if not ids:
            return set()
        return set(self.session.scalars(
            select(IssueVote.issue_id).where(IssueVote.user_id == user_id, IssueVote.issue_id.in_(ids))
        ))

    def votes_by(self, team_id: str, user_id: str) -> list[tuple[int, int, str, datetime]]:
        """(issue id, number, title, when) of each +1 a member gave."""
        rows = self.session.execute(
            select(Issue.id, Issue.number, Issue.title, IssueVote.created_at)
            .join(Issue, Issue.id == IssueVote.issue_id)
            .where(IssueVote.team_id == team_id, IssueVote.user_id == user_id)
            .order_by(Issue.number)
        )
        return [(issue_id, number, title, at) for issue_id, number, title, at in rows]

    def delete_votes_by(self, team_id: str, user_id: str) -> list[int]:
        """Remove a member's +1s; the issues they were on."""
        issue_ids = list(self.session.scalars(
            delete(IssueVote).where(IssueVote.team_id == team_id, IssueVote.user_id == user_id)
            .returning(IssueVote.issue_id)
        ))
        for issue_id in issue_ids:
            self._count_votes(issue_id, -1)
        return issue_ids

    # History
    def add_event(self, issue: Issue, kind: str, *, actor_id: str | None, now: datetime, detail: str = "") -> None:
        self.session.add(IssueEvent(team_id=issue.team_id, issue_id=issue.id, at=now, actor_id=actor_id,
                                    kind=kind, detail=detail))

    def events(self, issue_id: int) -> Sequence[IssueEvent]:
        return self.session.scalars(
            select(IssueEvent).where(IssueEvent.issue_id == issue_id).order_by(IssueEvent.at, IssueEvent.id)
        ).all()

    # Lists
    def page(self, team_id: str, *, tag: str | None, status: str, order: str, offset: int,
             limit: int) -> tuple[list[Issue], int]:
        """One page of issues, and how many match in all."""
        query = self._filtered(select(Issue), team_id, tag=tag, status=status)
        if order == "top":
            query = query.order_by(Issue.plus_ones.desc(), Issue.number.desc())
        elif order == "old":
            query = query.order_by(Issue.number)
        else:
            query = query.order_by(Issue.number.desc())
        rows = list(self.session.scalars(query.offset(offset).limit(limit)))
        total = self.session.scalar(self._filtered(select(func.count(Issue.id)), team_id, tag=tag, status=status))
        return rows, int(total or 0)

    @staticmethod
    def _filtered(query: Select, team_id: str, *, tag: str | None, status: str) -> Select:
        query = query.where(Issue.team_id == team_id)
        if status in ("open", "closed"):
            query = query.where(Issue.status == status)
        if tag:
            # A join (not IN) so the (team_id, tag) index leads, whatever the planner's statistics.
            query = query.join(IssueTag, and_(IssueTag.issue_id == Issue.id, IssueTag.team_id == team_id,
                                              IssueTag.tag == tag))
        return query

    def similarity_rows(self, team_id: str) -> list[tuple[int, str]]:
        """(id, terms) of every issue in the workspace."""
        rows = self.session.execute(select(Issue.id, Issue.terms).where(Issue.team_id == team_id))
        return [(issue_id, terms) for issue_id, terms in rows]

    def all_in(self, team_id: str) -> list[Issue]:
        return list(self.session.scalars(select(Issue).where(Issue.team_id == team_id).order_by(Issue.number)))

    # What a member is linked to
    def raised_by(self, team_id: str, user_id: str) -> list[Issue]:
        return list(self.session.scalars(
            select(Issue).where(Issue.team_id == team_id, or_(Issue.author_id == user_id, Issue.logged_by == user_id))
            .order_by(Issue.number)
        ))

    def forget_actor(self, team_id: str, user_id: str) -> int:
        result = self.session.execute(
            update(IssueEvent).where(IssueEvent.team_id == team_id, IssueEvent.actor_id == user_id)
            .values(actor_id=None)
        )
        closed = self.session.execute(
            update(Issue).where(Issue.team_id == team_id, Issue.closed_by == user_id).values(closed_by=None)
        )
        return rows_changed(result) + rows_changed(closed)

    # Open forms
    def add_form(self, form: IssueForm) -> IssueForm:
        self.session.add(form)
        self.session.flush()
        return form

    def form(self, team_id: str, token: str) -> IssueForm | None:
        form = self.session.get(IssueForm, token)
        return form if form is not None and form.team_id == team_id else None

    def delete_form(self, form: IssueForm) -> bool:
        """True for the one transaction that deleted it: two submissions of one form cannot both win."""
        return bool(rows_changed(self.session.execute(delete(IssueForm).where(IssueForm.token == form.token))))

    def prune_all_forms(self, *, before: datetime) -> int:
        """Forget forms opened before `before`, in every workspace."""
        return rows_changed(self.session.execute(delete(IssueForm).where(IssueForm.created_at < before)))

    def prune_forms(self, team_id: str, *, before: datetime) -> int:
        result = self.session.execute(delete(IssueForm).where(IssueForm.team_id == team_id,
                                                              IssueForm.created_at < before))
        return rows_changed(result)

    # Cards
    def card_posted(self, issue_id: int, *, channel_id: str, ts: str, revision: int) -> None:
        self.session.execute(
            update(Issue).where(Issue.id == issue_id)
            .values(channel_id=channel_id, message_ts=ts, card_revision=revision)
        )

    def card_shown(self, issue_id: int, revision: int) -> None:
        self.session.execute(update(Issue).where(Issue.id == issue_id).values(card_revision=revision))

    def card_gone(self, issue_id: int) -> None:
        self.session.execute(
            update(Issue).where(Issue.id == issue_id).values(channel_id=None, message_ts=None)
        )

    def revision_of(self, issue_id: int) -> int | None:
        return self.session.scalar(select(Issue.revision).where(Issue.id == issue_id))

    def stale_cards(self, *, limit: int) -> list[tuple[str, int]]:
        """(team_id, issue id) of cards that show an older state than the issue's."""
        rows = self.session.execute(
            select(Issue.team_id, Issue.id)
            .where(and_(Issue.message_ts.is_not(None), Issue.card_revision < Issue.revision))
            .order_by(Issue.updated_at)
            .limit(limit)
        )
        return [(team_id, issue_id) for team_id, issue_id in rows]


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    # Keeps IN lists well inside SQLite's bound-parameter limit.
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
