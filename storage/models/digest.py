"""The weekly digest: when it is posted, and a row per period that makes it happen once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UpdatedAt
from storage.models.personal import Forget, personal


class DigestSettings(UpdatedAt, Base):
    """A workspace's digest schedule; without a row the default (Friday 16:00) applies."""

    __tablename__ = "digest_settings"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    weekday: Mapped[int]  # 0 = Monday
    hour: Mapped[int]
    minute: Mapped[int]
    enabled: Mapped[bool] = mapped_column(default=True)
    channel_id: Mapped[str | None] = mapped_column(String(32))  # None: the group's channel
    updated_by: Mapped[str | None] = mapped_column(String(32), info=personal(
        Forget.CLEAR, "the digest settings, which you changed last"))

    __table_args__ = (
        ForeignKeyConstraint(["team_id"], ["workspaces.team_id"], ondelete="CASCADE"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("hour BETWEEN 0 AND 23", name="hour_range"),
        CheckConstraint("minute BETWEEN 0 AND 59", name="minute_range"),
    )


class DigestRun(Base):
    """One period's digest. Claimed before posting, so that exactly one is ever posted.

    status: claimed (someone is posting it now, or crashed while doing so), posted, failed.
    """

    __tablename__ = "digest_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    period_key: Mapped[str] = mapped_column(String(32))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    claim_token: Mapped[str] = mapped_column(String(36))
    claimed_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=1)
    # Who asked for it early (/digest now).
    requested_by: Mapped[str | None] = mapped_column(String(32), info=personal(
        Forget.CLEAR, "a digest you posted early with /digest now"))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    posted_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("team_id", "period_key"),)
