"""Date-finding polls (`/meet`): the poll, its options, who was asked and how each member voted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, Timestamps
from storage.models.personal import Forget, personal

POLL_STATUSES = ("open", "closed", "decided")
VOTE_CHOICES = ("yes", "maybe", "no")


class Poll(Timestamps, Base):
    """A question "when shall we meet?" posted in a channel, with the message that shows it.

    `revision` goes up with every change people can see (a vote, closing, a decision) in the same
    transaction as the change; `rendered_revision` is the newest revision a message update has
    shown. Whoever updates the message re-renders until the two agree, so the message ends up
    showing the database whichever process (or web worker) updated it last.
    """

    __tablename__ = "polls"
    not_edits = frozenset({"message_ts"})  # set once the poll is posted

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    # None once the creator has asked Convene to forget them: the poll stays for the group.
    creator_id: Mapped[str | None] = mapped_column(String(32), info=personal(
        Forget.CLEAR, "a poll you made", shown_in_slack=True))
    title: Mapped[str] = mapped_column(String(200))
    # The creator's time zone when the options were read; an all-day option is a date there.
    timezone: Mapped[str] = mapped_column(String(64))
    allow_if_need_be: Mapped[bool] = mapped_column(default=True)
    hide_votes: Mapped[bool] = mapped_column(default=False)
    anonymous: Mapped[bool] = mapped_column(default=False)
    deadline: Mapped[datetime | None]
    remind_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="open")
    closed_at: Mapped[datetime | None]
    # None: closed by its deadline (or by someone since forgotten).
    closed_by: Mapped[str | None] = mapped_column(String(32), info=personal(Forget.CLEAR, "a poll you closed"))
    decided_option_id: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(32), info=personal(
        Forget.CLEAR, "a poll whose final date you chose", shown_in_slack=True))
    # Bumped each time a final option is chosen, so calendars replace the event (iCalendar SEQUENCE).
    decision_sequence: Mapped[int] = mapped_column(default=0)
    revision: Mapped[int] = mapped_column(default=0)
    rendered_revision: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        ForeignKeyConstraint(["team_id"], ["workspaces.team_id"], ondelete="CASCADE"),
        CheckConstraint("status IN ('open', 'closed', 'decided')", name="known_status"),
        Index("ix_polls_team_status", "team_id", "status"),
        Index("ix_polls_team_channel_status", "team_id", "channel_id", "status"),
    )

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class PollOption(Base):
    """One proposed time: a UTC instant with a duration, or a whole day (`all_day`)."""

    __tablename__ = "poll_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    poll_id: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))  # as the creator typed it
    # All day: the start of that date in the poll's time zone.
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int | None] = mapped_column(Integer)  # None: no end time was given
    all_day: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        ForeignKeyConstraint(["poll_id"], ["polls.id"], ondelete="CASCADE"),
        UniqueConstraint("poll_id", "position"),
    )


class PollVote(Base):
    """A member's answer to one option. One per member per option, changed in place."""

    __tablename__ = "poll_votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    poll_id: Mapped[int] = mapped_column(Integer)
    option_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(32), info=personal(Forget.DELETE_ROW, "your answer to a poll"))
    choice: Mapped[str] = mapped_column(String(8))
    voted_at: Mapped[datetime]
    changed_at: Mapped[datetime]

    __table_args__ = (
        ForeignKeyConstraint(["poll_id"], ["polls.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["option_id"], ["poll_options.id"], ondelete="CASCADE"),
        UniqueConstraint("option_id", "user_id"),
        CheckConstraint("choice IN ('yes', 'maybe', 'no')", name="known_choice"),
        Index("ix_poll_votes_poll_user", "poll_id", "user_id"),
        Index("ix_poll_votes_team_user", "team_id", "user_id"),
    )


class PollInvitee(Base):
    """A member expected to answer: in the poll's channel when it was posted or reminded.

    Lets the App Home list the polls waiting for someone without asking Slack who is in which
    channel, and gives response rates a denominator (with the voters, who may have joined since).
    """

    __tablename__ = "poll_invitees"

    team_id: Mapped[str] = mapped_column(String(32))
    poll_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True, info=personal(
        Forget.DELETE_ROW, "a poll you were asked to answer"))

    __table_args__ = (
        ForeignKeyConstraint(["poll_id"], ["polls.id"], ondelete="CASCADE"),
        Index("ix_poll_invitees_team_user", "team_id", "user_id"),
    )
