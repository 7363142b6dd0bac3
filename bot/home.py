"""The App Home tab: each area contributes a section (listed in `bot.areas.HOME_SECTIONS`)."""

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
"""Polls waiting for a vote, prompts waiting for an answer…; a section with nothing to say returns []."""


def home_sections(session: Session, context: HomeContext, sections: list[HomeSection]) -> list[list[Block]]:
    return [blocks for section in sections if (blocks := section(session, context))]
