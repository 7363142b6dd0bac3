"""Rows that make deliveries happen once: Slack events seen, and messages claimed before sending."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.models.personal import Forget, personal


class ProcessedEvent(Base):
    """A Slack event already handled: Slack retries carry the same event_id."""

    __tablename__ = "processed_events"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)


class Dispatch(Base):
    """A message the bot sends at most once, claimed by a unique key before it is sent.

    Keys name what is sent and to whom, e.g. ``poll-reminder:42:U0123``. A second process (or a
    job run twice) finds the key taken and sends nothing.
    """

    __tablename__ = "dispatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200), info=personal(
        Forget.DELETE_ROW, "a message Convene sent to or about you", in_key=True))
    # Who it went to, when it was a direct message.
    user_id: Mapped[str | None] = mapped_column(String(32), info=personal(
        Forget.DELETE_ROW, "a message Convene sent you"))
    status: Mapped[str] = mapped_column(String(16), default="claimed")  # claimed | sent | failed
    channel_id: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        Index("ix_dispatches_status_claimed_at", "status", "claimed_at"),
        Index("ix_dispatches_team_user", "team_id", "user_id"),
    )
