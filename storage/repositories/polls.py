"""Polls, their options, votes and invitees."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Select, and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from storage.db import insert_ignoring_conflicts, rows_changed
from storage.models import Poll, PollInvitee, PollOption, PollVote

# A poll with (members who voted, members in its audience; 0 when it was never listed).
CountedPoll = tuple[Poll, int, int]


class PollRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # Polls
    def add(self, poll: Poll, *, options: Sequence[PollOption]) -> Poll:
        """Store a poll with its options; IDs are assigned on return."""
        self.session.add(poll)
        self.session.flush()
        for option in options:
            option.poll_id = poll.id
            option.team_id = poll.team_id
            self.session.add(option)
        self.session.flush()
        return poll

    def get(self, team_id: str, poll_id: int) -> Poll | None:
        poll = self.session.get(Poll, poll_id)
        return poll if poll is not None and poll.team_id == team_id else None

    def lock(self, team_id: str, poll_id: int) -> Poll | None:
        """The poll, locked until the transaction ends, so votes and closing happen one at a time."""
        return self.session.scalar(
            select(Poll).where(Poll.id == poll_id, Poll.team_id == team_id).with_for_update()
        )

    def delete(self, poll: Poll) -> None:
        self.session.execute(delete(Poll).where(Poll.id == poll.id))

    # Open polls with their response counts: per poll (members who voted, members asked or who
    # voted; 0 when nobody was listed as asked), read in the same statement as the polls.
    def open_with_counts(self, team_id: str, channel_id: str | None = None) -> list[CountedPoll]:
        """Open polls that made it into Slack (of one channel, or all), soonest deadline first."""
        query = select(Poll).where(Poll.team_id == team_id, Poll.status == "open", Poll.message_ts.is_not(None))
        if channel_id:
            query = query.where(Poll.channel_id == channel_id)
        return self._counted(query.order_by(Poll.deadline.is_(None), Poll.deadline, Poll.id))

    def awaiting_with_counts(self, team_id: str, user_id: str) -> list[CountedPoll]:
        """Open polls the member was asked to answer and has not."""
        voted = exists().where(PollVote.poll_id == Poll.id, PollVote.user_id == user_id)
        return self._counted(
            select(Poll)
            .join(PollInvitee, and_(PollInvitee.poll_id == Poll.id, PollInvitee.user_id == user_id))
            .where(Poll.team_id == team_id, Poll.status == "open", Poll.message_ts.is_not(None), ~voted)
            .order_by(Poll.deadline.is_(None), Poll.deadline, Poll.id)
        )

    def _counted(self, query: Select) -> list[CountedPoll]:
        voter = PollVote.poll_id == Poll.id
        voters = select(func.count(func.distinct(PollVote.user_id))).where(voter).correlate(Poll).scalar_subquery()
        asked = select(func.count()).select_from(PollInvitee).where(PollInvitee.poll_id == Poll.id) \
            .correlate(Poll).scalar_subquery()
        was_asked = exists().where(PollInvitee.poll_id == PollVote.poll_id, PollInvitee.user_id == PollVote.user_id)
        unasked_voters = select(func.count(func.distinct(PollVote.user_id))).where(voter, ~was_asked) \
            .correlate(Poll).scalar_subquery()
        rows = self.session.execute(query.add_columns(voters, asked, unasked_voters))
        # A poll whose audience was never listed (a DM, a channel Convene could not read) has no "of M".
        return [(poll, int(voted), int(asked_count) + int(unasked) if asked_count else 0)
                for poll, voted, asked_count, unasked in rows]

    def decided_with_options(self, team_id: str, *, starting_after: datetime) -> list[tuple[Poll, PollOption]]:
        """Decided polls whose chosen option starts after `starting_after`, soonest first."""
        rows = self.session.execute(
            select(Poll, PollOption)
            .join(PollOption, PollOption.id == Poll.decided_option_id)
            .where(Poll.team_id == team_id, Poll.status == "decided", PollOption.starts_at > starting_after)
            .order_by(PollOption.starts_at, Poll.id)
        )
        return [(poll, option) for poll, option in rows]

    def created_by(self, team_id: str, user_id: str) -> list[Poll]:
        return list(self.session.scalars(
            select(Poll).where(Poll.team_id == team_id, Poll.creator_id == user_id).order_by(Poll.id)
        ))

    def naming(self, team_id: str, user_id: str) -> list[Poll]:
        """Polls whose message may show the member: they made, closed, decided, answered or were asked."""
        answered = select(PollVote.poll_id).where(PollVote.team_id == team_id, PollVote.user_id == user_id)
        asked = select(PollInvitee.poll_id).where(PollInvitee.team_id == team_id, PollInvitee.user_id == user_id)
        return list(self.session.scalars(
            select(Poll).where(Poll.team_id == team_id, or_(
                Poll.creator_id == user_id, Poll.closed_by == user_id, Poll.decided_by == user_id,
                Poll.id.in_(answered), Poll.id.in_(asked),
            )).order_by(Poll.id)
        ))

    def unrendered(self, *, changed_before: datetime) -> list[Poll]:
        """Polls whose message is behind the database and which nobody has touched since `changed_before`."""
        return list(self.session.scalars(
            select(Poll)
            .where(Poll.message_ts.is_not(None), Poll.revision > Poll.rendered_revision,
                   Poll.updated_at <= changed_before)
            .order_by(Poll.id)
        ))

    def revision(self, poll_id: int) -> int | None:
        return self.session.scalar(select(Poll.revision).where(Poll.id == poll_id))

    def mark_rendered(self, poll_id: int, revision: int) -> None:
        self.session.execute(
            update(Poll)
            .where(Poll.id == poll_id, Poll.rendered_revision < revision)
            .values(rendered_revision=revision)
        )

    def touch(self, poll_ids: Iterable[int]) -> int:
        """Mark polls changed so their messages are re-rendered; returns how many."""
        ids = list(poll_ids)
        if not ids:
            return 0
        result = self.session.execute(update(Poll).where(Poll.id.in_(ids)).values(revision=Poll.revision + 1))
        return rows_changed(result)

    # Options
    def options(self, poll_id: int) -> list[PollOption]:
        return list(self.session.scalars(
            select(PollOption).where(PollOption.poll_id == poll_id).order_by(PollOption.position)
        ))

    def option(self, poll_id: int, option_id: int) -> PollOption | None:
        option = self.session.get(PollOption, option_id)
        return option if option is not None and option.poll_id == poll_id else None

    # Votes
    def votes(self, poll_id: int) -> list[PollVote]:
        return list(self.session.scalars(
            select(PollVote).where(PollVote.poll_id == poll_id).order_by(PollVote.voted_at, PollVote.id)
        ))

    def vote(self, option_id: int, user_id: str) -> PollVote | None:
        return self.session.scalar(
            select(PollVote).where(PollVote.option_id == option_id, PollVote.user_id == user_id)
        )

    def votes_of(self, poll_id: int, user_id: str) -> dict[int, str]:
        """The member's choice per option ID."""
        rows = self.session.execute(
            select(PollVote.option_id, PollVote.choice).where(PollVote.poll_id == poll_id, PollVote.user_id == user_id)
        )
        return {option_id: choice for option_id, choice in rows}

    def voter_ids(self, poll_id: int) -> set[str]:
        return set(self.session.scalars(select(PollVote.user_id).where(PollVote.poll_id == poll_id).distinct()))

    def votes_by_member(self, team_id: str, user_id: str) -> list[tuple[PollVote, PollOption, Poll]]:
        rows = self.session.execute(
            select(PollVote, PollOption, Poll)
            .join(PollOption, PollOption.id == PollVote.option_id)
            .join(Poll, Poll.id == PollVote.poll_id)
            .where(PollVote.team_id == team_id, PollVote.user_id == user_id)
            .order_by(Poll.id, PollOption.position)
        )
        return [(vote, option, poll) for vote, option, poll in rows]

    def delete_votes_of(self, team_id: str, user_id: str) -> tuple[int, set[int]]:
        """Delete a member's votes; returns how many and the polls they were in."""
        poll_ids = set(self.session.scalars(
            select(PollVote.poll_id).where(PollVote.team_id == team_id, PollVote.user_id == user_id).distinct()
        ))
        result = self.session.execute(
            delete(PollVote).where(PollVote.team_id == team_id, PollVote.user_id == user_id)
        )
        return rows_changed(result), poll_ids

    # Invitees
    def add_invitees(self, team_id: str, poll_id: int, user_ids: Iterable[str]) -> int:
        added = 0
        for user_id in dict.fromkeys(user_ids):
            added += insert_ignoring_conflicts(
                self.session, PollInvitee, {"team_id": team_id, "poll_id": poll_id, "user_id": user_id},
                conflict_columns=["poll_id", "user_id"],
            )
        return added

    def invitee_ids(self, poll_id: int) -> set[str]:
        return set(self.session.scalars(select(PollInvitee.user_id).where(PollInvitee.poll_id == poll_id)))

    def forget_invitee(self, team_id: str, user_id: str) -> int:
        result = self.session.execute(
            delete(PollInvitee).where(PollInvitee.team_id == team_id, PollInvitee.user_id == user_id)
        )
        return rows_changed(result)
