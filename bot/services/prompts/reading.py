"""What coordinators read: answers to a prompt, credited as each member chose."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.services import paging
from bot.services.attribution import Surface, attribute
from bot.services.members import insist_coordinator
from bot.services.prompts.commands import numbered_prompt
from storage.models import Member, PromptAnswer
from storage.repositories.prompts import AnswerRepository
from storage.repositories.workspaces import MemberRepository

ANSWERS_PER_PAGE = 10


def credit_label(answer: PromptAnswer, member: Member | None, *, surface: Surface = Surface.CHANNEL) -> str:
    """How an answer's author is shown, as they chose (`bot.services.attribution`). Anonymous
    answers never name anyone, to coordinators neither."""
    shown = attribute(answer.credit, author_id=answer.user_id, author=member, organisation=answer.organisation,
                      surface=surface)
    if shown.credit.value == "named" and member is None:
        return f"A member ({answer.organisation})" if answer.organisation else "A member"
    return shown.label()


@dataclass(frozen=True)
class AnswerEntry:
    answer_id: int
    prompt_id: int
    text: str
    credited_as: str
    credit: str
    shareable: bool
    answered_at: datetime
    by_message: bool


@dataclass(frozen=True)
class AnswersPage:
    number: int
    question: str
    total: int
    page: int
    pages: int
    entries: list[AnswerEntry]


def _entries(session: Session, team_id: str, answers: Sequence[PromptAnswer]) -> list[AnswerEntry]:
    members = MemberRepository(session).many(team_id, [a.user_id for a in answers if a.credit == "named"])
    return [
        AnswerEntry(
            answer_id=a.id, prompt_id=a.prompt_id, text=a.text,
            credited_as=credit_label(a, members.get(a.user_id), surface=Surface.PRIVATE),
            credit=a.credit, shareable=a.shareable, answered_at=a.created_at, by_message=a.source_key != "modal",
        )
        for a in answers
    ]


def answers_page(session: Session, team_id: str, user_id: str, number: int, *, page: int = 1,
                 acting_is_coordinator: bool) -> AnswersPage:
    insist_coordinator(acting_is_coordinator, "read prompt answers")
    prompt = numbered_prompt(session, team_id, number)
    answers = AnswerRepository(session)
    window = paging.window(answers.count_for_prompt(team_id, prompt.id), page, ANSWERS_PER_PAGE)
    rows = answers.page_for_prompt(team_id, prompt.id, offset=window.offset, limit=window.size)
    return AnswersPage(prompt.number, prompt.question, window.total, window.number, window.pages,
                       _entries(session, team_id, rows))
