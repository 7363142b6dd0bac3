"""Members answering (in the modal or the DM), skipping, pausing and resuming."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.services.errors import InvalidInput, NotAllowed, NotFound
from storage.models import PromptAnswer, PromptDelivery
from storage.models.prompts import CREDITS
from storage.repositories.prompts import AnswerRepository, DeliveryRepository, PromptMemberRepository, RoundRepository
from storage.repositories.workspaces import MemberRepository

# A plain message in the DM answers the latest prompt sent this recently.
ANSWER_WINDOW = timedelta(days=14)
PAUSE_FOR = timedelta(weeks=4)


def _own_delivery(session: Session, team_id: str, user_id: str, delivery_id: int) -> PromptDelivery:
    delivery = DeliveryRepository(session).get(delivery_id)
    if delivery is None or delivery.team_id != team_id:
        raise NotFound("I can't find that prompt any more.")
    if delivery.user_id != user_id:
        raise NotAllowed("That prompt was sent to someone else.")
    return delivery


def delivery_question(session: Session, delivery: PromptDelivery) -> str:
    round_ = RoundRepository(session).get(delivery.round_id)
    return round_.question if round_ is not None else ""


def _credit_defaults(session: Session, team_id: str, user_id: str) -> tuple[str | None, bool | None]:
    pref = PromptMemberRepository(session).get(team_id, user_id)
    return (pref.credit, pref.shareable) if pref is not None else (None, None)


def _organisation(session: Session, team_id: str, user_id: str) -> str | None:
    member = MemberRepository(session).get(team_id, user_id)
    return member.organisation if member is not None and member.organisation else None


@dataclass(frozen=True)
class AnswerForm:
    """What the Answer modal shows: the question, what they wrote before, how it is credited."""

    delivery_id: int
    question: str
    text: str
    message_answers: list[str]
    credit: str
    shareable: bool
    organisation: str | None


def answer_form(session: Session, team_id: str, user_id: str, delivery_id: int) -> AnswerForm:
    delivery = _own_delivery(session, team_id, user_id, delivery_id)
    answers = AnswerRepository(session).for_delivery(delivery.id)
    modal = next((a for a in answers if a.source_key == "modal"), None)
    latest = answers[-1] if answers else None
    pref_credit, pref_share = _credit_defaults(session, team_id, user_id)
    return AnswerForm(
        delivery_id=delivery.id,
        question=delivery_question(session, delivery),
        text=modal.text if modal else "",
        message_answers=[a.text for a in answers if a.source_key != "modal"],
        credit=latest.credit if latest else (pref_credit or "named"),
        # Being quoted in the channel's digest is opt-in.
        shareable=latest.shareable if latest else bool(pref_share),
        organisation=_organisation(session, team_id, user_id),
    )


def _remember_choice(session: Session, team_id: str, user_id: str, *, credit: str, shareable: bool,
                     now: datetime) -> None:
    pref = PromptMemberRepository(session).get_or_create(team_id, user_id, now=now)
    pref.credit = credit
    pref.shareable = shareable


def save_modal_answer(session: Session, team_id: str, user_id: str, delivery_id: int, text: str, *,
                      credit: str, shareable: bool, now: datetime) -> PromptDelivery:
    """The Answer modal's answer: its text replaces what was typed there before; the credit choice
    applies to every answer the member gave this prompt, messages included."""
    if credit not in CREDITS:
        raise InvalidInput("Choose how your answer is credited.")
    delivery = _own_delivery(session, team_id, user_id, delivery_id)
    answers = AnswerRepository(session)
    text = text.strip()
    existing = answers.modal_answer(delivery.id)
    others = [a for a in answers.for_delivery(delivery.id) if a.source_key != "modal"]
    if not text and not others:
        raise InvalidInput("Write an answer first: a sentence or two is plenty.")
    organisation = _organisation(session, team_id, user_id)
    if existing is not None and text:
        existing.text = text
    elif existing is not None:
        session.delete(existing)
    elif text:
        answers.add_once(PromptAnswer(
            team_id=team_id, delivery_id=delivery.id, prompt_id=delivery.prompt_id, user_id=user_id,
            source_key="modal", text=text, credit=credit, organisation=organisation, shareable=shareable,
        ))
    session.flush()
    answers.set_credit(delivery.id, credit=credit, organisation=organisation, shareable=shareable, now=now)
    _remember_choice(session, team_id, user_id, credit=credit, shareable=shareable, now=now)
    return delivery


# A short "thanks!" after answering is a pleasantry, not a second answer.
_PLEASANTRIES = {
    "thanks", "thank you", "thankyou", "thx", "ta", "cheers", "ok", "okay", "cool", "great", "nice", "done",
    "sure", "will do", "np", "no problem", "lovely", "perfect", "brilliant", "+1", ":+1:", ":thumbsup:",
    ":pray:", ":slightly_smiling_face:", ":smile:", ":white_check_mark:", "👍", "🙏", "🙂",
}


def is_pleasantry(text: str) -> bool:
    words = re.sub(r"[.!?,\s]+", " ", text.lower()).strip()
    return words in _PLEASANTRIES or words.replace(" ", "") in _PLEASANTRIES


@dataclass(frozen=True)
class MessageAnswer:
    """A DM message that answers a prompt."""

    delivery: PromptDelivery
    logged: bool  # False for a message already logged (Slack retried it) or a "thanks!" after answering
    first: bool  # the first answer to this delivery: worth a word about how it is credited
    credit: str
    shareable: bool


def _slack_text(text: str) -> str:
    """Message text as the member typed it: Slack escapes &, < and > in events."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def answered_delivery_for_message(session: Session, team_id: str, user_id: str, *, channel_id: str,
                                  thread_ts: str | None, now: datetime) -> PromptDelivery | None:
    """The delivery a DM message answers: the prompt whose thread it is in, else the latest prompt."""
    deliveries = DeliveryRepository(session)
    if thread_ts:
        delivery = deliveries.by_message(team_id, channel_id, thread_ts)
        if delivery is None:
            # A thread under one of their own answers (where the acknowledgement went) answers the same prompt.
            earlier = AnswerRepository(session).from_message(team_id, channel_id, thread_ts)
            delivery = deliveries.get(earlier.delivery_id) if earlier is not None else None
        if delivery is None or delivery.user_id != user_id:
            return None  # a thread under some other message: not an answer
        return delivery
    return deliveries.latest_sent(team_id, user_id, since=now - ANSWER_WINDOW)


