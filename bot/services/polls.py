"""Date-finding polls: creating, voting, tallying, closing, choosing the final date.

Pure rules over the database; nothing here talks to Slack. Handlers and jobs call these inside a
unit of work and render what they return with `bot.views.polls`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.services.attribution import PollAnswers, known_as, poll_answers
from bot.services.errors import InvalidInput, NotAllowed, NotFound, UserFacingError
from bot.services.members import present, zone
from bot.services.personal_data import PersonalData, Redraw
from bot.services.poll_dates import OptionsInvalid, When, parse_deadline, parse_options
from bot.text import QuoteError, split_args
from storage.models import Poll, PollOption, PollVote
from storage.repositories.ledger import DispatchLedger
from storage.repositories.polls import CountedPoll, PollRepository
from storage.repositories.workspaces import MemberRepository, WorkspaceRepository

# Two blocks per option (its tally, its buttons) and six around them fill Slack's 50-block message.
MAX_OPTIONS = 22
MAX_TITLE = 150
CHOICES = ("yes", "maybe", "no")
CHOICE_LABELS = {"yes": "Yes", "maybe": "If need be", "no": "No"}
DEFAULT_DURATION = timedelta(hours=1)  # a timed option typed without an end
# Shorter polls are reminded halfway to their deadline instead, if there is time for that to help.
MIN_TIME_FOR_A_REMINDER = timedelta(hours=2)
# The day-before reminder for a whole-day meeting goes out at this local hour.
ALL_DAY_REMINDER_HOUR = 9
CREATE_EXAMPLE = '/meet "First meeting" "Tue 1 Dec 10am" "Wed 2 Dec 2-4pm" "Thu 3 Dec" deadline "Fri 27 Nov 5pm"'
FLAGS = {"anonymous": "anonymous", "hide-votes": "hide_votes", "hidden": "hide_votes",
         "no-if-need-be": "no_if_need_be"}


class PollClosed(UserFacingError):
    """The poll no longer takes votes."""


# Creating ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PollDraft:
    """A poll as typed, every field read and checked, not yet stored."""

    title: str
    options: list[When]
    deadline: datetime | None
    allow_if_need_be: bool = True
    hide_votes: bool = False
    anonymous: bool = False


class DraftInvalid(InvalidInput):
    """Some fields of a new poll cannot be used; `fields` maps each (title, options, deadline) to why."""

    def __init__(self, fields: dict[str, str], *, options_error: OptionsInvalid | None = None) -> None:
        self.fields = fields
        self.options_error = options_error
        parts = [fields[name] for name in ("title", "deadline") if name in fields]
        if options_error is not None:
            parts.append(options_error.message.rstrip())
        elif "options" in fields:
            parts.append(fields["options"])
        super().__init__("\n".join(parts) + "\n", example=CREATE_EXAMPLE)


def read_draft(
    title: str,
    option_lines: list[str],
    deadline_text: str | None,
    *,
    now: datetime,
    zone: ZoneInfo,
    allow_if_need_be: bool = True,
    hide_votes: bool = False,
    anonymous: bool = False,
) -> PollDraft:
    """Check everything typed for a new poll at once; DraftInvalid names every field that is wrong."""
    problems: dict[str, str] = {}
    options_error: OptionsInvalid | None = None
    title = " ".join(title.split())
    if not title:
        problems["title"] = "Give the poll a title, such as “First meeting”."
    elif len(title) > MAX_TITLE:
        problems["title"] = f"The title is {len(title)} characters long; keep it under {MAX_TITLE}."
    options: list[When] = []
    try:
        options = parse_options(option_lines, now=now, zone=zone, limit=MAX_OPTIONS)
    except OptionsInvalid as error:
        options_error = error
        problems["options"] = error.per_line()
    except InvalidInput as error:
        problems["options"] = error.message
    deadline = None
    if deadline_text and deadline_text.strip():
        try:
            deadline = parse_deadline(deadline_text, now=now, zone=zone)
        except InvalidInput as error:
            problems["deadline"] = f"The deadline “{deadline_text.strip()}”: {error.message}"
        else:
            if options and deadline >= max(option.starts_at for option in options):
                problems["deadline"] = "The deadline is after every option: pick one before the last of them."
    if problems:
        raise DraftInvalid(problems, options_error=options_error)
    return PollDraft(title, options, deadline, allow_if_need_be, hide_votes, anonymous)


def parse_inline(text: str, *, now: datetime, zone: ZoneInfo) -> PollDraft:
    """`"Title" "option" "option" … [deadline "when"] [anonymous] [hide-votes] [no-if-need-be]`."""
    if not any(quote in text for quote in '"“”„'):
        raise InvalidInput("Put the title and each option in quotes.", example=CREATE_EXAMPLE)
    try:
        args = split_args(text)
    except QuoteError as error:
        raise InvalidInput(str(error), example=CREATE_EXAMPLE) from None
    title, rest = args[0], args[1:]
    options: list[str] = []
    deadline: str | None = None
    flags: set[str] = set()
    index = 0
    while index < len(rest):
        word = rest[index]
        if word.lower() == "deadline":
            if index + 1 >= len(rest):
                raise InvalidInput("Say when the deadline is, in quotes, after `deadline`.", example=CREATE_EXAMPLE)
            deadline = rest[index + 1]
            index += 2
            continue
        if word.lower() in FLAGS:
            flags.add(FLAGS[word.lower()])
        else:
            options.append(word)
        index += 1
    return read_draft(title, options, deadline, now=now, zone=zone,
                      allow_if_need_be="no_if_need_be" not in flags,
                      hide_votes="hide_votes" in flags, anonymous="anonymous" in flags)


def reminder_time(deadline: datetime | None, *, now: datetime, lead: timedelta) -> datetime | None:
    """When non-voters are reminded: `lead` before the deadline, or halfway there for a short poll."""
    if deadline is None or lead <= timedelta(0):
        return None
    at = deadline - lead
    if at > now:
        return at
    if deadline - now >= MIN_TIME_FOR_A_REMINDER:
        return now + (deadline - now) / 2
    return None


def create_poll(
    session: Session,
    team_id: str,
    creator_id: str,
    channel_id: str,
    draft: PollDraft,
    *,
    zone_name: str,
    now: datetime,
    reminder_lead: timedelta,
    audience: Iterable[str] = (),
) -> Poll:
    """Store a new open poll (its message is posted afterwards); `audience` is who in the channel is
    asked to answer, empty when it cannot be listed."""
    WorkspaceRepository(session).get_or_create(team_id, now=now)
    poll = Poll(
        team_id=team_id, channel_id=channel_id, creator_id=creator_id, title=draft.title, timezone=zone_name,
        allow_if_need_be=draft.allow_if_need_be, hide_votes=draft.hide_votes, anonymous=draft.anonymous,
        deadline=draft.deadline, remind_at=reminder_time(draft.deadline, now=now, lead=reminder_lead),
        status="open", decision_sequence=0, revision=0, rendered_revision=0,
    )
    options = [
        PollOption(position=position, label=when.text[:200], starts_at=when.starts_at, all_day=when.all_day,
                   duration_minutes=int(when.duration.total_seconds() // 60) if when.duration else None)
        for position, when in enumerate(draft.options, start=1)
    ]
    repo = PollRepository(session)
    repo.add(poll, options=options)
    # Listed before the poll is posted, so its first message already says "0 of 42 answered".
    repo.add_invitees(team_id, poll.id, audience)
    return poll


def set_message(session: Session, team_id: str, poll_id: int, message_ts: str) -> None:
    poll = PollRepository(session).get(team_id, poll_id)
    if poll is not None:
        poll.message_ts = message_ts


def discard_unposted(session: Session, team_id: str, poll_id: int) -> None:
    """Remove a poll whose message could not be posted, so nothing is half-created."""
    repo = PollRepository(session)
    poll = repo.get(team_id, poll_id)
    if poll is not None and poll.message_ts is None:
        repo.delete(poll)


def add_invitees(session: Session, team_id: str, poll_id: int, user_ids: Iterable[str]) -> int:
    """Remember who is asked to answer; the message's "N of M answered" changes when anyone is new."""
    repo = PollRepository(session)
    added = repo.add_invitees(team_id, poll_id, user_ids)
    if added:
        repo.touch([poll_id])
    return added


