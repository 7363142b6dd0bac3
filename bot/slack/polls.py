"""Poll messages in Slack: posting them, keeping them in step with the votes, announcing decisions.

Keeping a message in step under a burst of clicks
-------------------------------------------------
Every vote commits first (bumping the poll's `revision` in the same transaction) and then asks
`PollRefresher` for a refresh. Per poll and per process, `UpdateCoalescer` keeps at most one
refresh running: a request that arrives meanwhile only marks the poll dirty, and the running
refresh goes round once more, re-reading the database, after the current `chat.update` has
finished and at least `UPDATE_SPACING_SECONDS` after the previous round began. Fifty clicks in a
second therefore cost two or three updates, and the last round always starts after the last
vote committed.

Several gunicorn workers each coalesce only their own clicks: a burst spread over N workers may
cost up to N times the updates, and their updates may reach Slack out of order. So every round
compares the revision it rendered with the database's after its update has landed, and goes
round again if they differ. Whichever update lands last, its worker has re-checked the database
after it, so the message ends on the database's tally. A round that failed (Slack down, a crash)
leaves `rendered_revision` behind `revision`, and the clock's sweep
(`bot.jobs.polls.refresh_unrendered`) repairs the message once the poll has been quiet a minute.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.services import poll_calendar, polls
from bot.services.errors import NotFound
from bot.slack.client import Sleep
from bot.slack.directory import MemberDirectory
from bot.slack.messages import OnceSender, open_dm, post_findable
from bot.views import polls as views
from storage.db import Database
from storage.repositories.polls import PollRepository

logger = logging.getLogger(__name__)

# Slack asks apps to keep to about one message write per second per channel; a poll under a burst of
# clicks is updated at most this often.
UPDATE_SPACING_SECONDS = 1.0
# `refresh` goes round again while the revision keeps moving; past this many rounds it stops and
# leaves the rest to the next change or to the clock's sweep.
MAX_ROUNDS = 50
POLL_EVENT = "convene_poll"
GONE = ("message_not_found", "channel_not_found", "is_archived", "cant_update_message")


class PollMessages:
    """Renders polls from the database into their Slack messages."""

    def __init__(self, client: WebClient, db: Database, directory: MemberDirectory, sender: OnceSender,
                 clock: Clock) -> None:
        self.client = client
        self.db = db
        self.directory = directory
        self.sender = sender
        self.clock = clock

    def state(self, team_id: str, poll_id: int) -> polls.PollState | None:
        with self.db.unit_of_work() as session:
            return polls.load_state(session, team_id, poll_id)

    def fresh_state(self, team_id: str, poll_id: int) -> polls.PollState | None:
        """The poll, after making sure everyone it names has a name to show."""
        state = self.state(team_id, poll_id)
        if state is None or not state.names_missing:
            return state
        with self.db.unit_of_work() as session:
            unnamed = polls.unnamed_people(session, team_id, poll_id)
        if unnamed:
            self.directory.ensure_many(team_id, unnamed)
        return self.state(team_id, poll_id)

    def post(self, team_id: str, poll_id: int) -> str:
        """Post a new poll's message and remember where it is; returns its ts."""
        state = self.fresh_state(team_id, poll_id)
        if state is None:
            raise NotFound("That poll no longer exists.")
        text, blocks = views.poll_message(state)
        response = post_findable(self.client, channel=state.channel_id, text=text, blocks=blocks,
                                 event_type=POLL_EVENT, payload={"poll_id": poll_id}, since=self.clock())
        ts = response["ts"]
        with self.db.unit_of_work() as session:
            polls.set_message(session, team_id, poll_id, ts)
            PollRepository(session).mark_rendered(poll_id, state.revision)
        return ts

    def update(self, team_id: str, poll_id: int) -> int | None:
        """Render the poll as the database has it now into its message; the revision shown, or None
        when there is no message to update (the poll or its message is gone)."""
        state = self.fresh_state(team_id, poll_id)
        if state is None or state.message_ts is None:
            return None
        text, blocks = views.poll_message(state)
        try:
            self.client.chat_update(channel=state.channel_id, ts=state.message_ts, text=text, blocks=blocks)
        except SlackApiError as error:
            if error.response.get("error") in GONE:
                logger.warning("Poll %s's message is gone (%s); not updating it", poll_id, error.response.get("error"))
                return None
            raise
        with self.db.unit_of_work() as session:
            PollRepository(session).mark_rendered(poll_id, state.revision)
        return state.revision

    def revision(self, poll_id: int) -> int | None:
        with self.db.unit_of_work() as session:
            return PollRepository(session).revision(poll_id)

    def refresh(self, team_id: str, poll_id: int) -> int:
        """Update the message until it shows the latest revision; returns how many updates it took.

        For jobs and one-off changes; clicks go through `UpdateCoalescer`, which spaces the rounds.
        """
        for round_ in range(1, MAX_ROUNDS + 1):
            shown = self.update(team_id, poll_id)
            if shown is None:
                return round_ - 1
            if self.revision(poll_id) in (None, shown):
                return round_
        logger.warning("Poll %s kept changing while its message was updated; the next refresh will catch up", poll_id)
        return MAX_ROUNDS

    # Forms and one-line answers for the /meet listeners

    def open_form(self, trigger_id: str, view: dict[str, object]) -> None:
        self.client.views_open(trigger_id=trigger_id, view=view)

    def update_form(self, view_id: str, view: dict[str, object]) -> None:
        self.client.views_update(view_id=view_id, view=view)

    def tell(self, user_id: str, text: str) -> None:
        """A line to one member in a DM (a form's submission has nowhere else to answer)."""
        self.client.chat_postMessage(channel=open_dm(self.client, user_id), text=text)

    def delete_message(self, channel_id: str, message_ts: str) -> None:
        """Take a deleted poll's message out of the channel (already gone is fine)."""
        try:
            self.client.chat_delete(channel=channel_id, ts=message_ts)
        except SlackApiError as error:
            if error.response.get("error") != "message_not_found":
                raise

    def permalink(self, channel_id: str, message_ts: str | None) -> str | None:
        if not message_ts:
            return None
        try:
            return self.client.chat_getPermalink(channel=channel_id, message_ts=message_ts)["permalink"]
        except SlackApiError as error:
            logger.warning("No permalink for %s/%s: %s", channel_id, message_ts, error.response.get("error"))
            return None

    def announce_decision(self, team_id: str, poll_id: int) -> bool:
        """Post the final date and its .ics file in the poll's channel, once per decision."""
        state = self.fresh_state(team_id, poll_id)
        with self.db.unit_of_work() as session:
            meeting = polls.meeting(session, team_id, poll_id)
        if state is None or meeting is None:
            return False
        permalink = self.permalink(state.channel_id, state.message_ts)
        text, blocks = views.decision_message(state, state.chooser_name, permalink)
        key = f"poll-decision:{poll_id}:{meeting.sequence}"
        self.sender.post(team_id, key, channel=state.channel_id, text=text, blocks=blocks)
        content = poll_calendar.meeting_ics(
            meeting, stamp=meeting.decided_at or self.clock(), url=permalink,
            description=f"Chosen with Convene from the poll “{state.title}”.",
        )
        self.sender.send(team_id, f"poll-ics:{poll_id}:{meeting.sequence}", lambda: self.client.files_upload_v2(
            channel=state.channel_id, content=content, filename=poll_calendar.ics_filename(state.title),
            title=f"{state.title} (calendar file)", initial_comment=views.ics_comment(state.title),
        ).data)  # type: ignore[arg-type, return-value]
        return True


