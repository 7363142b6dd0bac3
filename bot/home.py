"""The App Home tab: each area contributes a section, in the order listed here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.views.blocks import Block


@dataclass(frozen=True)
class HomeContext:
    team_id: str
    user_id: str
    now: datetime
    zone: ZoneInfo
    is_coordinator: bool


HomeSection = Callable[[Session, HomeContext], list[Block]]

# Areas add their section function here (polls waiting for a vote, prompts waiting, availability,
# top issues…). A section with nothing to say returns [].
SECTIONS: list[HomeSection] = []


def home_sections(session: Session, context: HomeContext) -> list[list[Block]]:
    return [blocks for section in SECTIONS if (blocks := section(session, context))]