# Reading and tallying ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionTally:
    """One option: how many answered what, and who and which organisations as far as the poll shows them.

    The names and organisations are filled in only when `bot.services.attribution.poll_answers`
    allows: an anonymous poll's tally has counts and nothing else.
    """

    id: int
    position: int
    label: str
    starts_at: datetime
    duration: timedelta | None
    all_day: bool
    yes: int = 0
    maybe: int = 0
    no: int = 0
    yes_names: tuple[str, ...] = ()
    maybe_names: tuple[str, ...] = ()
    no_names: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()  # distinct organisations among the Yes voters, when shown
    organisation_count: int = 0  # how many there are, shown even when the poll is anonymous

    @property
    def ends_at(self) -> datetime:
        if self.all_day:
            return self.starts_at + timedelta(days=1)
        return self.starts_at + (self.duration or DEFAULT_DURATION)

    def count(self, choice: str) -> int:
        return {"yes": self.yes, "maybe": self.maybe, "no": self.no}[choice]

    def names(self, choice: str) -> tuple[str, ...]:
        return {"yes": self.yes_names, "maybe": self.maybe_names, "no": self.no_names}[choice]

    def rank(self) -> tuple[int, int]:
        return (self.yes, self.yes + self.maybe)


def best_option(options: Iterable[OptionTally]) -> OptionTally | None:
    """Most Yes, then most Yes + If need be; ties go to the earliest. None before anyone is available."""
    candidates = [option for option in options if option.yes or option.maybe]
    if not candidates:
        return None
    return min(candidates, key=lambda o: (-o.rank()[0], -o.rank()[1], o.starts_at, o.position))


