"""Rounds: one per scheduled period or `/prompt send now`, and who is available to receive one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.services.errors import InvalidInput
from bot.services.members import insist_coordinator, member_zone, present
from bot.services.prompts.bank import ensure_bank
from bot.services.prompts.commands import numbered_prompt
from bot.services.prompts.schedule import manual_period_key, scheduled_period_key
from storage.models import Prompt, PromptRound
from storage.repositories.prompts import PromptMemberRepository, PromptRepository, RoundRepository
from storage.repositories.workspaces import MemberRepository


def _rotate(session: Session, team_id: str, prompt: Prompt) -> None:
    """A prompt that has been asked goes to the back of the queue."""
    prompt.position = PromptRepository(session).last_position(team_id) + 1


def _new_round(session: Session, team_id: str, prompt: Prompt, *, period_key: str, kind: str, now: datetime,
               nominal_on: date | None = None, started_by: str | None = None) -> PromptRound:
    round_ = RoundRepository(session).add(PromptRound(
        team_id=team_id, period_key=period_key, kind=kind, prompt_id=prompt.id, question=prompt.question,
        nominal_on=nominal_on, started_at=now, started_by=started_by,
    ))
    _rotate(session, team_id, prompt)
    return round_


def scheduled_round(session: Session, team_id: str, day: date, *, now: datetime) -> PromptRound | None:
    """The round for scheduled `day`, started with the prompt at the front of the queue if need be.

    None when the bank has no active prompt. Holding the settings row makes two clocks agree on one
    round (and the unique period key would refuse a second anyway).
    """
    ensure_bank(session, team_id, now=now)
    key = scheduled_period_key(day)
    rounds = RoundRepository(session)
    existing = rounds.by_period(team_id, key)
    if existing is not None:
        return existing
    queue = PromptRepository(session).active(team_id)
    if not queue:
        return None
    return _new_round(session, team_id, queue[0], period_key=key, kind="scheduled", now=now, nominal_on=day)


@dataclass(frozen=True)
class RoundStarted:
    round_id: int
    number: int
    question: str
    new: bool


def start_manual_round(session: Session, team_id: str, user_id: str, number: int | None, *, now: datetime,
                       home: ZoneInfo, acting_is_coordinator: bool) -> RoundStarted:
    """`/prompt send now [N]`: a round for prompt N (or the next in the queue), sent to everyone now."""
    insist_coordinator(acting_is_coordinator, "send prompts")
    ensure_bank(session, team_id, now=now)
    if number is None:
        queue = PromptRepository(session).active(team_id)
        if not queue:
            raise InvalidInput("Every prompt is retired. Add one first.",
                               example="/prompt add What did your last tender cost you in staff time?")
        prompt = queue[0]
    else:
        prompt = numbered_prompt(session, team_id, number)
        if prompt.retired_at is not None:
            raise InvalidInput(f"Prompt #{number} is retired. `/prompt restore {number}` brings it back.")
    key = manual_period_key(prompt, now=now, home=home)
    existing = RoundRepository(session).by_period(team_id, key)
    if existing is not None:
        return RoundStarted(existing.id, prompt.number, existing.question, False)
    round_ = _new_round(session, team_id, prompt, period_key=key, kind="manual", now=now, started_by=user_id)
    return RoundStarted(round_.id, prompt.number, round_.question, True)


def available(session: Session, team_id: str, user_ids: Iterable[str], *, at: datetime, home: ZoneInfo) -> list[str]:
    """Of `user_ids`, those neither away that day (in their own calendar) nor pausing prompts."""
    here = present(session, team_id, user_ids, at=at, home=home)
    paused = PromptMemberRepository(session).paused(team_id, here, at=at)
    return [user_id for user_id in here if user_id not in paused]


def member_zones(session: Session, team_id: str, user_ids: Sequence[str], *, home: ZoneInfo) -> list[tuple[str, ZoneInfo]]:
    members = MemberRepository(session).many(team_id, user_ids)
    return [(user_id, member_zone(members.get(user_id), home)) for user_id in user_ids]
