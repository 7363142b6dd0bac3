"""The bank of questions shipped with Convene, added to a workspace on first use."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources

from sqlalchemy.orm import Session

from storage.models import Prompt, PromptSettings
from storage.repositories.prompts import PromptRepository, PromptSettingsRepository


@dataclass(frozen=True)
class BankPrompt:
    key: str
    question: str


@lru_cache(maxsize=1)
def shipped_bank() -> tuple[BankPrompt, ...]:
    """The questions in bot/data/prompts.json, in order."""
    raw = resources.files("bot").joinpath("data/prompts.json").read_text(encoding="utf-8")
    return tuple(BankPrompt(item["key"], item["question"]) for item in json.loads(raw)["prompts"])


def ensure_bank(session: Session, team_id: str, *, now: datetime) -> PromptSettings:
    """The workspace's prompt settings, loading the shipped bank the first time prompts are used."""
    settings = PromptSettingsRepository(session).get_or_create(team_id, now=now, lock=True)
    if settings.bank_loaded_at is None:
        prompts = PromptRepository(session)
        for item in shipped_bank():
            prompts.add(Prompt(team_id=team_id, question=item.question, bank_key=item.key))
        settings.bank_loaded_at = now
    return settings