@dataclass(frozen=True)
class PollState:
    """A poll as people see it: everything a message, modal or job needs, read in one go."""

    id: int
    team_id: str
    channel_id: str
    message_ts: str | None
    creator_id: str | None
    title: str
    zone: ZoneInfo
    allow_if_need_be: bool
    hide_votes: bool
    anonymous: bool
    deadline: datetime | None
    status: str
    closed_at: datetime | None
    closed_by: str | None
    decided_option_id: int | None
    decided_by: str | None
    decision_sequence: int
    revision: int
    options: tuple[OptionTally, ...]
    creator_name: str | None = None  # as plain text; polls are never made anonymously
    chooser_name: str | None = None  # who chose the final date
    voters: int = 0  # members who answered at least one option
    invited: int = 0  # members asked (or who answered); 0 when the audience was never listed
    names_missing: bool = False  # someone it would name is not known to Convene yet

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def answers(self) -> PollAnswers:
        return poll_answers(anonymous=self.anonymous, hidden_until_closed=self.hide_votes, is_open=self.is_open)

    @property
    def counts_visible(self) -> bool:
        """Counts and the best option are hidden until close when the creator chose so."""
        return self.answers.counts

    @property
    def names_visible(self) -> bool:
        return self.answers.names

    @property
    def best(self) -> OptionTally | None:
        return best_option(self.options)

    @property
    def decided(self) -> OptionTally | None:
        return next((o for o in self.options if o.id == self.decided_option_id), None)

    def option(self, option_id: int) -> OptionTally | None:
        return next((o for o in self.options if o.id == option_id), None)


def load_state(session: Session, team_id: str, poll_id: int) -> PollState | None:
    repo = PollRepository(session)
    poll = repo.get(team_id, poll_id)
    if poll is None:
        return None
    return _state(session, poll)


