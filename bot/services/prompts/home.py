"""What a member sees on the App Home: prompts waiting for an answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.services import paging
from bot.services.prompts.answers import ANSWER_WINDOW, delivery_question
from storage.repositories.prompts import DeliveryRepository, PromptMemberRepository

HOME_WAITING_LIMIT = 5


@dataclass(frozen=True)
class WaitingPrompt:
    delivery_id: int
    question: str
    sent_at: datetime


@dataclass(frozen=True)
class MemberPrompts:
    waiting: list[WaitingPrompt]  # one page of them
    paused_until: datetime | None
    window: paging.Window | None = None  # which page `waiting` is, of how many


def member_prompts(session: Session, team_id: str, user_id: str, *, now: datetime, page: int = 1,
                   size: int = HOME_WAITING_LIMIT) -> MemberPrompts:
    """The prompts waiting for the member's answer, a page at a time (newest first), and their pause."""
    deliveries = DeliveryRepository(session)
    window, waiting = paging.fetch_page(
        lambda offset, limit: deliveries.waiting(team_id, user_id, since=now - ANSWER_WINDOW, offset=offset,
                                                 limit=limit),
        page, size)
    pref = PromptMemberRepository(session).get(team_id, user_id)
    paused = pref.paused_until if pref is not None and pref.paused_until and pref.paused_until > now else None
    return MemberPrompts(
        [WaitingPrompt(d.id, delivery_question(session, d), d.sent_at or d.claimed_at) for d in waiting], paused,
        window,
    )
