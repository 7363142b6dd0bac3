"""Members' standing availability: the weekly pattern and the hours a month they can give.

Organisation, time-zone override and dates away live with the member (`storage.models.workspace`).
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UpdatedAt
from storage.models.personal import Forget, personal

# The names of the parts of the day; what they mean in hours is `bot.services.availability.PARTS_OF_DAY`.
PART_NAMES = ("morning", "afternoon", "evening")
MAX_HOURS_PER_MONTH = 744  # every hour of a 31-day month


class AvailabilityProfile(UpdatedAt, Base):
    """A member has said when they are usually free (even if the answer is "never")."""

    __tablename__ = "availability_profiles"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True,
                                         info=personal(Forget.DELETE_ROW, "your availability"))
    hours_per_month: Mapped[int | None]

    __table_args__ = (
        ForeignKeyConstraint(["team_id", "user_id"], ["members.team_id", "members.user_id"], ondelete="CASCADE"),
        CheckConstraint(f"hours_per_month >= 0 AND hours_per_month <= {MAX_HOURS_PER_MONTH}", name="hours_in_a_month"),
    )


class WeeklySlot(Base):
    """One part of one weekday when a member is usually free, in the member's own time zone."""

    __tablename__ = "availability_weekly_slots"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True,
                                         info=personal(Forget.DELETE_ROW, "a part of the week you are usually free"))
    weekday: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # 0 = Monday
    part: Mapped[str] = mapped_column(String(16), primary_key=True)

    __table_args__ = (
        ForeignKeyConstraint(
            ["team_id", "user_id"],
            ["availability_profiles.team_id", "availability_profiles.user_id"],
            ondelete="CASCADE",
        ),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_monday_to_sunday"),
        CheckConstraint("part IN (" + ", ".join(f"'{name}'" for name in PART_NAMES) + ")", name="known_part_of_day"),
    )
