"""The register of commissioning issues: issues, their tags, +1s, history and numbering."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, CreatedAt, Timestamps
from storage.models.personal import Forget, personal

CREDITS = ("named", "organisation", "anonymous", "pending")
STATUSES = ("open", "closed")


class Issue(Timestamps, Base):
    """One commissioning issue, numbered per workspace.

    `author_id` is the person credited (who raised it, or who wrote the message it was logged
    from); `logged_by` is who added it when that was someone else. Whether the author is shown
    is decided by `credit`: an anonymous author is stored only so that their own edits and
    `/convene forget-me` work, and is never shown.
    """

    __tablename__ = "issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    # Forgetting the author leaves the issue with the group, credited as anonymous.
    credit: Mapped[str] = mapped_column(String(16), info=personal(
        Forget.REPLACE, "how you chose to be credited", owner="author_id", replacement="anonymous"))
    author_id: Mapped[str | None] = mapped_column(String(32), info=personal(Forget.CLEAR, "an issue you raised"))
    logged_by: Mapped[str | None] = mapped_column(String(32), info=personal(
        Forget.CLEAR, "an issue you logged from someone else's message or answer"))
    organisation: Mapped[str | None] = mapped_column(String(200), info=personal(
        Forget.CLEAR, "your organisation, as the issue credits it", owner="author_id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolution: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str | None] = mapped_column(String(32), info=personal(
        Forget.CLEAR, "an issue you closed", shown_in_slack=True))
    closed_at: Mapped[datetime | None]
    # The Slack message it was logged from, if any: its author's, so it goes when they are forgotten.
    source_channel_id: Mapped[str | None] = mapped_column(String(32), info=personal(
        Forget.CLEAR, "the channel of your message", owner="author_id"))
    source_ts: Mapped[str | None] = mapped_column(String(32), info=personal(
        Forget.CLEAR, "your message", owner="author_id"))
    source_permalink: Mapped[str | None] = mapped_column(String(1000), info=personal(
        Forget.CLEAR, "a link to your message", owner="author_id"))
    # What it was made from ("message:C1:123.45", "prompt-answer:42"…): one issue per origin.
    origin: Mapped[str | None] = mapped_column(String(200))
    # Words of title and detail, normalised, for finding similar issues quickly.
    terms: Mapped[str] = mapped_column(Text, default="")
    # The card in the group's channel; `revision` counts changes, `card_revision` is the one shown.
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    # How many IssueVote rows it has; kept in the same transaction as every vote added or removed,
    # so that sorting by support needs no aggregate over all votes.
    plus_ones: Mapped[int] = mapped_column(default=0)
    revision: Mapped[int] = mapped_column(default=1)
    card_revision: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        ForeignKeyConstraint(["team_id"], ["workspaces.team_id"], ondelete="CASCADE"),
        UniqueConstraint("team_id", "number"),
        UniqueConstraint("team_id", "origin"),
        CheckConstraint("credit IN ('named', 'organisation', 'anonymous', 'pending')", name="credit_known"),
        CheckConstraint("status IN ('open', 'closed')", name="status_known"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("plus_ones >= 0", name="plus_ones_not_negative"),
        Index("ix_issues_team_status_created", "team_id", "status", "created_at"),
        Index("ix_issues_team_author", "team_id", "author_id"),
    )


class IssueTag(Base):
    """A normalised tag (`lead-provider-model`, `nhs`) on an issue."""

    __tablename__ = "issue_tags"

    issue_id: Mapped[int] = mapped_column(primary_key=True)
    tag: Mapped[str] = mapped_column(String(50), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))

    __table_args__ = (
        ForeignKeyConstraint(["issue_id"], ["issues.id"], ondelete="CASCADE"),
        Index("ix_issue_tags_team_tag", "team_id", "tag"),
    )


class IssueVote(CreatedAt, Base):
    """A member's +1 on an issue: at most one per member per issue."""

    __tablename__ = "issue_votes"

    issue_id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True, info=personal(
        Forget.DELETE_ROW, "your +1", shown_in_slack=True))
    team_id: Mapped[str] = mapped_column(String(32))

    __table_args__ = (
        ForeignKeyConstraint(["issue_id"], ["issues.id"], ondelete="CASCADE"),
        Index("ix_issue_votes_team_user", "team_id", "user_id"),
    )


class IssueEvent(Base):
    """A line of an issue's history: created, edited, tagged, closed, reopened, credited."""

    __tablename__ = "issue_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    issue_id: Mapped[int]
    at: Mapped[datetime]
    actor_id: Mapped[str | None] = mapped_column(String(32), info=personal(
        Forget.CLEAR, "a change you made to an issue (added, edited, tagged, closed…)"))
    kind: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        ForeignKeyConstraint(["issue_id"], ["issues.id"], ondelete="CASCADE"),
        Index("ix_issue_events_issue_at", "issue_id", "at"),
        Index("ix_issue_events_team_actor", "team_id", "actor_id"),
    )


class IssueCounter(Base):
    """The last issue number given out in a workspace; incremented under a row lock."""

    __tablename__ = "issue_counters"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)

    __table_args__ = (ForeignKeyConstraint(["team_id"], ["workspaces.team_id"], ondelete="CASCADE"),)


class IssueForm(CreatedAt, Base):
    """An issue form someone has open: what it was opened from, kept here rather than in the form.

    The form itself carries only `token`; who is credited, how, and what the issue comes from are
    read from this row when it is submitted, so nothing a Slack client hands back decides them.
    Only the person it was opened for (`user_id`) can submit it.
    """

    __tablename__ = "issue_forms"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32), info=personal(Forget.DELETE_ROW, "an issue form you opened"))
    # The person to credit when it is not the one filling it in, and the choice they already made.
    author_id: Mapped[str | None] = mapped_column(String(32), info=personal(
        Forget.DELETE_ROW, "an issue form someone opened from your message or answer"))
    credit: Mapped[str | None] = mapped_column(String(16))
    organisation: Mapped[str | None] = mapped_column(String(200))
    origin: Mapped[str | None] = mapped_column(String(200))
    source_channel_id: Mapped[str | None] = mapped_column(String(32))
    source_ts: Mapped[str | None] = mapped_column(String(32))
    source_permalink: Mapped[str | None] = mapped_column(String(1000))
    issue_id: Mapped[int | None]  # editing this issue
    response_url: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        ForeignKeyConstraint(["team_id"], ["workspaces.team_id"], ondelete="CASCADE"),
        Index("ix_issue_forms_team_created", "team_id", "created_at"),
    )
