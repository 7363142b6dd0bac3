"""Calls for volunteers and members' answers to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, CreatedAt
from storage.models.personal import Forget, personal

MAX_PEOPLE_NEEDED = 100
MAX_TASK_LENGTH = 300


class VolunteerCall(CreatedAt, Base):
    """A task posted with `/volunteer`, open until enough people sign up, its deadline, or its poster closes it."""

    __tablename__ = "volunteer_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    task: Mapped[str] = mapped_column(String(MAX_TASK_LENGTH))
    needed: Mapped[int]
    # None once the poster has asked Convene to forget them; the call stays with the group.
    created_by: Mapped[str | None] = mapped_column(String(32), info=personal(
        Forget.CLEAR, "a call for volunteers you posted", shown_in_slack=True))
    deadline: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    close_reason: Mapped[str | None] = mapped_column(String(16))  # filled | deadline | closed
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(32), info=personal(
        Forget.CLEAR, "a call for volunteers you closed"))
    # Bumped on every change, so whoever updates the Slack message last can tell it showed the latest.
    version: Mapped[int] = mapped_column(default=1)

    __table_args__ = (
        ForeignKeyConstraint(["team_id"], ["workspaces.team_id"], ondelete="CASCADE"),
        CheckConstraint(f"needed >= 1 AND needed <= {MAX_PEOPLE_NEEDED}", name="people_needed"),
        CheckConstraint("status IN ('open', 'closed')", name="known_status"),
        CheckConstraint("close_reason IS NULL OR close_reason IN ('filled', 'deadline', 'closed')",
                        name="known_close_reason"),
        Index("ix_volunteer_calls_team_status", "team_id", "status"),
    )


class VolunteerResponse(Base):
    """A member's answer to a call: *I'll help* or *Can't this time*. One per member per call."""

    __tablename__ = "volunteer_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    call_id: Mapped[int] = mapped_column(ForeignKey("volunteer_calls.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32), info=personal(
        Forget.DELETE_ROW, "your answer to a call for volunteers", shown_in_slack=True))
    answer: Mapped[str] = mapped_column(String(8))  # help | cant
    answered_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("call_id", "user_id"),
        ForeignKeyConstraint(["team_id", "user_id"], ["members.team_id", "members.user_id"], ondelete="CASCADE"),
        CheckConstraint("answer IN ('help', 'cant')", name="known_answer"),
        Index("ix_volunteer_responses_member", "team_id", "user_id"),
    )