def _state(session: Session, poll: Poll) -> PollState:
    repo = PollRepository(session)
    votes = repo.votes(poll.id)
    shown = poll_answers(anonymous=poll.anonymous, hidden_until_closed=poll.hide_votes, is_open=poll.is_open)
    managers = {person for person in (poll.creator_id, poll.decided_by) if person}
    members = MemberRepository(session).many(poll.team_id, {vote.user_id for vote in votes} | managers)
    by_option: dict[int, dict[str, list[str]]] = {}
    for vote in votes:
        by_option.setdefault(vote.option_id, {"yes": [], "maybe": [], "no": []})[vote.choice].append(vote.user_id)

    def names(user_ids: list[str]) -> tuple[str, ...]:
        return tuple(known_as(members.get(user_id)) for user_id in user_ids) if shown.names else ()

    options = []
    for option in repo.options(poll.id):
        answers = by_option.get(option.id, {"yes": [], "maybe": [], "no": []})
        organisations = sorted({
            org.strip() for user_id in answers["yes"]
            if (member := members.get(user_id)) is not None and (org := member.organisation) and org.strip()
        }, key=str.lower)
        options.append(OptionTally(
            id=option.id, position=option.position, label=option.label, starts_at=option.starts_at,
            duration=timedelta(minutes=option.duration_minutes) if option.duration_minutes else None,
            all_day=option.all_day, yes=len(answers["yes"]), maybe=len(answers["maybe"]), no=len(answers["no"]),
            yes_names=names(answers["yes"]), maybe_names=names(answers["maybe"]), no_names=names(answers["no"]),
            organisations=tuple(organisations) if shown.organisations else (),
            organisation_count=len(organisations),
        ))
    voters = {vote.user_id for vote in votes}
    invitees = repo.invitee_ids(poll.id)
    invited = invitees | voters if invitees else set()
    named = (voters if shown.names else set()) | managers
    return PollState(
        id=poll.id, team_id=poll.team_id, channel_id=poll.channel_id, message_ts=poll.message_ts,
        creator_id=poll.creator_id, title=poll.title, zone=zone(poll.timezone, ZoneInfo("UTC")),
        allow_if_need_be=poll.allow_if_need_be, hide_votes=poll.hide_votes, anonymous=poll.anonymous,
        deadline=poll.deadline, status=poll.status, closed_at=poll.closed_at, closed_by=poll.closed_by,
        decided_option_id=poll.decided_option_id, decided_by=poll.decided_by,
        decision_sequence=poll.decision_sequence, revision=poll.revision, options=tuple(options),
        creator_name=known_as(members.get(poll.creator_id)) if poll.creator_id else None,
        chooser_name=known_as(members.get(poll.decided_by)) if poll.decided_by else None,
        voters=len(voters), invited=len(invited), names_missing=any(person not in members for person in named),
    )


def unnamed_people(session: Session, team_id: str, poll_id: int) -> list[str]:
    """Whom the poll's message would name but Convene does not know yet (to ask Slack about)."""
    repo = PollRepository(session)
    poll = repo.get(team_id, poll_id)
    if poll is None:
        return []
    shown = poll_answers(anonymous=poll.anonymous, hidden_until_closed=poll.hide_votes, is_open=poll.is_open)
    people = {person for person in (poll.creator_id, poll.decided_by) if person}
    if shown.names:
        people |= repo.voter_ids(poll_id)
    known = MemberRepository(session).many(team_id, people)
    return sorted(person for person in people if person not in known)


def member_votes(session: Session, team_id: str, poll_id: int, user_id: str) -> dict[int, str]:
    """The member's choice per option ID."""
    if PollRepository(session).get(team_id, poll_id) is None:
        raise NotFound("That poll no longer exists.")
    return PollRepository(session).votes_of(poll_id, user_id)


# Voting -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteResult:
    changed: bool  # False when the member clicked what they had already chosen
    choice: str
    option_label: str
    revision: int
    private: bool  # the message will not show this member's answer (hidden until close, or anonymous)


def record_vote(
    session: Session, team_id: str, poll_id: int, option_id: int, user_id: str, choice: str, *, now: datetime
) -> VoteResult:
    """Record (or change) a member's answer to one option.

    The poll row is locked first, so votes on one poll and its closing happen one at a time and a
    vote never lands on a closed poll. Clicking the same answer again changes nothing.
    """
    repo = PollRepository(session)
    poll = repo.lock(team_id, poll_id)
    if poll is None:
        raise NotFound("That poll no longer exists.")
    if not poll.is_open:
        raise PollClosed("This poll has closed, so answers can't change any more.")
    if choice not in CHOICES or (choice == "maybe" and not poll.allow_if_need_be):
        raise InvalidInput("That is not one of this poll's answers.")
    option = repo.option(poll_id, option_id)
    if option is None:
        raise NotFound("That option is no longer in the poll.")
    vote = repo.vote(option_id, user_id)
    if vote is not None and vote.choice == choice:
        return VoteResult(False, choice, option.label, poll.revision, poll.hide_votes or poll.anonymous)
    if vote is None:
        session.add(PollVote(team_id=team_id, poll_id=poll_id, option_id=option_id, user_id=user_id,
                             choice=choice, voted_at=now, changed_at=now))
    else:
        vote.choice = choice
        vote.changed_at = now
    poll.revision += 1
    return VoteResult(True, choice, option.label, poll.revision, poll.hide_votes or poll.anonymous)


