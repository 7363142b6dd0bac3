"""Proposals, the issues they address, who was asked and each member's position."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from storage.db import insert_ignoring_conflicts, rows_changed
from storage.models import Issue, Proposal, ProposalInvitee, ProposalIssue, ProposalPosition, Workspace

# `/propose list` filters
LIST_FILTERS = ("all", "open", "decided")


class ProposalRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # Proposals
    def next_number(self, team_id: str) -> int:
        """The next proposal number in the workspace.

        The workspace row is locked first, so two proposals made at once (in two web workers) are
        numbered one after the other; SQLite takes its write lock at BEGIN anyway. The unique
        constraint on (team_id, number) stands behind it.
        """
        self.session.execute(select(Workspace.team_id).where(Workspace.team_id == team_id).with_for_update())
        last = self.session.scalar(select(func.max(Proposal.number)).where(Proposal.team_id == team_id))
        return int(last or 0) + 1

    def add(self, proposal: Proposal, *, issue_ids: Sequence[int]) -> Proposal:
        """Store a proposal with the issues it addresses (in the order given); IDs are assigned on return."""
        self.session.add(proposal)
        self.session.flush()
        for position, issue_id in enumerate(dict.fromkeys(issue_ids), start=1):
            self.session.add(ProposalIssue(proposal_id=proposal.id, issue_id=issue_id, team_id=proposal.team_id,
                                           position=position))
        self.session.flush()
        return proposal

    def get(self, team_id: str, proposal_id: int) -> Proposal | None:
        proposal = self.session.get(Proposal, proposal_id)
        return proposal if proposal is not None and proposal.team_id == team_id else None

    def by_number(self, team_id: str, number: int) -> Proposal | None:
        return self.session.scalar(select(Proposal).where(Proposal.team_id == team_id, Proposal.number == number))

    def lock(self, team_id: str, proposal_id: int) -> Proposal | None:
        """The proposal, locked until the transaction ends: positions and closing happen one at a time."""
        return self.session.scalar(
            select(Proposal).where(Proposal.id == proposal_id, Proposal.team_id == team_id).with_for_update()
        )

    def delete(self, proposal: Proposal) -> None:
        self.session.execute(delete(Proposal).where(Proposal.id == proposal.id))

    def open_proposals(self, team_id: str) -> list[Proposal]:
        """Open proposals that were posted, closing soonest first."""
        return list(self.session.scalars(
            select(Proposal)
            .where(Proposal.team_id == team_id, Proposal.status == "open", Proposal.message_ts.is_not(None))
            .order_by(Proposal.closes_at, Proposal.id)
        ))

    def page(self, team_id: str, *, which: str, offset: int, limit: int) -> tuple[list[Proposal], int]:
        """A page of posted proposals, newest first: all, open (including closed, waiting for an
        outcome) or decided; and how many there are in all."""
        where = [Proposal.team_id == team_id, Proposal.message_ts.is_not(None)]
        if which == "open":
            where.append(Proposal.status != "decided")
        elif which == "decided":
            where.append(Proposal.status == "decided")
        total = int(self.session.scalar(select(func.count()).select_from(Proposal).where(*where)) or 0)
        rows = list(self.session.scalars(
            select(Proposal).where(*where).order_by(Proposal.number.desc()).offset(offset).limit(limit)
        ))
        return rows, total

    def awaiting(self, team_id: str, user_id: str) -> list[Proposal]:
        """Open proposals the member was asked about and has not taken a position on."""
        responded = exists().where(ProposalPosition.proposal_id == Proposal.id, ProposalPosition.user_id == user_id)
        return list(self.session.scalars(
            select(Proposal)
            .join(ProposalInvitee, and_(ProposalInvitee.proposal_id == Proposal.id, ProposalInvitee.user_id == user_id))
            .where(Proposal.team_id == team_id, Proposal.status == "open", Proposal.message_ts.is_not(None), ~responded)
            .order_by(Proposal.closes_at, Proposal.id)
        ))

    def decided_between(self, team_id: str, since: datetime, until: datetime) -> list[Proposal]:
        return list(self.session.scalars(
            select(Proposal)
            .where(Proposal.team_id == team_id, Proposal.status == "decided",
                   Proposal.decided_at >= since, Proposal.decided_at < until)
            .order_by(Proposal.decided_at, Proposal.id)
        ))

    def decided(self, team_id: str) -> list[Proposal]:
        """Every decided proposal, in number order (for the evidence pack)."""
        return list(self.session.scalars(
            select(Proposal).where(Proposal.team_id == team_id, Proposal.status == "decided").order_by(Proposal.number)
        ))

    def authored_by(self, team_id: str, user_id: str) -> list[Proposal]:
        return list(self.session.scalars(
            select(Proposal).where(Proposal.team_id == team_id, Proposal.author_id == user_id).order_by(Proposal.id)
        ))

    def managed_by(self, team_id: str, user_id: str) -> list[Proposal]:
        """Proposals the member closed or recorded the outcome of."""
        return list(self.session.scalars(
            select(Proposal)
            .where(Proposal.team_id == team_id, or_(Proposal.closed_by == user_id, Proposal.decided_by == user_id))
            .order_by(Proposal.id)
        ))

    def open_ids_involving(self, team_id: str, user_id: str) -> set[int]:
        """Open proposals the member was asked about or took a position on."""
        asked = select(ProposalInvitee.proposal_id).where(ProposalInvitee.team_id == team_id,
                                                          ProposalInvitee.user_id == user_id)
        took = select(ProposalPosition.proposal_id).where(ProposalPosition.team_id == team_id,
                                                          ProposalPosition.user_id == user_id)
        return set(self.session.scalars(
            select(Proposal.id).where(Proposal.team_id == team_id, Proposal.status == "open",
                                      or_(Proposal.id.in_(asked), Proposal.id.in_(took)))
        ))

    def unrendered(self, *, changed_before: datetime) -> list[Proposal]:
        """Proposals whose message is behind the database and which nobody has touched since `changed_before`."""
        return list(self.session.scalars(
            select(Proposal)
            .where(Proposal.message_ts.is_not(None), Proposal.revision > Proposal.rendered_revision,
                   Proposal.updated_at <= changed_before)
            .order_by(Proposal.id)
        ))

    def revision(self, proposal_id: int) -> int | None:
        return self.session.scalar(select(Proposal.revision).where(Proposal.id == proposal_id))

    def mark_rendered(self, proposal_id: int, revision: int) -> None:
        self.session.execute(
            update(Proposal)
            .where(Proposal.id == proposal_id, Proposal.rendered_revision < revision)
            .values(rendered_revision=revision)
        )

    def touch(self, proposal_ids: Iterable[int]) -> int:
        """Mark proposals changed so their messages are re-rendered; returns how many."""
        ids = list(proposal_ids)
        if not ids:
            return 0
        result = self.session.execute(
            update(Proposal).where(Proposal.id.in_(ids)).values(revision=Proposal.revision + 1)
        )
        return rows_changed(result)

    # The issues a proposal addresses
    def issues_of(self, proposal_id: int) -> list[Issue]:
        return list(self.session.scalars(
            select(Issue).join(ProposalIssue, ProposalIssue.issue_id == Issue.id)
            .where(ProposalIssue.proposal_id == proposal_id).order_by(ProposalIssue.position)
        ))

    def issue_ids_of(self, proposal_ids: Iterable[int]) -> dict[int, list[int]]:
        ids = list(proposal_ids)
        found: dict[int, list[int]] = defaultdict(list)
        if ids:
            rows = self.session.execute(
                select(ProposalIssue.proposal_id, ProposalIssue.issue_id)
                .where(ProposalIssue.proposal_id.in_(ids)).order_by(ProposalIssue.proposal_id, ProposalIssue.position)
            )
            for proposal_id, issue_id in rows:
                found[proposal_id].append(issue_id)
        return found

    def issue_counts(self, proposal_ids: Iterable[int]) -> dict[int, int]:
        ids = list(proposal_ids)
        if not ids:
            return {}
        return dict(self.session.execute(
            select(ProposalIssue.proposal_id, func.count()).where(ProposalIssue.proposal_id.in_(ids))
            .group_by(ProposalIssue.proposal_id)
        ).all())

    def decided_for_issues(self, issue_ids: Iterable[int]) -> dict[int, list[Proposal]]:
        """issue ID → the decided proposals that addressed it, oldest decision first."""
        ids = list(issue_ids)
        found: dict[int, list[Proposal]] = defaultdict(list)
        if ids:
            rows = self.session.execute(
                select(ProposalIssue.issue_id, Proposal)
                .join(Proposal, Proposal.id == ProposalIssue.proposal_id)
                .where(ProposalIssue.issue_id.in_(ids), Proposal.status == "decided")
                .order_by(Proposal.decided_at, Proposal.id)
            )
            for issue_id, proposal in rows:
                found[issue_id].append(proposal)
        return found

    # Who was asked
    def add_invitees(self, team_id: str, proposal_id: int, user_ids: Iterable[str]) -> int:
        added = 0
        for user_id in dict.fromkeys(user_ids):
            added += insert_ignoring_conflicts(
                self.session, ProposalInvitee, {"team_id": team_id, "proposal_id": proposal_id, "user_id": user_id},
                conflict_columns=["proposal_id", "user_id"],
            )
        return added

    def invitee_ids(self, proposal_id: int) -> set[str]:
        return set(self.session.scalars(
            select(ProposalInvitee.user_id).where(ProposalInvitee.proposal_id == proposal_id)
        ))

    def was_asked(self, proposal_id: int, user_id: str) -> bool:
        return self.session.get(ProposalInvitee, (proposal_id, user_id)) is not None

    def forget_invitee(self, team_id: str, user_id: str) -> set[int]:
        """Forget that the member was asked; the proposals it touched."""
        touched = set(self.session.scalars(
            select(ProposalInvitee.proposal_id)
            .where(ProposalInvitee.team_id == team_id, ProposalInvitee.user_id == user_id)
        ))
        self.session.execute(
            delete(ProposalInvitee).where(ProposalInvitee.team_id == team_id, ProposalInvitee.user_id == user_id)
        )
        return touched

    def response_counts(self, proposal_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
        """Per proposal: (members who took a position, members asked or who responded; 0 when
        nobody was listed as asked)."""
        ids = list(proposal_ids)
        if not ids:
            return {}
        responders = dict(self.session.execute(
            select(ProposalPosition.proposal_id, func.count())
            .where(ProposalPosition.proposal_id.in_(ids)).group_by(ProposalPosition.proposal_id)
        ).all())
        responded = select(ProposalPosition.proposal_id, ProposalPosition.user_id).where(
            ProposalPosition.proposal_id.in_(ids))
        asked = select(ProposalInvitee.proposal_id, ProposalInvitee.user_id).where(
            ProposalInvitee.proposal_id.in_(ids))
        everyone = responded.union(asked).subquery()
        audience: dict[int, int] = {proposal_id: count for proposal_id, count in self.session.execute(
            select(everyone.c.proposal_id, func.count()).group_by(everyone.c.proposal_id))}
        listed = set(self.session.scalars(
            select(ProposalInvitee.proposal_id).where(ProposalInvitee.proposal_id.in_(ids)).distinct()
        ))
        return {proposal_id: (responders.get(proposal_id, 0),
                              audience.get(proposal_id, 0) if proposal_id in listed else 0)
                for proposal_id in ids}

    # Positions
    def positions(self, proposal_id: int) -> list[ProposalPosition]:
        return list(self.session.scalars(
            select(ProposalPosition).where(ProposalPosition.proposal_id == proposal_id)
            .order_by(ProposalPosition.created_at, ProposalPosition.id)
        ))

    def position(self, proposal_id: int, user_id: str) -> ProposalPosition | None:
        return self.session.scalar(
            select(ProposalPosition)
            .where(ProposalPosition.proposal_id == proposal_id, ProposalPosition.user_id == user_id)
        )

    def responder_ids(self, proposal_id: int) -> set[str]:
        return set(self.session.scalars(
            select(ProposalPosition.user_id).where(ProposalPosition.proposal_id == proposal_id)
        ))

    def positions_by_member(self, team_id: str, user_id: str) -> list[tuple[ProposalPosition, Proposal]]:
        rows = self.session.execute(
            select(ProposalPosition, Proposal)
            .join(Proposal, Proposal.id == ProposalPosition.proposal_id)
            .where(ProposalPosition.team_id == team_id, ProposalPosition.user_id == user_id)
            .order_by(Proposal.number)
        )
        return [(position, proposal) for position, proposal in rows]

    def delete_positions_of(self, team_id: str, user_id: str) -> tuple[int, set[int]]:
        """Delete a member's positions; how many, and the proposals they were on."""
        proposal_ids = set(self.session.scalars(
            select(ProposalPosition.proposal_id)
            .where(ProposalPosition.team_id == team_id, ProposalPosition.user_id == user_id)
        ))
        result = self.session.execute(
            delete(ProposalPosition).where(ProposalPosition.team_id == team_id, ProposalPosition.user_id == user_id)
        )
        return rows_changed(result), proposal_ids
