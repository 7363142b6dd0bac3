"""Calls for volunteers and the answers to them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from storage.db import rows_changed
from storage.models import VolunteerCall, VolunteerResponse


class VolunteerCallRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, call: VolunteerCall) -> VolunteerCall:
        self.session.add(call)
        self.session.flush()
        return call

    def get(self, team_id: str, call_id: int) -> VolunteerCall | None:
        call = self.session.get(VolunteerCall, call_id)
        return call if call is not None and call.team_id == team_id else None

    def lock(self, team_id: str, call_id: int) -> VolunteerCall | None:
        """The call, locked until the transaction ends: answers to one call are counted one at a time.

        PostgreSQL takes a row lock (FOR UPDATE); SQLite already holds the database's write lock from
        BEGIN IMMEDIATE (see `storage.db`).
        """
        return self.session.scalar(
            select(VolunteerCall)
            .where(VolunteerCall.team_id == team_id, VolunteerCall.id == call_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    def delete(self, team_id: str, call_id: int) -> None:
        self.session.execute(delete(VolunteerCall).where(VolunteerCall.team_id == team_id, VolunteerCall.id == call_id))

    def open_calls_with_responses(self, team_id: str) -> list[tuple[VolunteerCall, list[VolunteerResponse]]]:
        """Open calls that made it into Slack, newest first, each with its responses in the order
        they came, in one query."""
        rows = self.session.execute(
            select(VolunteerCall, VolunteerResponse)
            .outerjoin(VolunteerResponse, VolunteerResponse.call_id == VolunteerCall.id)
            .where(VolunteerCall.team_id == team_id, VolunteerCall.status == "open",
                   VolunteerCall.message_ts.is_not(None))
            .order_by(VolunteerCall.created_at.desc(), VolunteerCall.id.desc(),
                      VolunteerResponse.answered_at, VolunteerResponse.id)
        )
        calls: dict[int, tuple[VolunteerCall, list[VolunteerResponse]]] = {}
        for call, response in rows:
            _call, responses = calls.setdefault(call.id, (call, []))
            if response is not None:
                responses.append(response)
        return list(calls.values())

    def posted_by(self, team_id: str, user_id: str) -> Sequence[VolunteerCall]:
        return self.session.scalars(
            select(VolunteerCall)
            .where(VolunteerCall.team_id == team_id, VolunteerCall.created_by == user_id)
            .order_by(VolunteerCall.created_at)
        ).all()

    def naming(self, team_id: str, user_id: str) -> Sequence[VolunteerCall]:
        """Calls whose message may show the member: they posted, closed or answered it."""
        answered = select(VolunteerResponse.call_id).where(VolunteerResponse.team_id == team_id,
                                                            VolunteerResponse.user_id == user_id)
        return self.session.scalars(
            select(VolunteerCall)
            .where(VolunteerCall.team_id == team_id, or_(
                VolunteerCall.created_by == user_id, VolunteerCall.closed_by == user_id,
                VolunteerCall.id.in_(answered)))
            .order_by(VolunteerCall.id)
        ).all()

    def forget_member(self, team_id: str, user_id: str) -> int:
        """Leave the member's calls with the group, no longer naming them."""
        posted = rows_changed(self.session.execute(
            update(VolunteerCall)
            .where(VolunteerCall.team_id == team_id, VolunteerCall.created_by == user_id)
            .values(created_by=None)
        ))
        closed = rows_changed(self.session.execute(
            update(VolunteerCall)
            .where(VolunteerCall.team_id == team_id, VolunteerCall.closed_by == user_id)
            .values(closed_by=None)
        ))
        return posted + closed


class VolunteerResponseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_call(self, call_id: int) -> Sequence[VolunteerResponse]:
        """Answers in the order they were given."""
        return self.session.scalars(
            select(VolunteerResponse)
            .where(VolunteerResponse.call_id == call_id)
            .order_by(VolunteerResponse.answered_at, VolunteerResponse.id)
        ).all()

    def get(self, call_id: int, user_id: str) -> VolunteerResponse | None:
        return self.session.scalar(
            select(VolunteerResponse).where(VolunteerResponse.call_id == call_id, VolunteerResponse.user_id == user_id)
        )

    def add(self, response: VolunteerResponse) -> VolunteerResponse:
        self.session.add(response)
        self.session.flush()
        return response

    def by_member(self, team_id: str, user_id: str) -> Sequence[tuple[VolunteerResponse, VolunteerCall]]:
        rows = self.session.execute(
            select(VolunteerResponse, VolunteerCall)
            .join(VolunteerCall, VolunteerCall.id == VolunteerResponse.call_id)
            .where(VolunteerResponse.team_id == team_id, VolunteerResponse.user_id == user_id)
            .order_by(VolunteerResponse.answered_at)
        )
        return [(response, call) for response, call in rows]

    def forget_member(self, team_id: str, user_id: str) -> int:
        return rows_changed(self.session.execute(
            delete(VolunteerResponse).where(VolunteerResponse.team_id == team_id, VolunteerResponse.user_id == user_id)
        ))
