"""Answers that become issues in the register."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy.orm import Session

from bot.services import issues
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.issues import IssuePrefill
from bot.services.prompts.answers import delivery_question
from storage.models import PromptAnswer
from storage.repositories.prompts import AnswerRepository, DeliveryRepository


def answer_origin(answer_id: int) -> str:
    """How an issue made from an answer names where it came from (`bot.services.issues.created_from`)."""
    return f"prompt-answer:{answer_id}"


def latest_answer_id(session: Session, team_id: str, user_id: str, delivery_id: int) -> int:
    """The member's most recent answer to a prompt they were sent."""
    answers = [a for a in AnswerRepository(session).for_delivery(delivery_id)
               if a.team_id == team_id and a.user_id == user_id]
    if not answers:
        raise NotFound("There is no answer to that prompt yet: answer it first, then make it an issue.")
    return answers[-1].id


def issue_prefill_for_answer(session: Session, team_id: str, user_id: str, answer_id: int, *,
                             acting_is_coordinator: bool) -> IssuePrefill:
    """The issue form for an answer: its words, its question, and the credit its author chose.

    The author may turn their answer into an issue; so may a coordinator, when the author
    allowed the answer to be shared. The issue stays linked to the answer.
    """
    answer = session.get(PromptAnswer, answer_id)
    if answer is None or answer.team_id != team_id:
        raise NotFound("That answer no longer exists.")
    if answer.user_id != user_id and not (
        answer.shareable and acting_is_coordinator
    ):
        raise NotAllowed("Only whoever wrote an answer can make it an issue, or a coordinator when they allowed "
                         "it to be shared.")
    origin = answer_origin(answer.id)
    existing = issues.created_from(session, team_id, origin)
    if existing is not None:
        raise InvalidInput(f"That answer is already issue #{existing.number}: `/issue show {existing.number}`.")
    delivery = DeliveryRepository(session).get(answer.delivery_id)
    question = delivery_question(session, delivery) if delivery is not None else ""
    title = _answer_title(answer.text)
    detail = answer.text.strip() + (f"\n\nIn answer to: {question}" if question else "")
    return IssuePrefill(title=title, detail=detail, credit=issues.Credit(answer.credit),
                        organisation=answer.organisation, origin=origin, author_id=answer.user_id)


def _answer_title(text: str) -> str:
    """An answer's first sentence, as an issue's title (the whole answer goes in the detail)."""
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    sentence = re.split(r"(?<=[.!?])\s", first_line, maxsplit=1)[0]
    title, _rest = issues.split_title(sentence)
    return title


def issues_from_answers(session: Session, team_id: str, answer_ids: Iterable[int]) -> dict[int, int]:
    """answer ID → number of the issue made from it, for the answers that became issues."""
    found = {}
    for answer_id in answer_ids:
        issue = issues.created_from(session, team_id, answer_origin(answer_id))
        if issue is not None:
            found[answer_id] = issue.number
    return found
