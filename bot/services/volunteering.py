"""Calls for volunteers: asking, signing up, closing when enough have, at the deadline or by hand.

Every change to a call happens with the call locked (`VolunteerCallRepository.lock`), so the last
places cannot be taken twice however many people click at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timezone
from typing import Literal
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser
from sqlalchemy.orm import Session

from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.personal_data import PersonalData, Redraw
from bot.text import QuoteError, split_args
from storage.models import VolunteerCall, VolunteerResponse
from storage.models.volunteering import MAX_PEOPLE_NEEDED, MAX_TASK_LENGTH
from storage.repositories.ledger import DispatchLedger
from storage.repositories.volunteering import VolunteerCallRepository, VolunteerResponseRepository

EXAMPLE = '/volunteer "Draft the scope document" 2 by Fri 4 Dec'
# A deadline given as a day ("by Fri 4 Dec") means by the end of that day.
END_OF_DAY = time(23, 59)

Answer = Literal["help", "cant"]


@dataclass(frozen=True)
class CallRequest:
    task: str
    needed: int
    deadline: datetime | None


@dataclass(frozen=True)
class CallState:
    """A call and its answers, as a message or a list shows it."""

    id: int
    team_id: str
    channel_id: str
    message_ts: str | None
    task: str
    needed: int
    created_by: str | None
    created_at: datetime
    deadline: datetime | None
    status: str
    close_reason: str | None
    closed_at: datetime | None
    closed_by: str | None
    version: int
    helpers: tuple[str, ...]  # in the order they signed up
    cant: tuple[str, ...]

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def places_left(self) -> int:
        return max(self.needed - len(self.helpers), 0)


# Reading the command


_NUMBER = re.compile(r"^\d{1,4}$")
_WITH_NUMBER = re.compile(r"^(?P<task>.+?)\s+(?P<needed>\d{1,4})(?:\s+by\s+(?P<by>.+))?$", re.IGNORECASE | re.DOTALL)
_LAST_BY = re.compile(r"^(?P<task>.+)\s+by\s+(?P<by>.+?)$", re.IGNORECASE | re.DOTALL)


class UnreadableDate(InvalidInput):
    """The text is not a date at all (as opposed to a date that cannot be used)."""


def parse_call(text: str, *, zone: ZoneInfo, now: datetime) -> CallRequest:
    """`"Draft the scope document" 2 by Fri 4 Dec` → task, people needed (1 if not said), deadline.

    The task can be quoted (straight or curly quotes) or not. Unquoted, a number at the end is how
    many people are needed and `by …` after it the deadline; without a number, a last `by …` is the
    deadline only if it reads as a date ("Stand by the stall" is a task). The deadline is read in `zone`.
    """
    text = re.sub(r"\s+", " ", text or "").strip()
    if not text:
        raise InvalidInput("Say what needs doing and how many people it needs.", example=EXAMPLE)
    deadline: datetime | None = None
    if text[0] in "\"“”„«":
        task, needed_text, by_text = _quoted_parts(text)
    elif (match := _WITH_NUMBER.match(text)) is not None:
        task, needed_text, by_text = match["task"], match["needed"], match["by"]
    else:
        task, needed_text, by_text = text, None, None
        if (match := _LAST_BY.match(text)) is not None:
            try:
                deadline = read_deadline(match["by"], zone=zone, now=now)
                task = match["task"]
            except UnreadableDate:
                pass
    task = task.strip()
    if not task:
        raise InvalidInput("Say what needs doing.", example=EXAMPLE)
    if len(task) > MAX_TASK_LENGTH:
        raise InvalidInput(f"Keep the task under {MAX_TASK_LENGTH} characters; details can go in a thread.",
                           example=EXAMPLE)
    needed = parse_needed(needed_text) if needed_text is not None else 1
    if by_text:
        deadline = read_deadline(by_text, zone=zone, now=now)
    return CallRequest(task=task, needed=needed, deadline=deadline)


class CallFormInvalid(InvalidInput):
    """Some fields of the *Call for volunteers* form cannot be used; `fields` maps task, needed and
    deadline to why."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__(" ".join(fields.values()))


