"""Queries for prompts: the bank, the schedule, rounds, deliveries, answers and members' pauses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from storage.db import add_once, insert_ignoring_conflicts, rows_changed
from storage.models import (
    Member,
    Prompt,
    PromptAnswer,
    PromptDelivery,
    PromptMember,
    PromptRound,
    PromptSettings,
    Workspace,
)
from storage.models.prompts import DEFAULT_NUDGE_DAYS

MAX_SEND_ATTEMPTS = 3


def _answered(delivery: type[PromptDelivery] = PromptDelivery):
    """SQL: the delivery has at least one answer."""
    return exists().where(PromptAnswer.delivery_id == delivery.id)


class PromptSettingsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, team_id: str) -> PromptSettings | None:
        return self.session.get(PromptSettings, team_id)

    def get_or_create(self, team_id: str, *, now: datetime, lock: bool = False) -> PromptSettings:
        """The workspace's settings row, created on first use; `lock` holds it for this transaction.

        Locking serialises work that must happen once per workspace (loading the bank, starting a
        round) between processes on PostgreSQL; SQLite already serialises every writer.
        """
        if self.session.get(Workspace, team_id) is None:
            insert_ignoring_conflicts(self.session, Workspace, {"team_id": team_id, "created_at": now, "updated_at": now},
                                      conflict_columns=["team_id"])
        insert_ignoring_conflicts(
            self.session, PromptSettings,
            {"team_id": team_id, "cadence": "off", "nudge_after_days": DEFAULT_NUDGE_DAYS, "updated_at": now},
            conflict_columns=["team_id"],
        )
        query = select(PromptSettings).where(PromptSettings.team_id == team_id).execution_options(populate_existing=True)
        if lock:
            query = query.with_for_update()
        settings = self.session.scalars(query).one()
        return settings

    def nudge_days(self) -> dict[str, int | None]:
        """Every workspace's nudge delay in days (None: no nudges)."""
        rows = self.session.execute(select(PromptSettings.team_id, PromptSettings.nudge_after_days))
        return {team_id: days for team_id, days in rows}

    def scheduled_team_ids(self) -> list[str]:
        return list(self.session.scalars(
            select(PromptSettings.team_id).where(PromptSettings.cadence != "off").order_by(PromptSettings.team_id)
        ))


class PromptRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, prompt_id: int) -> Prompt | None:
        return self.session.get(Prompt, prompt_id)

    def by_number(self, team_id: str, number: int) -> Prompt | None:
        return self.session.scalar(select(Prompt).where(Prompt.team_id == team_id, Prompt.number == number))

    def active(self, team_id: str) -> list[Prompt]:
        """The queue: active prompts in the order they will be sent."""
        return list(self.session.scalars(
            select(Prompt).where(Prompt.team_id == team_id, Prompt.retired_at.is_(None))
            .order_by(Prompt.position, Prompt.number)
        ))

    def retired(self, team_id: str) -> list[Prompt]:
        return list(self.session.scalars(
            select(Prompt).where(Prompt.team_id == team_id, Prompt.retired_at.is_not(None)).order_by(Prompt.number)
        ))

    def count(self, team_id: str) -> int:
        return int(self.session.scalar(select(func.count()).select_from(Prompt).where(Prompt.team_id == team_id)) or 0)

    def with_question(self, team_id: str, question: str) -> Prompt | None:
        """An active prompt asking the same question, ignoring case and surrounding space."""
        return self.session.scalar(
            select(Prompt).where(Prompt.team_id == team_id, Prompt.retired_at.is_(None),
                                 func.lower(func.trim(Prompt.question)) == question.strip().lower())
        )

    def next_number(self, team_id: str) -> int:
        return int(self.session.scalar(select(func.coalesce(func.max(Prompt.number), 0)).where(Prompt.team_id == team_id)) or 0) + 1

    def last_position(self, team_id: str) -> int:
        return int(self.session.scalar(
            select(func.coalesce(func.max(Prompt.position), 0)).where(Prompt.team_id == team_id)
        ) or 0)

    def add(self, prompt: Prompt) -> Prompt:
        """Store a new prompt with the workspace's next number, last in the queue."""
        prompt.number = self.next_number(prompt.team_id)
        prompt.position = self.last_position(prompt.team_id) + 1
        self.session.add(prompt)
        self.session.flush()
        return prompt

    def reorder(self, prompts: Sequence[Prompt]) -> None:
        """Give `prompts` the positions 1, 2, 3… in the order given."""
        for index, prompt in enumerate(prompts, start=1):
            prompt.position = index

    def forget_author(self, team_id: str, user_id: str) -> int:
        result = self.session.execute(
            update(Prompt).where(Prompt.team_id == team_id, Prompt.created_by == user_id).values(created_by=None)
        )
        return rows_changed(result)


class RoundRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, round_id: int) -> PromptRound | None:
        return self.session.get(PromptRound, round_id)

    def by_period(self, team_id: str, period_key: str) -> PromptRound | None:
        return self.session.scalar(
            select(PromptRound).where(PromptRound.team_id == team_id, PromptRound.period_key == period_key)
        )

    def add(self, round_: PromptRound) -> PromptRound:
        self.session.add(round_)
        self.session.flush()
        return round_

    def manual_since(self, since: datetime) -> list[PromptRound]:
        """`/prompt send now` rounds started after `since`, every workspace, oldest first."""
        return list(self.session.scalars(
            select(PromptRound).where(PromptRound.kind == "manual", PromptRound.started_at >= since)
            .order_by(PromptRound.started_at)
        ))

    def latest_with_counts(self, team_id: str, *, since: datetime,
                           until: datetime) -> tuple[PromptRound, int | None, int, int] | None:
        """The most recent round started in [since, until] (scheduled rounds before manual ones), with
        its prompt's number and (members sent it, members who answered), in one query."""
        sent = PromptDelivery.status == "sent"
        in_round = PromptDelivery.round_id == PromptRound.id
        sent_to = select(func.count()).select_from(PromptDelivery).where(in_round, sent).scalar_subquery()
        answered_by = (select(func.count()).select_from(PromptDelivery).where(in_round, sent, _answered())
                       .scalar_subquery())
        row = self.session.execute(
            select(PromptRound, Prompt.number, sent_to, answered_by)
            .outerjoin(Prompt, Prompt.id == PromptRound.prompt_id)
            .where(PromptRound.team_id == team_id, PromptRound.started_at >= since, PromptRound.started_at <= until)
            .order_by((PromptRound.kind == "scheduled").desc(), PromptRound.started_at.desc(), PromptRound.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        round_, number, sent_count, answered_count = row
        return round_, number, int(sent_count or 0), int(answered_count or 0)

    def forget_starter(self, team_id: str, user_id: str) -> int:
        result = self.session.execute(
            update(PromptRound).where(PromptRound.team_id == team_id, PromptRound.started_by == user_id)
            .values(started_by=None)
        )
        return rows_changed(result)


class DeliveryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, delivery_id: int) -> PromptDelivery | None:
        return self.session.get(PromptDelivery, delivery_id)

    def claim(self, round_: PromptRound, user_id: str, *, due_at: datetime, now: datetime) -> int | None:
        """Take the right to send `round_`'s prompt to a member; the delivery's ID, or None.

        None when it was sent, is being sent, or failed too often. A failed delivery is claimed
        again (a later run retries it) until MAX_SEND_ATTEMPTS.
        """
        values = {
            "team_id": round_.team_id, "round_id": round_.id, "prompt_id": round_.prompt_id,
            "period_key": round_.period_key, "user_id": user_id, "status": "claimed", "attempts": 1,
            "due_at": due_at, "claimed_at": now,
        }
        if insert_ignoring_conflicts(self.session, PromptDelivery, values,
                                     conflict_columns=["team_id", "period_key", "prompt_id", "user_id"]):
            return self._id_of(round_, user_id)
        retried = self.session.execute(
            update(PromptDelivery)
            .where(PromptDelivery.team_id == round_.team_id, PromptDelivery.period_key == round_.period_key,
                   PromptDelivery.prompt_id == round_.prompt_id, PromptDelivery.user_id == user_id,
                   PromptDelivery.status == "failed", PromptDelivery.attempts < MAX_SEND_ATTEMPTS)
            .values(status="claimed", attempts=PromptDelivery.attempts + 1, claimed_at=now, error=None)
        )
        return self._id_of(round_, user_id) if rows_changed(retried) else None

    def _id_of(self, round_: PromptRound, user_id: str) -> int | None:
        return self.session.scalar(
            select(PromptDelivery.id).where(
                PromptDelivery.team_id == round_.team_id, PromptDelivery.period_key == round_.period_key,
                PromptDelivery.prompt_id == round_.prompt_id, PromptDelivery.user_id == user_id,
            )
        )

    def mark_sent(self, delivery_id: int, *, channel_id: str, ts: str, now: datetime) -> None:
        self.session.execute(
            update(PromptDelivery).where(PromptDelivery.id == delivery_id)
            .values(status="sent", channel_id=channel_id, ts=ts, sent_at=now, error=None)
        )

    def mark_failed(self, delivery_id: int, *, error: str, permanent: bool) -> None:
        values: dict[str, object] = {"status": "failed", "error": error[:2000]}
        if permanent:
            values["attempts"] = MAX_SEND_ATTEMPTS
        self.session.execute(update(PromptDelivery).where(PromptDelivery.id == delivery_id).values(**values))

    def release(self, delivery_id: int) -> None:
        """Give back a claim whose message was never sent (the process stopped while waiting out a
        429): a later run sends it, and the attempt does not count."""
        self.session.execute(
            update(PromptDelivery).where(PromptDelivery.id == delivery_id, PromptDelivery.status == "claimed")
            .values(status="failed", attempts=PromptDelivery.attempts - 1, error="interrupted by a shutdown")
        )

    def user_ids_in_round(self, round_: PromptRound) -> set[str]:
        """Members who have a delivery for this round and need nothing more (sent, being sent, or given up)."""
        return set(self.session.scalars(
            select(PromptDelivery.user_id).where(
                PromptDelivery.team_id == round_.team_id, PromptDelivery.period_key == round_.period_key,
                PromptDelivery.prompt_id == round_.prompt_id,
                or_(PromptDelivery.status != "failed", PromptDelivery.attempts >= MAX_SEND_ATTEMPTS),
            )
        ))

    def round_counts(self, round_id: int) -> dict[str, int]:
        rows = self.session.execute(
            select(PromptDelivery.status, func.count()).where(PromptDelivery.round_id == round_id)
            .group_by(PromptDelivery.status)
        )
        return {status: int(count) for status, count in rows}

    def by_message(self, team_id: str, channel_id: str, ts: str) -> PromptDelivery | None:
        """The delivery whose prompt (or nudge) is the message at `ts` in `channel_id`."""
        return self.session.scalar(
            select(PromptDelivery).where(
                PromptDelivery.team_id == team_id, PromptDelivery.channel_id == channel_id,
                or_(PromptDelivery.ts == ts, PromptDelivery.nudge_ts == ts),
            )
        )

    def latest_sent(self, team_id: str, user_id: str, *, since: datetime) -> PromptDelivery | None:
        return self.session.scalar(
            select(PromptDelivery)
            .where(PromptDelivery.team_id == team_id, PromptDelivery.user_id == user_id,
                   PromptDelivery.status == "sent", PromptDelivery.sent_at >= since)
            .order_by(PromptDelivery.sent_at.desc(), PromptDelivery.id.desc())
            .limit(1)
        )

    def waiting(self, team_id: str, user_id: str, *, since: datetime, offset: int = 0,
                limit: int) -> tuple[list[PromptDelivery], int]:
        """Sent since `since`, neither answered nor skipped: a page of them, newest first, and how
        many there are in all."""
        conditions = (PromptDelivery.team_id == team_id, PromptDelivery.user_id == user_id,
                      PromptDelivery.status == "sent", PromptDelivery.sent_at >= since,
                      PromptDelivery.skipped_at.is_(None), ~_answered())
        rows = list(self.session.scalars(
            select(PromptDelivery).where(*conditions)
            .order_by(PromptDelivery.sent_at.desc(), PromptDelivery.id.desc())
            .offset(offset).limit(limit)
        ))
        total = self.session.scalar(select(func.count(PromptDelivery.id)).where(*conditions))
        return rows, int(total or 0)

    def nudge_candidates(self, *, due_before: datetime, due_after: datetime) -> list[PromptDelivery]:
        """Sent deliveries, every workspace, due in (due_after, due_before], not nudged, skipped or answered."""
        return list(self.session.scalars(
            select(PromptDelivery)
            .where(PromptDelivery.status == "sent", PromptDelivery.due_at <= due_before,
                   PromptDelivery.due_at > due_after, PromptDelivery.skipped_at.is_(None),
                   PromptDelivery.nudge_claimed_at.is_(None), ~_answered())
            .order_by(PromptDelivery.team_id, PromptDelivery.due_at, PromptDelivery.id)
        ))

    def answered_before(self, delivery: PromptDelivery, *, limit: int) -> list[bool]:
        """For the member's `limit` deliveries sent before this one, newest first: was each answered?"""
        rows = self.session.execute(
            select(_answered().label("answered"))
            .select_from(PromptDelivery)
            .where(PromptDelivery.team_id == delivery.team_id, PromptDelivery.user_id == delivery.user_id,
                   PromptDelivery.status == "sent", PromptDelivery.id != delivery.id,
                   PromptDelivery.sent_at <= delivery.sent_at)
            .order_by(PromptDelivery.sent_at.desc(), PromptDelivery.id.desc())
            .limit(limit)
        )
        return [bool(answered) for (answered,) in rows]

    def newer_exists(self, delivery: PromptDelivery) -> bool:
        """Has the member been sent another prompt since this one?"""
        return bool(self.session.scalar(
            select(exists().where(
                PromptDelivery.team_id == delivery.team_id, PromptDelivery.user_id == delivery.user_id,
                PromptDelivery.status == "sent", PromptDelivery.sent_at > delivery.sent_at,
            ))
        ))

    def claim_nudge(self, delivery_id: int, *, now: datetime) -> bool:
        """Take the one right to nudge about this delivery; False when it was taken before."""
        result = self.session.execute(
            update(PromptDelivery)
            .where(PromptDelivery.id == delivery_id, PromptDelivery.nudge_claimed_at.is_(None))
            .values(nudge_claimed_at=now)
        )
        return bool(rows_changed(result))

    def release_nudge(self, delivery_id: int) -> None:
        """Give the nudge back after Slack refused it, so a later run may send it."""
        self.session.execute(update(PromptDelivery).where(PromptDelivery.id == delivery_id, PromptDelivery.nudged_at.is_(None))
                             .values(nudge_claimed_at=None))

    def mark_nudged(self, delivery_id: int, *, ts: str, now: datetime) -> None:
        self.session.execute(update(PromptDelivery).where(PromptDelivery.id == delivery_id)
                             .values(nudged_at=now, nudge_ts=ts))

    def for_member(self, team_id: str, user_id: str) -> list[PromptDelivery]:
        return list(self.session.scalars(
            select(PromptDelivery).where(PromptDelivery.team_id == team_id, PromptDelivery.user_id == user_id)
            .order_by(PromptDelivery.claimed_at, PromptDelivery.id)
        ))

    def delete_for_member(self, team_id: str, user_id: str) -> int:
        result = self.session.execute(
            delete(PromptDelivery).where(PromptDelivery.team_id == team_id, PromptDelivery.user_id == user_id)
        )
        return rows_changed(result)

class AnswerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_delivery(self, delivery_id: int) -> list[PromptAnswer]:
        return list(self.session.scalars(
            select(PromptAnswer).where(PromptAnswer.delivery_id == delivery_id)
            .order_by(PromptAnswer.created_at, PromptAnswer.id)
        ))

    def modal_answer(self, delivery_id: int) -> PromptAnswer | None:
        return self.session.scalar(
            select(PromptAnswer).where(PromptAnswer.delivery_id == delivery_id, PromptAnswer.source_key == "modal")
        )

    def add_once(self, answer: PromptAnswer) -> bool:
        """Store an answer unless this delivery already has one from the same source (a retried event)."""
        return add_once(self.session, answer, conflict_columns=["delivery_id", "source_key"])

    def from_message(self, team_id: str, channel_id: str, message_ts: str) -> PromptAnswer | None:
        return self.session.scalar(
            select(PromptAnswer).where(PromptAnswer.team_id == team_id, PromptAnswer.channel_id == channel_id,
                                       PromptAnswer.message_ts == message_ts)
        )

    def set_credit(self, delivery_id: int, *, credit: str, organisation: str | None, shareable: bool,
                   now: datetime) -> None:
        self.session.execute(
            update(PromptAnswer).where(PromptAnswer.delivery_id == delivery_id)
            .values(credit=credit, organisation=organisation, shareable=shareable, updated_at=now)
        )

    def page_for_prompt(self, team_id: str, prompt_id: int, *, offset: int, limit: int) -> list[PromptAnswer]:
        return list(self.session.scalars(
            select(PromptAnswer).where(PromptAnswer.team_id == team_id, PromptAnswer.prompt_id == prompt_id)
            .order_by(PromptAnswer.created_at, PromptAnswer.id)
            .offset(offset).limit(limit)
        ))

    def count_for_prompt(self, team_id: str, prompt_id: int) -> int:
        return int(self.session.scalar(
            select(func.count()).select_from(PromptAnswer)
            .where(PromptAnswer.team_id == team_id, PromptAnswer.prompt_id == prompt_id)
        ) or 0)

    def shareable_for_round_with_authors(self, round_id: int) -> list[tuple[PromptAnswer, Member | None]]:
        """`shareable_for_round`, each answer with its author's member row (for crediting), in one query."""
        rows = self.session.execute(
            select(PromptAnswer, Member)
            .join(PromptDelivery, PromptDelivery.id == PromptAnswer.delivery_id)
            .outerjoin(Member, and_(Member.team_id == PromptAnswer.team_id, Member.user_id == PromptAnswer.user_id))
            .where(PromptDelivery.round_id == round_id, PromptAnswer.shareable.is_(True))
            .order_by(PromptAnswer.created_at, PromptAnswer.id)
        )
        return [(answer, member) for answer, member in rows]

    def for_member(self, team_id: str, user_id: str) -> list[PromptAnswer]:
        return list(self.session.scalars(
            select(PromptAnswer).where(PromptAnswer.team_id == team_id, PromptAnswer.user_id == user_id)
            .order_by(PromptAnswer.created_at, PromptAnswer.id)
        ))

    def delete_for_member(self, team_id: str, user_id: str) -> int:
        result = self.session.execute(
            delete(PromptAnswer).where(PromptAnswer.team_id == team_id, PromptAnswer.user_id == user_id)
        )
        return rows_changed(result)


class PromptMemberRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, team_id: str, user_id: str) -> PromptMember | None:
        return self.session.get(PromptMember, (team_id, user_id))

    def get_or_create(self, team_id: str, user_id: str, *, now: datetime) -> PromptMember:
        if self.session.get(Workspace, team_id) is None:
            insert_ignoring_conflicts(self.session, Workspace, {"team_id": team_id, "created_at": now, "updated_at": now},
                                      conflict_columns=["team_id"])
        insert_ignoring_conflicts(self.session, PromptMember,
                                  {"team_id": team_id, "user_id": user_id, "updated_at": now},
                                  conflict_columns=["team_id", "user_id"])
        member = self.session.get(PromptMember, (team_id, user_id), populate_existing=True)
        assert member is not None
        return member

    def paused(self, team_id: str, user_ids: Iterable[str], *, at: datetime) -> set[str]:
        ids = list(user_ids)
        if not ids:
            return set()
        return set(self.session.scalars(
            select(PromptMember.user_id).where(PromptMember.team_id == team_id, PromptMember.user_id.in_(ids),
                                               PromptMember.paused_until > at)
        ))

    def delete(self, team_id: str, user_id: str) -> int:
        result = self.session.execute(
            delete(PromptMember).where(PromptMember.team_id == team_id, PromptMember.user_id == user_id)
        )
        return rows_changed(result)
