"""What an area is given when it contributes to the App Home or to the weekly digest.

Both contexts are plain values built once by whoever publishes the Home (`bot.slack.home`) or
gathers the digest, so that each area's section reads the same facts and decides nothing about
who is asking or which period it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.views.blocks import Block

if TYPE_CHECKING:
    from bot.services.digest import DigestSection, Period


@dataclass(frozen=True)
class HomeContext:
    """One member's App Home, as it is being published."""

    team_id: str
    user_id: str
    now: datetime
    zone: ZoneInfo
    is_coordinator: bool
    # The page each paged section shows, by section name (`<area view>.HOME_SECTION`); 1 if absent.
    pages: Mapping[str, int] = field(default_factory=dict)

    def page(self, section: str) -> int:
        return self.pages.get(section, 1)


@dataclass(frozen=True)
class DigestContext:
    """One workspace's digest for one period, as it is being gathered."""

    team_id: str
    period: Period
    now: datetime
    zone: ZoneInfo

    @property
    def until(self) -> datetime:
        """The end of what this digest covers: the period's end, or now for an early digest."""
        return min(self.now, self.period.end)


HomeSection = Callable[[Session, HomeContext], list[Block]]
"""Polls waiting for a vote, prompts waiting for an answer…; a section with nothing to say returns []."""

DigestSectionSource = Callable[[Session, DigestContext], "DigestSection | None"]
"""An area's part of the digest; an area with nothing to report returns None."""
