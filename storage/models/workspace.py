"""Workspaces, their members and coordinators."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, Timestamps
from storage.models.personal import Forget, personal


class Workspace(Timestamps, Base):
    """A Slack workspace Convene serves; every other row belongs to one."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # When /meet suggest may propose meetings (bot.services.meeting_hours); None: the default.
    meeting_hours: Mapped[str | None] = mapped_column(String(400))
    # The quorum a proposal needs when it closes ("50 organisations": 50% of the organisations
    # represented in its channel took a position; bot.services.proposals); None: no quorum.
    quorum: Mapped[str | None] = mapped_column(String(32))
    # When Convene was uninstalled from the workspace (app_uninstalled / tokens_revoked); its jobs
    # send nothing until it is installed again, and its data is deleted after the host's retention.
    uninstalled_at: Mapped[datetime | None]


class Member(Base):
    """A person in the workspace as Slack last described them, plus what they told Convene."""

    __tablename__ = "members"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True,
                                         info=personal(Forget.DELETE_ROW, "your profile"))
    name: Mapped[str] = mapped_column(String(200), default="")
    real_name: Mapped[str] = mapped_column(String(200), default="")
    display_name: Mapped[str] = mapped_column(String(200), default="")
    tz: Mapped[str | None] = mapped_column(String(64))
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_owner: Mapped[bool] = mapped_column(default=False)
    is_bot: Mapped[bool] = mapped_column(default=False)
    deleted: Mapped[bool] = mapped_column(default=False)
    # Set by the member in Convene, never by Slack.
    organisation: Mapped[str | None] = mapped_column(String(200))
    tz_override: Mapped[str | None] = mapped_column(String(64))
    refreshed_at: Mapped[datetime | None]

    __table_args__ = (ForeignKeyConstraint(["team_id"], ["workspaces.team_id"], ondelete="CASCADE"),)

    @property
    def label(self) -> str:
        """The name people know this member by."""
        return self.display_name or self.real_name or self.name or self.user_id


class Coordinator(Base):
    """A member given coordinator rights with `/convene coordinators add`."""

    __tablename__ = "coordinators"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True, info=personal(
        Forget.DELETE_ROW, "you are a coordinator", shown_in_slack=True))
    # None once whoever added them has asked Convene to forget them.
    added_by: Mapped[str | None] = mapped_column(String(32), info=personal(
        Forget.CLEAR, "a coordinator you added", shown_in_slack=True))
    added_at: Mapped[datetime]

    __table_args__ = (ForeignKeyConstraint(["team_id"], ["workspaces.team_id"], ondelete="CASCADE"),)


class Absence(Base):
    """Dates a member is away (inclusive); poll reminders and prompt deliveries skip them."""

    __tablename__ = "absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32), info=personal(Forget.DELETE_ROW, "dates you are away"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    note: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (
        ForeignKeyConstraint(
            ["team_id", "user_id"], ["members.team_id", "members.user_id"], ondelete="CASCADE"
        ),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        Index("ix_absences_member_dates", "team_id", "user_id", "ends_on"),
    )