# Closing, reopening, deciding, deleting -----------------------------------------------------------


def can_manage(poll: Poll | PollState, user_id: str, *, is_coordinator: bool) -> bool:
    """The creator and coordinators may close, reopen, decide and delete."""
    return is_coordinator or (poll.creator_id is not None and poll.creator_id == user_id)


def _require_manager(poll: Poll, user_id: str, is_coordinator: bool, doing: str) -> None:
    if not can_manage(poll, user_id, is_coordinator=is_coordinator):
        raise NotAllowed(f"Sorry, only the person who made this poll or a coordinator can {doing} it.")


def _lock(session: Session, team_id: str, poll_id: int) -> Poll:
    poll = PollRepository(session).lock(team_id, poll_id)
    if poll is None:
        raise NotFound("That poll no longer exists.")
    return poll


def _close(poll: Poll, *, by: str | None, now: datetime) -> None:
    poll.status = "closed"
    poll.closed_at = now
    poll.closed_by = by
    poll.revision += 1


def close_poll(session: Session, team_id: str, poll_id: int, *, user_id: str, is_coordinator: bool,
               now: datetime) -> bool:
    """Close early (creator or coordinator). False when it was closed already."""
    poll = _lock(session, team_id, poll_id)
    _require_manager(poll, user_id, is_coordinator, "close")
    if not poll.is_open:
        return False
    _close(poll, by=user_id, now=now)
    return True


def close_at_deadline(session: Session, team_id: str, poll_id: int, *, now: datetime) -> PollState | None:
    """Close the poll if its deadline has come; the closed poll, or None when there was nothing to do."""
    poll = PollRepository(session).lock(team_id, poll_id)
    if poll is None or not poll.is_open or poll.deadline is None or poll.deadline > now:
        return None
    _close(poll, by=None, now=now)
    return _state(session, poll)


def reopen_poll(session: Session, team_id: str, poll_id: int, *, user_id: str, is_coordinator: bool,
                deadline: datetime | None, now: datetime, reminder_lead: timedelta) -> Poll:
    """Open a closed poll again, with a new deadline (or none)."""
    poll = _lock(session, team_id, poll_id)
    _require_manager(poll, user_id, is_coordinator, "reopen")
    if poll.status == "decided":
        raise InvalidInput("The final date has been chosen already. To pick another one, use *Change final date*.")
    if poll.is_open:
        raise InvalidInput("This poll is open already.")
    if deadline is not None and deadline <= now:
        raise InvalidInput("That deadline has passed.", example="Fri 27 Nov 5pm")
    poll.status = "open"
    poll.closed_at = None
    poll.closed_by = None
    poll.deadline = deadline
    poll.remind_at = reminder_time(deadline, now=now, lead=reminder_lead)
    poll.revision += 1
    return poll


def ensure_manager(session: Session, team_id: str, poll_id: int, *, user_id: str, is_coordinator: bool,
                   doing: str) -> PollState:
    """The poll, if this member may manage it; NotAllowed otherwise."""
    poll = PollRepository(session).get(team_id, poll_id)
    if poll is None:
        raise NotFound("That poll no longer exists.")
    _require_manager(poll, user_id, is_coordinator, doing)
    return _state(session, poll)


def decide_poll(session: Session, team_id: str, poll_id: int, option_id: int, *, user_id: str,
                is_coordinator: bool, now: datetime) -> bool:
    """Choose the final option (closing the poll if it is still open). False if it was chosen already."""
    poll = _lock(session, team_id, poll_id)
    _require_manager(poll, user_id, is_coordinator, "choose the final date of")
    if PollRepository(session).option(poll_id, option_id) is None:
        raise NotFound("That option is no longer in the poll.")
    if poll.status == "decided" and poll.decided_option_id == option_id:
        return False
    if poll.is_open:
        _close(poll, by=user_id, now=now)
    poll.status = "decided"
    poll.decided_option_id = option_id
    poll.decided_at = now
    poll.decided_by = user_id
    poll.decision_sequence += 1
    poll.revision += 1
    return True


@dataclass(frozen=True)
class DeletedPoll:
    channel_id: str
    message_ts: str | None
    title: str


