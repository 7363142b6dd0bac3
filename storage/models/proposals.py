"""Proposals the group decides on (`/propose`): the ask, the issues it addresses, who was asked,
and each member's position."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, CreatedAt, Timestamps
from storage.models.personal import Forget, personal

PROPOSAL_STATUSES = ("open", "closed", "decided")
STANCES = ("agree", "abstain", "disagree", "block")
OUTCOMES = ("agreed", "agreed_with_changes", "not_agreed", "withdrawn")
POSITION_CREDITS = ("named", "organisation", "anonymous")
QUORUM_BASES = ("organisations", "members")


class Proposal(Timestamps, Base):
    """An ask put to the group in a channel, numbered per workspace, with the message that shows it.

    `status` is open (taking positions), closed (its time came or it was closed, waiting for the
    outcome) or decided (the outcome is recorded). Closing freezes what the record needs: the
    organisations represented in the channel and the quorum in force, so later changes to members'
    organisations or to the setting do not rewrite a decision.

    `revision` goes up with every change people can see, in the same transaction as the change;
    `rendered_revision` is the newest revision a message update has shown (as for polls).
    """

    __tablename__ = "proposals"
    not_edits = frozenset({"message_ts"})  # set once the proposal is posted

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer)
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    # None once the author has asked Convene to forget them: the proposal stays for the group.
    author_id: Mapped[str | None] = mapped_column(String(32), info=personal(
        Forget.CLEAR, "a proposal you made", shown_in_slack=True))
    text: Mapped[str] = mapped_column(Text)
    # The author's time zone when the closing time was read.
    timezone: Mapped[str] = mapped_column(String(64))
    anonymous: Mapped[bool] = mapped_column(default=False)
    hide_positions: Mapped[bool] = mapped_column(default=False)
    closes_at: Mapped[datetime]
    remind_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="open")
    closed_at: Mapped[datetime | None]
    # None: closed at its closing time (or by someone since forgotten)
    closed_by: Mapped[str | None] = mapped_column(String(32), info=personal(
        Forget.CLEAR, "a proposal you closed", shown_in_slack=True))
    organisations_represented: Mapped[int | None] = mapped_column(Integer)
    quorum_percent: Mapped[int | None] = mapped_column(Integer)
    quorum_basis: Mapped[str | None] = mapped_column(String(16))
    quorum_met: Mapped[bool | None]
    outcome: Mapped[str | None] = mapped_column(String(24))
    outcome_statement: Mapped[str | None] = mapped_column(Text)
    block_resolution: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(32), info=personal(
        Forget.CLEAR, "a proposal whose outcome you recorded", shown_in_slack=True))
    # Bumped each time an outcome is recorded, so a changed outcome is announced once more.
    decision_sequence: Mapped[int] = mapped_column(default=0)
    revision: Mapped[int] = mapped_column(default=0)
    rendered_revision: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        ForeignKeyConstraint(["team_id"], ["workspaces.team_id"], ondelete="CASCADE"),
        UniqueConstraint("team_id", "number"),
        CheckConstraint("status IN ('open', 'closed', 'decided')", name="known_status"),
        CheckConstraint("outcome IS NULL OR outcome IN ('agreed', 'agreed_with_changes', 'not_agreed', 'withdrawn')",
                        name="known_outcome"),
        CheckConstraint("quorum_basis IS NULL OR quorum_basis IN ('organisations', 'members')",
                        name="known_quorum_basis"),
        CheckConstraint("number > 0", name="number_positive"),
        Index("ix_proposals_team_status", "team_id", "status"),
        Index("ix_proposals_team_decided_at", "team_id", "decided_at"),
    )

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class ProposalIssue(Base):
    """An issue from the register that a proposal addresses."""

    __tablename__ = "proposal_issues"

    proposal_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)  # the order the author gave them in

    __table_args__ = (
        ForeignKeyConstraint(["proposal_id"], ["proposals.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["issue_id"], ["issues.id"], ondelete="CASCADE"),
        Index("ix_proposal_issues_issue", "issue_id"),
    )


class ProposalInvitee(Base):
    """A member asked for their position: in the proposal's channel when it was posted.

    Gives "N have not responded" and the organisations represented a denominator without asking
    Slack at every render, and lets the App Home list the proposals waiting for someone.
    """

    __tablename__ = "proposal_invitees"

    team_id: Mapped[str] = mapped_column(String(32))
    proposal_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True, info=personal(
        Forget.DELETE_ROW, "a proposal you were asked to take a position on"))

    __table_args__ = (
        ForeignKeyConstraint(["proposal_id"], ["proposals.id"], ondelete="CASCADE"),
        Index("ix_proposal_invitees_team_user", "team_id", "user_id"),
    )


class ProposalPosition(CreatedAt, Base):
    """A member's position on a proposal, with their reason and how they chose to be credited.

    One per member per proposal, changed in place. `organisation` is the member's organisation as
    it was when the proposal closed (while it is open, their current one counts).
    """

    __tablename__ = "proposal_positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    proposal_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(32), info=personal(Forget.DELETE_ROW, "your position on a proposal"))
    stance: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    credit: Mapped[str] = mapped_column(String(16), default="named")
    organisation: Mapped[str | None] = mapped_column(String(200), info=personal(
        Forget.DELETE_ROW, "your organisation, with your position", owner="user_id"))
    changed_at: Mapped[datetime]

    __table_args__ = (
        ForeignKeyConstraint(["proposal_id"], ["proposals.id"], ondelete="CASCADE"),
        UniqueConstraint("proposal_id", "user_id"),
        CheckConstraint("stance IN ('agree', 'abstain', 'disagree', 'block')", name="known_stance"),
        CheckConstraint("credit IN ('named', 'organisation', 'anonymous')", name="known_credit"),
        Index("ix_proposal_positions_team_user", "team_id", "user_id"),
    )