def log_message_answer(session: Session, team_id: str, user_id: str, *, channel_id: str, ts: str,
                       thread_ts: str | None, text: str, now: datetime) -> MessageAnswer | None:
    """Log a member's DM message as their answer; None when it answers no prompt."""
    text = _slack_text(text)
    if not text:
        return None
    delivery = answered_delivery_for_message(session, team_id, user_id, channel_id=channel_id,
                                             thread_ts=thread_ts, now=now)
    if delivery is None:
        return None
    answers = AnswerRepository(session)
    before = answers.for_delivery(delivery.id)
    if before and is_pleasantry(text):
        return MessageAnswer(delivery, False, False, before[-1].credit, before[-1].shareable)
    if before:
        credit, shareable = before[-1].credit, before[-1].shareable
    else:
        pref_credit, pref_share = _credit_defaults(session, team_id, user_id)
        # Nobody chose how a plain reply is credited: keep it anonymous and out of the digest
        # until they say otherwise (the acknowledgement tells them how).
        credit, shareable = pref_credit or "anonymous", bool(pref_share)
    logged = answers.add_once(PromptAnswer(
        team_id=team_id, delivery_id=delivery.id, prompt_id=delivery.prompt_id, user_id=user_id,
        source_key=f"message:{ts}", channel_id=channel_id, message_ts=ts, text=text,
        credit=credit, organisation=_organisation(session, team_id, user_id), shareable=shareable,
    ))
    return MessageAnswer(delivery, logged, not before, credit, shareable)


def edit_message_answer(session: Session, team_id: str, user_id: str, *, channel_id: str, ts: str, text: str,
                        now: datetime) -> PromptDelivery | None:
    """The member edited a message logged as an answer: the answer follows. None if it was not one."""
    answer = AnswerRepository(session).from_message(team_id, channel_id, ts)
    if answer is None or answer.user_id != user_id:
        return None
    text = _slack_text(text)
    if not text:
        return None
    answer.text = text
    # Slack sends an edit even when the words come back the same; the answer was still touched.
    answer.updated_at = now
    return DeliveryRepository(session).get(answer.delivery_id)


def retract_message_answer(session: Session, team_id: str, user_id: str | None, *, channel_id: str,
                           ts: str) -> PromptDelivery | None:
    """The member deleted a message logged as an answer: so is the answer."""
    answer = AnswerRepository(session).from_message(team_id, channel_id, ts)
    if answer is None or (user_id is not None and answer.user_id != user_id):
        return None
    delivery = DeliveryRepository(session).get(answer.delivery_id)
    session.delete(answer)
    return delivery


@dataclass(frozen=True)
class DeliveryState:
    """How a prompt's DM should look now."""

    delivery_id: int
    question: str
    kind: str
    channel_id: str | None
    ts: str | None
    answered: bool
    skipped: bool
    answered_at: datetime | None


def delivery_state(session: Session, delivery: PromptDelivery) -> DeliveryState:
    answers = AnswerRepository(session).for_delivery(delivery.id)
    round_ = RoundRepository(session).get(delivery.round_id)
    return DeliveryState(
        delivery_id=delivery.id,
        question=round_.question if round_ is not None else "",
        kind=round_.kind if round_ is not None else "manual",
        channel_id=delivery.channel_id,
        ts=delivery.ts,
        answered=bool(answers),
        skipped=delivery.skipped_at is not None,
        answered_at=max((a.updated_at for a in answers), default=None),
    )


def delivery_state_of(session: Session, delivery_id: int) -> DeliveryState | None:
    delivery = DeliveryRepository(session).get(delivery_id)
    return delivery_state(session, delivery) if delivery is not None else None


def skip(session: Session, team_id: str, user_id: str, delivery_id: int, *, now: datetime) -> PromptDelivery:
    delivery = _own_delivery(session, team_id, user_id, delivery_id)
    if delivery.skipped_at is None:
        delivery.skipped_at = now
    return delivery


def pause(session: Session, team_id: str, user_id: str, *, now: datetime) -> datetime:
    """No prompts or nudges for four weeks; returns when they start again."""
    member = PromptMemberRepository(session).get_or_create(team_id, user_id, now=now)
    member.paused_until = now + PAUSE_FOR
    return member.paused_until


def resume(session: Session, team_id: str, user_id: str, *, now: datetime) -> bool:
    """True when the member was paused."""
    member = PromptMemberRepository(session).get(team_id, user_id)
    if member is None or member.paused_until is None or member.paused_until <= now:
        return False
    member.paused_until = None
    return True
