"""Which deliveries get their one nudge, and when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.services.prompts.rounds import available
from storage.models import PromptDelivery
from storage.repositories.prompts import DeliveryRepository

# The same for nudges, which matter less and can wait for the member's next working hours.
NUDGE_GRACE = timedelta(hours=12)
# Members who left this many prompts in a row unanswered are not nudged: a pace for volunteers.
QUIET_AFTER = 3


def quiet_lately(answered_before: Sequence[bool]) -> bool:
    """Skipped or ignored the last QUIET_AFTER prompts: then a nudge would only nag."""
    return len(answered_before) >= QUIET_AFTER and not any(answered_before[:QUIET_AFTER])


def nudge_candidates(session: Session, *, now: datetime, nudge_days: dict[str, int | None]) -> list[PromptDelivery]:
    """Deliveries whose nudge moment has come (within the grace), not answered, skipped or nudged."""
    days = {team: d for team, d in nudge_days.items() if d}
    if not days:
        return []
    shortest, longest = min(days.values()), max(days.values())
    found = DeliveryRepository(session).nudge_candidates(
        due_before=now - timedelta(days=shortest), due_after=now - timedelta(days=longest) - NUDGE_GRACE,
    )
    due = []
    for delivery in found:
        after = days.get(delivery.team_id)
        if after is None:
            continue
        moment = delivery.due_at + timedelta(days=after)
        if moment <= now < moment + NUDGE_GRACE:
            due.append(delivery)
    return due


def should_nudge(session: Session, delivery: PromptDelivery, *, now: datetime, home: ZoneInfo) -> bool:
    deliveries = DeliveryRepository(session)
    if deliveries.newer_exists(delivery):
        return False  # a newer prompt has arrived: nudging about the old one would only nag
    if not available(session, delivery.team_id, [delivery.user_id], at=now, home=home):
        return False
    return not quiet_lately(deliveries.answered_before(delivery, limit=QUIET_AFTER))
