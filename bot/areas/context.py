"""The App Home tab: each area contributes a section (listed in `bot.areas.HOME_SECTIONS`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.views.blocks import Block

# Items per page in each of the Home's lists: a phone's screen of each, and every section together
# well within Slack's 100 blocks.
HOME_PAGE_SIZE = 5


@dataclass(frozen=True)
class HomeContext:
    team_id: str
    user_id: str
    now: datetime
    zone: ZoneInfo
    is_coordinator: bool
    # The page each paged section shows, by section name (`<area view>.HOME_SECTION`); 1 if absent.
    pages: Mapping[str, int] = field(default_factory=dict)

    def page(self, section: str) -> int:
        return self.pages.get(section, 1)


HomeSection = Callable[[Session, HomeContext], list[Block]]
"""Polls waiting for a vote, prompts waiting for an answer…; a section with nothing to say returns []."""


def home_sections(session: Session, context: HomeContext, sections: list[HomeSection]) -> list[list[Block]]:
    return [blocks for section in sections if (blocks := section(session, context))]
