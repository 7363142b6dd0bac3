"""Poll messages in Slack: posting them, keeping them in step with the votes, announcing decisions.

Keeping a message in step under a burst of clicks
-------------------------------------------------
Every vote commits first and then asks for a refresh. `UpdateCoalescer` keeps at most one
refresh running per poll in this process: a request that arrives while one runs only marks the
poll dirty, and the running refresh goes round again, re-reading the database, once the current
`chat.update` has finished. Fifty clicks in a second therefore cost a handful of updates, spaced at
least `spacing` seconds apart, and the last update always starts after the last vote committed.

Several web workers each coalesce their own clicks, so a burst spread over N workers may cost up
to N times the updates, and their updates may reach Slack out of order. Each vote also bumps the
poll's `revision` in the database; `PollMessages.refresh` renders a revision, updates Slack, and
renders again if the revision moved meanwhile. Whoever's update lands last has therefore
re-checked the database after it, so the message ends on the database's tally whichever worker
finished last. A refresh that failed (a crash, Slack down) leaves `rendered_revision` behind and
the clock's sweep (`bot.jobs.polls.refresh_unrendered`) repairs the message later.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.services import poll_calendar, polls
from bot.services.errors import NotFound
from bot.slack.client import Sleep
from bot.slack.directory import MemberDirectory
from bot.slack.messages import OnceSender
from bot.views import polls as views
from storage.db import Database
from storage.repositories.polls import PollRepository

logger = logging.getLogger(__name__)

# Slack asks apps to keep to about one message write per second per channel; a poll under a burst of
# clicks is updated at most this often.
UPDATE_SPACING_SECONDS = 1.0
# A refresh goes round again while the revision keeps moving; past this many rounds it stops and
# leaves the rest to the next click or to the clock's sweep.
MAX_ROUNDS = 50
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
        """The poll, after making sure every voter has a name to show."""
        state = self.state(team_id, poll_id)
        if state is None:
            return None
        unnamed = [user_id for user_id in polls.people_in(state) if user_id not in state.names]
        if unnamed:
            self.directory.ensure_many(team_id, unnamed)
            state = self.state(team_id, poll_id)
        return state

    def post(self, team_id: str, poll_id: int) -> str:
        """Post a new poll's message and remember where it is; returns its ts."""
        state = self.fresh_state(team_id, poll_id)
        if state is None:
            raise NotFound("That poll no longer exists.")
        text, blocks = views.poll_message(state)
        response = self.client.chat_postMessage(channel=state.channel_id, text=text, blocks=blocks)
        ts = response["ts"]
        with self.db.unit_of_work() as session:
            polls.set_message(session, team_id, poll_id, ts)
            PollRepository(session).mark_rendered(poll_id, state.revision)
        return ts

    def refresh(self, team_id: str, poll_id: int) -> int:
        """Update the poll's message until it shows the latest revision; returns how many updates it took."""
        updates = 0
        for _ in range(MAX_ROUNDS):
            state = self.fresh_state(team_id, poll_id)
            if state is None or state.message_ts is None:
                return updates
            text, blocks = views.poll_message(state)
            try:
                self.client.chat_update(channel=state.channel_id, ts=state.message_ts, text=text, blocks=blocks)
            except SlackApiError as error:
                if error.response.get("error") in GONE:
                    logger.warning("Poll %s's message is gone (%s); not updating it", poll_id, error.response.get("error"))
                    return updates
                raise
            updates += 1
            with self.db.unit_of_work() as session:
                repo = PollRepository(session)
                repo.mark_rendered(poll_id, state.revision)
                latest = repo.revision(poll_id)
            if latest is None or latest == state.revision:
                return updates
        logger.warning("Poll %s kept changing while its message was updated; the next refresh will catch up", poll_id)
        return updates

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
        chooser = state.names.get(state.decided_by) if state.decided_by else None
        if state.decided_by and chooser is None:
            chooser = self.directory.ensure(team_id, state.decided_by).label
        text, blocks = views.decision_message(state, chooser, permalink)
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


@dataclass
class _Pending:
    dirty: bool = True
    last_started: float = field(default=float("-inf"))


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