def read_call_form(task: str | None, needed: str | None, deadline: str | None, *, zone: ZoneInfo,
                   now: datetime) -> CallRequest:
    """The form's answers as a call: the same rules as `/volunteer "task" N by <date>`."""
    errors: dict[str, str] = {}
    task = re.sub(r"\s+", " ", task or "").strip()
    if not task:
        errors["task"] = "Say what needs doing."
    elif len(task) > MAX_TASK_LENGTH:
        errors["task"] = f"Keep the task under {MAX_TASK_LENGTH} characters; details can go in a thread."
    count = 1
    try:
        count = parse_needed(needed if needed not in (None, "") else 1)
    except InvalidInput as error:
        errors["needed"] = error.message
    when = None
    if deadline and deadline.strip():
        try:
            when = read_deadline(deadline, zone=zone, now=now)
        except InvalidInput as error:
            errors["deadline"] = error.message
    if errors:
        raise CallFormInvalid(errors)
    return CallRequest(task=task, needed=count, deadline=when)


def _quoted_parts(text: str) -> tuple[str, str | None, str | None]:
    try:
        args = split_args(text)
    except QuoteError:
        raise InvalidInput("A quote around the task is never closed.", example=EXAMPLE) from None
    task, rest = args[0], args[1:]
    needed_text = rest.pop(0) if rest and _NUMBER.match(rest[0]) else None
    if not rest:
        return task, needed_text, None
    if rest[0].lower() != "by":
        raise InvalidInput(f"I could not read “{' '.join(rest)}” after the task: put how many people are needed "
                           "after it, then `by` and a date if there is a deadline.", example=EXAMPLE)
    if len(rest) == 1:
        raise InvalidInput("Say when the call closes after `by`.", example=EXAMPLE)
    return task, needed_text, " ".join(rest[1:])


def parse_needed(text: str | int | None) -> int:
    """How many people a call needs: a whole number from 1 to 100."""
    try:
        needed = int(str(text).strip())
    except (TypeError, ValueError):
        raise InvalidInput(f"“{text}” is not a number of people.", example=EXAMPLE) from None
    if not 1 <= needed <= MAX_PEOPLE_NEEDED:
        raise InvalidInput(f"A call can ask for 1 to {MAX_PEOPLE_NEEDED} people.", example=EXAMPLE)
    return needed


_WEEKDAY_NAMES = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4, "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def read_deadline(text: str, *, zone: ZoneInfo, now: datetime) -> datetime:
    """A deadline typed by a member, read in their time zone (PRODUCT.md, "Times and dates").

    English, dates preferred in the future, day first (`4/12` is 4 December). A day without a time
    means the end of that day. A weekday that contradicts the date, a time in the past, or
    something unreadable is refused, naming what was typed.
    """
    typed = text.strip()
    local_now = now.astimezone(zone)
    parser = DateDataParser(languages=["en"], settings={
        "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "DMY",
        "RETURN_TIME_AS_PERIOD": True,
        "RELATIVE_BASE": local_now.replace(tzinfo=None),
    })
    data = parser.get_date_data(typed)
    if data.date_obj is None:
        raise UnreadableDate(f"I could not read “{typed}” as a date.", example=EXAMPLE)
    local = data.date_obj.replace(tzinfo=None)
    named = [_WEEKDAY_NAMES[word] for word in re.findall(r"[a-z]+", typed.lower()) if word in _WEEKDAY_NAMES]
    if named and local.weekday() not in named:
        raise InvalidInput(f"“{typed}”: {local.day} {local:%B} is a {_DAY_NAMES[local.weekday()]}, "
                           f"not a {_DAY_NAMES[named[0]]}.", example=EXAMPLE)
    if data.period != "time":
        local = datetime.combine(local.date(), END_OF_DAY)
    deadline = local.replace(tzinfo=zone).astimezone(timezone.utc)
    if deadline <= now:
        raise InvalidInput(f"“{typed}” is in the past.", example=EXAMPLE)
    return deadline


# Changing calls


def create_call(session: Session, team_id: str, channel_id: str, user_id: str, request: CallRequest, *,
                now: datetime) -> CallState:
    call = VolunteerCallRepository(session).add(VolunteerCall(
        team_id=team_id, channel_id=channel_id, task=request.task, needed=request.needed, created_by=user_id,
        deadline=request.deadline, status="open", version=1,
    ))
    return _state(session, call)


def attach_message(session: Session, team_id: str, call_id: int, message_ts: str) -> None:
    call = _require(VolunteerCallRepository(session).lock(team_id, call_id))
    call.message_ts = message_ts


def discard_call(session: Session, team_id: str, call_id: int) -> None:
    """Remove a call whose message could not be posted, so nothing is left half-made."""
    VolunteerCallRepository(session).delete(team_id, call_id)


