"""What my-data exports and forget-me deletes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.services.personal_data import PersonalData
from bot.services.prompts.answers import delivery_question
from storage.repositories.prompts import (
    AnswerRepository,
    DeliveryRepository,
    PromptMemberRepository,
    PromptRepository,
    RoundRepository,
)

CREDIT_LABELS = {"named": "Named", "organisation": "Organisation only", "anonymous": "Anonymous"}


def export_personal_data(session: Session, team_id: str, user_id: str) -> PersonalData:
    """Every prompt sent to the member, their skips, nudges and answers, and their pause."""
    records: list[dict[str, Any]] = []
    questions: dict[int, str] = {}
    for delivery in DeliveryRepository(session).for_member(team_id, user_id):
        questions[delivery.id] = delivery_question(session, delivery)
        records.append({
            "prompt": questions[delivery.id],
            "sent_at": delivery.sent_at.isoformat() if delivery.sent_at else None,
            "status": delivery.status,
            "skipped_at": delivery.skipped_at.isoformat() if delivery.skipped_at else None,
            "nudged_at": delivery.nudged_at.isoformat() if delivery.nudged_at else None,
        })
    for answer in AnswerRepository(session).for_member(team_id, user_id):
        records.append({
            "answer_to": questions.get(answer.delivery_id, ""),
            "answer": answer.text,
            "credited": CREDIT_LABELS[answer.credit].lower(),
            "organisation": answer.organisation,
            "may_be_quoted_in_digest": answer.shareable,
            "answered_at": answer.created_at.isoformat(),
            "updated_at": answer.updated_at.isoformat(),
        })
    pref = PromptMemberRepository(session).get(team_id, user_id)
    if pref is not None:
        records.append({
            "prompts_paused_until": pref.paused_until.isoformat() if pref.paused_until else None,
            "usual_credit": pref.credit,
            "usually_may_be_quoted": pref.shareable,
        })
    return PersonalData("Prompts", records)


def forget_personal_data(session: Session, team_id: str, user_id: str) -> int:
    """Delete the member's answers, deliveries and pause; prompts they wrote stay, unattributed."""
    touched = AnswerRepository(session).delete_for_member(team_id, user_id)
    touched += DeliveryRepository(session).delete_for_member(team_id, user_id)
    touched += PromptMemberRepository(session).delete(team_id, user_id)
    touched += PromptRepository(session).forget_author(team_id, user_id)
    touched += RoundRepository(session).forget_starter(team_id, user_id)
    return touched
