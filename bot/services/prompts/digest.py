"""The weekly digest's part: this period's question, how many answered, quotes allowed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.services.prompts.reading import credit_label
from storage.models import Member, PromptAnswer
from storage.repositories.prompts import AnswerRepository, RoundRepository

QUOTES_IN_DIGEST = 3


@dataclass(frozen=True)
class Quote:
    text: str
    credited_as: str


@dataclass(frozen=True)
class PeriodPrompt:
    """This period's prompt for the digest: how many answered, and quotes their authors allowed."""

    number: int
    question: str
    started_at: datetime
    sent: int
    answered: int
    quotes: list[Quote]


def period_prompt(session: Session, team_id: str, *, start: datetime, end: datetime,
                  quotes: int = QUOTES_IN_DIGEST) -> PeriodPrompt | None:
    """The prompt sent between `start` and `end` (the scheduled one if both kinds were), or None.

    For the weekly digest: the question, how many it went to and how many answered, and up to
    `quotes` answers (one per author) whose authors allowed quoting, credited as they chose.
    """
    found = RoundRepository(session).latest_with_counts(team_id, since=start, until=end)
    if found is None:
        return None
    round_, number, sent, answered = found
    one_each: dict[str, tuple[PromptAnswer, Member | None]] = {}
    for answer, member in AnswerRepository(session).shareable_for_round_with_authors(round_.id):
        one_each.setdefault(answer.user_id, (answer, member))
    chosen = list(one_each.values())[:quotes]
    return PeriodPrompt(
        number=number or 0, question=round_.question, started_at=round_.started_at,
        sent=sent, answered=answered,
        quotes=[Quote(answer.text, credit_label(answer, member)) for answer, member in chosen],
    )