Outcome = Literal["signed_up", "already_signed_up", "full", "closed", "declined", "already_declined", "withdrew"]


@dataclass(frozen=True)
class Answered:
    outcome: Outcome
    state: CallState
    filled_now: bool = False  # this answer took the last place and closed the call


def answer(session: Session, team_id: str, call_id: int, user_id: str, given: Answer, *, now: datetime) -> Answered:
    """Record *I'll help* or *Can't this time*. Taking the last place closes the call.

    *Can't this time* from someone signed up takes them off the call while it is open. Answers to a
    closed call change nothing.
    """
    calls = VolunteerCallRepository(session)
    responses = VolunteerResponseRepository(session)
    call = _require(calls.lock(team_id, call_id))
    current = responses.get(call.id, user_id)
    if call.status != "open":
        if given == "help" and current is not None and current.answer == "help":
            return Answered("already_signed_up", _state(session, call))
        outcome: Outcome = "full" if call.close_reason == "filled" and given == "help" else "closed"
        return Answered(outcome, _state(session, call))
    if given == "help":
        if current is not None and current.answer == "help":
            return Answered("already_signed_up", _state(session, call))
        helpers = sum(1 for r in responses.for_call(call.id) if r.answer == "help")
        if helpers >= call.needed:  # only if a close was lost; never take more than asked
            _close(call, reason="filled", by=None, now=now)
            call.version += 1
            return Answered("full", _state(session, call))
        _set_answer(responses, current, call, user_id, "help", now)
        filled = helpers + 1 >= call.needed
        if filled:
            _close(call, reason="filled", by=None, now=now)
        call.version += 1
        return Answered("signed_up", _state(session, call), filled_now=filled)
    if current is not None and current.answer == "cant":
        return Answered("already_declined", _state(session, call))
    withdrew = current is not None and current.answer == "help"
    _set_answer(responses, current, call, user_id, "cant", now)
    call.version += 1
    return Answered("withdrew" if withdrew else "declined", _state(session, call))


def _set_answer(responses: VolunteerResponseRepository, current: VolunteerResponse | None, call: VolunteerCall,
                user_id: str, given: Answer, now: datetime) -> None:
    if current is None:
        responses.add(VolunteerResponse(team_id=call.team_id, call_id=call.id, user_id=user_id, answer=given,
                                        answered_at=now))
    else:
        current.answer = given
        current.answered_at = now


def _close(call: VolunteerCall, *, reason: str, by: str | None, now: datetime) -> None:
    call.status = "closed"
    call.close_reason = reason
    call.closed_at = now
    call.closed_by = by


def may_manage(call: CallState, user_id: str, *, is_coordinator: bool) -> bool:
    """The poster and coordinators can close or extend a call."""
    return is_coordinator or (call.created_by is not None and call.created_by == user_id)


def require_manager(call: CallState, user_id: str, *, is_coordinator: bool) -> None:
    """NotAllowed unless the person may close or change the call."""
    if not may_manage(call, user_id, is_coordinator=is_coordinator):
        who = f"<@{call.created_by}>, who posted it," if call.created_by else "the person who posted it"
        raise NotAllowed(f"Only {who} or a coordinator can close or change this call.")


def close_call(session: Session, team_id: str, call_id: int, user_id: str, *, is_coordinator: bool,
               now: datetime) -> tuple[CallState, bool]:
    """Close a call by hand; returns the call and whether this closed it (False: it already was)."""
    call = _require(VolunteerCallRepository(session).lock(team_id, call_id))
    require_manager(_state(session, call), user_id, is_coordinator=is_coordinator)
    if call.status != "open":
        return _state(session, call), False
    _close(call, reason="closed", by=user_id, now=now)
    call.version += 1
    return _state(session, call), True


def extend_call(session: Session, team_id: str, call_id: int, user_id: str, *, needed: int,
                deadline: datetime | None, is_coordinator: bool, now: datetime) -> tuple[CallState, bool]:
    """Change how many people a call needs and when it closes; reopens a closed call that now has room.

    Returns the call and whether this change closed it (asking for no more people than have signed up).
    """
    call = _require(VolunteerCallRepository(session).lock(team_id, call_id))
    state = _state(session, call)
    require_manager(state, user_id, is_coordinator=is_coordinator)
    needed = parse_needed(needed)
    if needed < len(state.helpers):
        raise InvalidInput(f"{len(state.helpers)} people have already signed up; ask for at least "
                           f"{len(state.helpers)}.")
    if deadline is not None and deadline <= now:
        raise InvalidInput("The new deadline is in the past.")
    call.needed = needed
    call.deadline = deadline
    closed_now = False
    if len(state.helpers) >= needed:
        if call.status == "open":
            _close(call, reason="filled", by=None, now=now)
            closed_now = True
    elif call.status != "open":
        call.status, call.close_reason, call.closed_at, call.closed_by = "open", None, None, None
    call.version += 1
    return _state(session, call), closed_now