def delete_poll(session: Session, team_id: str, poll_id: int, *, user_id: str, is_coordinator: bool) -> DeletedPoll:
    poll = _lock(session, team_id, poll_id)
    _require_manager(poll, user_id, is_coordinator, "delete")
    deleted = DeletedPoll(poll.channel_id, poll.message_ts, poll.title)
    PollRepository(session).delete(poll)
    return deleted


# Reminders --------------------------------------------------------------------------------------


def reminder_recipients(session: Session, team_id: str, poll_id: int, audience: Iterable[str], *,
                        now: datetime, home: ZoneInfo) -> list[str]:
    """Who gets the before-the-deadline reminder: channel members who have not answered and are not away.

    `audience` is the channel's people now (no bots, no deactivated accounts), so someone who joined
    since the poll was posted is reminded too; the poll's "N of M answered" keeps the M it started
    with, so it moves only when someone answers.
    """
    repo = PollRepository(session)
    poll = repo.get(team_id, poll_id)
    if poll is None or not poll.is_open:
        return []
    audience = list(dict.fromkeys(audience))
    voted = repo.voter_ids(poll_id)
    return present(session, team_id, [user_id for user_id in audience if user_id not in voted], at=now, home=home)


@dataclass(frozen=True)
class Meeting:
    """A decided poll: what, when and where it was decided."""

    poll_id: int
    team_id: str
    title: str
    channel_id: str
    message_ts: str | None
    option_id: int
    starts_at: datetime
    duration: timedelta | None
    all_day: bool
    zone: ZoneInfo
    sequence: int
    decided_at: datetime | None

    @property
    def ends_at(self) -> datetime:
        if self.all_day:
            return self.starts_at + timedelta(days=1)
        return self.starts_at + (self.duration or DEFAULT_DURATION)

    def reminder_at(self) -> datetime:
        """The day before: 24 h ahead, or 9:00 the day before a whole-day meeting."""
        if self.all_day:
            local_day = self.starts_at.astimezone(self.zone).date() - timedelta(days=1)
            local = datetime(local_day.year, local_day.month, local_day.day, ALL_DAY_REMINDER_HOUR, tzinfo=self.zone)
            return local.astimezone(self.starts_at.tzinfo)
        return self.starts_at - timedelta(days=1)


def _meeting(poll: Poll, option: PollOption) -> Meeting:
    return Meeting(
        poll_id=poll.id, team_id=poll.team_id, title=poll.title, channel_id=poll.channel_id,
        message_ts=poll.message_ts, option_id=option.id, starts_at=option.starts_at,
        duration=timedelta(minutes=option.duration_minutes) if option.duration_minutes else None,
        all_day=option.all_day, zone=zone(poll.timezone, ZoneInfo("UTC")), sequence=poll.decision_sequence,
        decided_at=poll.decided_at,
    )


def meeting(session: Session, team_id: str, poll_id: int) -> Meeting | None:
    """The decided meeting of a poll, or None if it has not been decided."""
    repo = PollRepository(session)
    poll = repo.get(team_id, poll_id)
    if poll is None or poll.status != "decided" or poll.decided_option_id is None:
        return None
    option = repo.option(poll_id, poll.decided_option_id)
    return None if option is None else _meeting(poll, option)


def attendees(session: Session, team_id: str, poll_id: int, option_id: int) -> list[str]:
    """Who said Yes or If need be to the chosen option, still active in the workspace."""
    repo = PollRepository(session)
    poll = repo.get(team_id, poll_id)
    if poll is None or poll.status != "decided" or poll.decided_option_id != option_id:
        return []
    coming = [vote.user_id for vote in repo.votes(poll_id) if vote.option_id == option_id and vote.choice != "no"]
    members = MemberRepository(session).many(team_id, coming)
    return [user_id for user_id in coming
            if (member := members.get(user_id)) is None or not (member.deleted or member.is_bot)]


# Queries for lists, the App Home and the digest ---------------------------------------------------


@dataclass(frozen=True)
class OpenPollSummary:
    poll_id: int
    title: str
    channel_id: str
    message_ts: str | None
    deadline: datetime | None
    voters: int
    invited: int

    @property
    def response_rate(self) -> float | None:
        """Share of the members asked who have answered, 0..1 (None when nobody was asked)."""
        return self.voters / self.invited if self.invited else None


