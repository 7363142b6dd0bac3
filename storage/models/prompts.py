"""Prompts: the group's bank of questions, when they are sent, and every delivery and answer."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, Timestamps, UpdatedAt
from storage.models.personal import Forget, personal

CADENCES = ("off", "weekly", "fortnightly", "monthly")
CREDITS = ("named", "organisation", "anonymous")
DELIVERY_STATUSES = ("claimed", "sent", "failed")
ROUND_KINDS = ("scheduled", "manual")
DEFAULT_NUDGE_DAYS = 3


class PromptSettings(UpdatedAt, Base):
    """A workspace's prompt schedule and pace; one row per workspace."""

    __tablename__ = "prompt_settings"
    not_edits = frozenset({"bank_loaded_at"})  # the starter bank loading itself, not a coordinator

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    cadence: Mapped[str] = mapped_column(String(16), default="off")
    weekday: Mapped[int | None]  # Monday is 0
    send_at: Mapped[time | None]  # wall-clock time in each member's own time zone
    # Fortnightly schedules count their fortnights from this date (a scheduled day).
    anchor_on: Mapped[date | None]
    # Members whose delivery moment came before this are not sent that period's prompt.
    schedule_set_at: Mapped[datetime | None]
    nudge_after_days: Mapped[int | None] = mapped_column(default=DEFAULT_NUDGE_DAYS)
    bank_loaded_at: Mapped[datetime | None]
    updated_by: Mapped[str | None] = mapped_column(String(32), info=personal(
        Forget.CLEAR, "the prompt schedule, which you changed last"))

    __table_args__ = (
        ForeignKeyConstraint(["team_id"], ["workspaces.team_id"], ondelete="CASCADE"),
        CheckConstraint("cadence IN ('off', 'weekly', 'fortnightly', 'monthly')", name="cadence"),
        CheckConstraint("weekday IS NULL OR (weekday >= 0 AND weekday <= 6)", name="weekday"),
        CheckConstraint("nudge_after_days IS NULL OR nudge_after_days >= 1", name="nudge_after_days"),
    )


class Prompt(Timestamps, Base):
    """A question in a workspace's bank. `number` never changes; `position` is its place in the queue."""

    __tablename__ = "prompts"
    not_edits = frozenset({"position"})  # rotation order moves as rounds go out

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    number: Mapped[int]
    position: Mapped[int]
    question: Mapped[str] = mapped_column(Text)
    # The key of a question shipped with Convene (bot/data/prompts.json); None for the group's own.
    bank_key: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str | None] = mapped_column(String(32), info=personal(Forget.CLEAR, "a prompt you wrote"))
    retired_at: Mapped[datetime | None]

    __table_args__ = (
        ForeignKeyConstraint(["team_id"], ["workspaces.team_id"], ondelete="CASCADE"),
        UniqueConstraint("team_id", "number"),
        UniqueConstraint("team_id", "bank_key"),
        Index("ix_prompts_team_id_position", "team_id", "position"),
    )


class PromptRound(Base):
    """One sending of one prompt: a scheduled period (`period_key` is its date) or a `/prompt send now`."""

    __tablename__ = "prompt_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    period_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    prompt_id: Mapped[int]
    question: Mapped[str] = mapped_column(Text)  # as it was asked, whatever edits come later
    nominal_on: Mapped[date | None]  # the scheduled day, in every member's own calendar
    started_at: Mapped[datetime]
    started_by: Mapped[str | None] = mapped_column(String(32), info=personal(
        Forget.CLEAR, "a prompt you sent with /prompt send now"))

    __table_args__ = (
        ForeignKeyConstraint(["team_id"], ["workspaces.team_id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["prompt_id"], ["prompts.id"], ondelete="CASCADE"),
        UniqueConstraint("team_id", "period_key"),
        CheckConstraint("kind IN ('scheduled', 'manual')", name="kind"),
        Index("ix_prompt_rounds_team_id_started_at", "team_id", "started_at"),
    )


class PromptDelivery(Base):
    """A prompt sent (or being sent) to one member. One per prompt per member per period."""

    __tablename__ = "prompt_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    round_id: Mapped[int]
    prompt_id: Mapped[int]
    period_key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(32), info=personal(Forget.DELETE_ROW, "a prompt Convene sent you"))
    status: Mapped[str] = mapped_column(String(16), default="claimed")
    attempts: Mapped[int] = mapped_column(default=1)
    due_at: Mapped[datetime]
    claimed_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    channel_id: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    skipped_at: Mapped[datetime | None]
    nudge_claimed_at: Mapped[datetime | None]
    nudged_at: Mapped[datetime | None]
    nudge_ts: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        ForeignKeyConstraint(["team_id"], ["workspaces.team_id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["round_id"], ["prompt_rounds.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["prompt_id"], ["prompts.id"], ondelete="CASCADE"),
        UniqueConstraint("team_id", "period_key", "prompt_id", "user_id"),
        CheckConstraint("status IN ('claimed', 'sent', 'failed')", name="status"),
        Index("ix_prompt_deliveries_member", "team_id", "user_id", "sent_at"),
        Index("ix_prompt_deliveries_message", "team_id", "channel_id", "ts"),
        Index("ix_prompt_deliveries_round_id", "round_id"),
    )


class PromptAnswer(Timestamps, Base):
    """A member's answer to a delivery: typed in the Answer modal, or written as a message in the DM.

    `source_key` is "modal" for the modal's answer and the message's ts for a message, so each
    message (and the modal) has at most one answer row and an edit finds the row to update.
    """

    __tablename__ = "prompt_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    delivery_id: Mapped[int]
    prompt_id: Mapped[int]
    user_id: Mapped[str] = mapped_column(String(32), info=personal(Forget.DELETE_ROW, "your answer to a prompt"))
    source_key: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    credit: Mapped[str] = mapped_column(String(16))
    organisation: Mapped[str | None] = mapped_column(String(200))  # as it was when they answered
    shareable: Mapped[bool] = mapped_column(default=False)  # may be quoted in the digest

    __table_args__ = (
        ForeignKeyConstraint(["team_id"], ["workspaces.team_id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["delivery_id"], ["prompt_deliveries.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["prompt_id"], ["prompts.id"], ondelete="CASCADE"),
        UniqueConstraint("delivery_id", "source_key"),
        CheckConstraint("credit IN ('named', 'organisation', 'anonymous')", name="credit"),
        Index("ix_prompt_answers_team_id_prompt_id", "team_id", "prompt_id", "created_at"),
        Index("ix_prompt_answers_team_id_user_id", "team_id", "user_id"),
    )


class PromptMember(UpdatedAt, Base):
    """A member's own prompt preferences: a pause, and how they last chose to be credited."""

    __tablename__ = "prompt_members"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True, info=personal(
        Forget.DELETE_ROW, "your prompt preferences"))
    paused_until: Mapped[datetime | None]
    credit: Mapped[str | None] = mapped_column(String(16))
    shareable: Mapped[bool | None]

    __table_args__ = (
        ForeignKeyConstraint(["team_id"], ["workspaces.team_id"], ondelete="CASCADE"),
        CheckConstraint("credit IS NULL OR credit IN ('named', 'organisation', 'anonymous')", name="credit"),
    )