def close_at_deadline(session: Session, team_id: str, call_id: int, *, now: datetime) -> tuple[CallState | None, bool]:
    """The deadline job's work: close the call if it is open and its deadline has come.

    Returns the call (None if it is gone) and whether this run closed it; running it twice, or after
    the call filled or was extended, changes nothing.
    """
    call = VolunteerCallRepository(session).lock(team_id, call_id)
    if call is None:
        return None, False
    if call.status != "open" or call.deadline is None or call.deadline > now:
        return _state(session, call), False
    _close(call, reason="deadline", by=None, now=now)
    call.version += 1
    return _state(session, call), True


# Reading calls


def call_state(session: Session, team_id: str, call_id: int) -> CallState:
    return _state(session, _require(VolunteerCallRepository(session).get(team_id, call_id)))


def open_calls(session: Session, team_id: str) -> list[CallState]:
    """Open calls, newest first: for `/volunteer list`, the App Home and the weekly digest."""
    return [_build(call, responses)
            for call, responses in VolunteerCallRepository(session).open_calls_with_responses(team_id)]


def _require(call: VolunteerCall | None) -> VolunteerCall:
    if call is None:
        raise NotFound("That call for volunteers no longer exists.")
    return call


def _state(session: Session, call: VolunteerCall) -> CallState:
    session.flush()
    return _build(call, VolunteerResponseRepository(session).for_call(call.id))


def _build(call: VolunteerCall, responses: Iterable[VolunteerResponse]) -> CallState:
    rows = list(responses)
    return CallState(
        id=call.id, team_id=call.team_id, channel_id=call.channel_id, message_ts=call.message_ts, task=call.task,
        needed=call.needed, created_by=call.created_by, created_at=call.created_at, deadline=call.deadline,
        status=call.status, close_reason=call.close_reason, closed_at=call.closed_at, closed_by=call.closed_by,
        version=call.version,
        helpers=tuple(r.user_id for r in rows if r.answer == "help"),
        cant=tuple(r.user_id for r in rows if r.answer == "cant"),
    )


# Personal data and warming up (listed in `bot.areas`)


def export_personal_data(session: Session, team_id: str, user_id: str) -> PersonalData:
    """The member's answers to calls, and the calls they posted."""
    records: list[dict[str, object]] = []
    for response, call in VolunteerResponseRepository(session).by_member(team_id, user_id):
        records.append({"call": call.task, "answer": "I'll help" if response.answer == "help" else "Can't this time",
                        "answered_at": response.answered_at.isoformat()})
    for call in VolunteerCallRepository(session).posted_by(team_id, user_id):
        records.append({"posted_call": call.task, "people_needed": call.needed,
                        "posted_at": call.created_at.isoformat(), "status": call.status})
    return PersonalData("Volunteering", records)


def forget_personal_data(session: Session, team_id: str, user_id: str) -> int:
    """Delete the member's answers; calls they posted stay with the group without their name.

    Every call that showed them changes version, so its message is redrawn without them.
    """
    calls = VolunteerCallRepository(session)
    for call in calls.naming(team_id, user_id):
        call.version += 1
    return VolunteerResponseRepository(session).forget_member(team_id, user_id) + calls.forget_member(team_id, user_id)


def redraw_after_forgetting(session: Session, team_id: str, user_id: str) -> Redraw:
    """Calls whose message shows the member, and the thank-you replies that named them."""
    naming = VolunteerCallRepository(session).naming(team_id, user_id)
    helped = {response.call_id for response, _call in VolunteerResponseRepository(session).by_member(team_id, user_id)
              if response.answer == "help"}
    thanks = DispatchLedger(session).sent_under(team_id, [f"volunteer-closed:{call_id}:" for call_id in helped])
    return Redraw(calls={call.id for call in naming if call.message_ts}, messages=thanks)


def warm_up() -> None:
    """dateparser loads its language data on first use, which takes a second or more."""
    read_deadline("tomorrow at noon", zone=ZoneInfo("UTC"), now=datetime(2000, 1, 1, tzinfo=timezone.utc))