class RenderedMessages(Protocol):
    """Messages kept in step with a revision counter (polls, proposals): what `PollRefresher` drives."""

    def revision(self, item_id: int) -> int | None: ...

    def update(self, team_id: str, item_id: int) -> int | None: ...


@dataclass
class _Pending:
    dirty: bool = True
    last_started: float = field(default=float("-inf"))


class PollRefresher:
    """Refreshes poll messages after clicks: coalesced per poll, spaced out, never behind the database.

    Proposals use it too: anything with `revision(id)` and `update(team_id, id)` (`RenderedMessages`).

    One round renders the poll and updates its message. If the revision moved during the update
    (a vote in this or another worker), it asks for another round, which the coalescer runs after
    the spacing. A round finds nothing to do when this process's last update already showed the
    current revision: any other process whose older render landed later re-checks on its own.
    """

    def __init__(self, messages: RenderedMessages, executor: Executor, *, spacing: float = UPDATE_SPACING_SECONDS,
                 sleep: Sleep = time.sleep) -> None:
        self.messages = messages
        self.coalescer = UpdateCoalescer(executor, self._round, spacing=spacing, sleep=sleep)
        self._shown: dict[tuple[str, int], int] = {}

    def request(self, team_id: str, poll_id: int) -> None:
        """Refresh the poll's message after everything committed so far."""
        self.coalescer.request((team_id, poll_id))

    def _round(self, key: tuple[str, int]) -> None:
        team_id, poll_id = key
        current = self.messages.revision(poll_id)
        if current is None or self._shown.get(key) == current:
            return
        shown = self.messages.update(team_id, poll_id)
        if shown is None:
            self._shown.pop(key, None)
            return
        self._shown[key] = shown
        if self.messages.revision(poll_id) not in (None, shown):
            self.coalescer.request(key)


class UpdateCoalescer:
    """At most one refresh per key running in this process; requests during it just mark it dirty.

    `work(key)` must re-read the state it renders, since one call stands in for every request made
    before it started. Runs on `executor`, so `WorkExecutor.wait_idle()` (and `bot.drain()` in tests)
    waits for it.
    """

    def __init__(self, executor: Executor, work: Callable[[tuple[str, int]], object], *,
                 spacing: float = UPDATE_SPACING_SECONDS, sleep: Sleep = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.executor = executor
        self.work = work
        self.spacing = spacing
        self.sleep = sleep
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, int], _Pending] = {}
        self._last: dict[tuple[str, int], float] = {}

    def request(self, key: tuple[str, int]) -> None:
        """Ask for `key` to be refreshed after everything committed so far."""
        with self._lock:
            pending = self._pending.get(key)
            if pending is not None:
                pending.dirty = True
                return
            self._pending[key] = _Pending(last_started=self._last.get(key, float("-inf")))
        self.executor.submit(self._run, key)

    def busy(self) -> bool:
        with self._lock:
            return bool(self._pending)

    def _run(self, key: tuple[str, int]) -> None:
        while True:
            with self._lock:
                pending = self._pending[key]
                if not pending.dirty:
                    del self._pending[key]
                    return
                wait = pending.last_started + self.spacing - self.monotonic()
            if wait > 0:
                self.sleep(wait)
            with self._lock:
                # Cleared just before reading the database: anything committed after this asks again.
                pending.dirty = False
                pending.last_started = self.monotonic()
                self._last[key] = pending.last_started
                self._forget_old(pending.last_started)
            try:
                self.work(key)
            except Exception:
                logger.exception("Could not refresh %s; the next vote or the clock's sweep will retry", key)

    def _forget_old(self, now: float) -> None:
        if len(self._last) > 1000:
            for old in [k for k, at in self._last.items() if now - at > self.spacing and k not in self._pending]:
                del self._last[old]