def _summaries(counted: list[CountedPoll]) -> list[OpenPollSummary]:
    return [OpenPollSummary(poll.id, poll.title, poll.channel_id, poll.message_ts, poll.deadline, voters, invited)
            for poll, voters, invited in counted]


def open_polls(session: Session, team_id: str, *, channel_id: str | None = None) -> list[OpenPollSummary]:
    """Open polls (of one channel, or all), soonest deadline first, with their response rates."""
    return _summaries(PollRepository(session).open_with_counts(team_id, channel_id))


def awaiting_vote(session: Session, team_id: str, user_id: str) -> list[OpenPollSummary]:
    """Open polls the member was asked to answer and has not."""
    return _summaries(PollRepository(session).awaiting_with_counts(team_id, user_id))


def upcoming_meetings(session: Session, team_id: str, *, now: datetime) -> list[Meeting]:
    """Decided polls whose date is still ahead (a whole-day meeting counts until its day ends)."""
    rows = PollRepository(session).decided_with_options(team_id, starting_after=now - timedelta(days=1))
    return [meeting for meeting in (_meeting(poll, option) for poll, option in rows) if meeting.ends_at > now]


def next_meeting(session: Session, team_id: str, *, now: datetime) -> Meeting | None:
    meetings = upcoming_meetings(session, team_id, now=now)
    return meetings[0] if meetings else None


def decided_since(session: Session, team_id: str, *, since: datetime, now: datetime) -> list[Meeting]:
    """Meetings decided since `since` (for "this week's decisions") that have not happened yet."""
    return [meeting for meeting in upcoming_meetings(session, team_id, now=now)
            if meeting.decided_at is not None and meeting.decided_at >= since]


def unrendered(session: Session, *, quiet_since: datetime) -> list[tuple[str, int]]:
    """(team, poll) of messages behind the database that nobody has changed since `quiet_since`."""
    return [(poll.team_id, poll.id) for poll in PollRepository(session).unrendered(changed_before=quiet_since)]


# Personal data ----------------------------------------------------------------------------------


def export_poll_data(session: Session, team_id: str, user_id: str) -> PersonalData:
    """The member's votes and the polls they created."""
    repo = PollRepository(session)
    records: list[dict[str, Any]] = []
    for vote, option, poll in repo.votes_by_member(team_id, user_id):
        records.append({
            "vote": CHOICE_LABELS[vote.choice], "poll": poll.title, "poll_id": poll.id,
            "option": option.label, "option_starts_at": option.starts_at.isoformat(), "all_day": option.all_day,
            "voted_at": vote.voted_at.isoformat(), "changed_at": vote.changed_at.isoformat(),
        })
    for poll in repo.created_by(team_id, user_id):
        records.append({
            "created_poll": poll.title, "poll_id": poll.id, "channel_id": poll.channel_id, "status": poll.status,
            "created_at": poll.created_at.isoformat(), "deadline": poll.deadline.isoformat() if poll.deadline else None,
        })
    return PersonalData("Polls", records)


def forget_poll_data(session: Session, team_id: str, user_id: str) -> int:
    """Delete the member's votes; polls they created, closed or decided stay for the group but no
    longer name them.

    Every poll whose message may show them is marked changed, so its message is re-rendered
    without them (at once after forget-me, else by `bot.jobs.polls.refresh_unrendered`).
    """
    repo = PollRepository(session)
    naming = repo.naming(team_id, user_id)
    deleted, _voted_in = repo.delete_votes_of(team_id, user_id)
    created = 0
    for poll in naming:
        created += poll.creator_id == user_id
        if poll.creator_id == user_id:
            poll.creator_id = None
        if poll.decided_by == user_id:
            poll.decided_by = None
        if poll.closed_by == user_id:
            poll.closed_by = None
    repo.forget_invitee(team_id, user_id)
    session.flush()
    repo.touch(poll.id for poll in naming)
    return deleted + created


def redraw_after_forgetting(session: Session, team_id: str, user_id: str) -> Redraw:
    """Poll messages that may show the member, and the announcements that say they chose the date."""
    naming = PollRepository(session).naming(team_id, user_id)
    announcements = DispatchLedger(session).sent_under(
        team_id, [f"poll-decision:{poll.id}:" for poll in naming if poll.decided_by == user_id])
    return Redraw(polls={poll.id for poll in naming if poll.message_ts}, messages=announcements)
