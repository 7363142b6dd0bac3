"""Posting the weekly digest exactly once per period, whatever restarts or extra processes do.

Each period's digest is claimed with a row (unique per workspace and period) before it is
posted, and the row is marked posted afterwards. The message carries metadata naming its period,
so if a process dies between posting and recording, whoever finds the stale claim looks in the
channel before posting again. When the digest is due is `bot.jobs.digest`'s to decide.
"""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.areas import DigestContext, DigestSectionSource, build_digest
from bot.clock import Clock
from bot.services.digest import Digest, Period, Schedule
from bot.slack.links import message_linker
from bot.slack.messages import find_posted as find_message
from bot.slack.messages import outcome_unknown
from bot.views import digest as digest_view
from storage.db import Database
from storage.models import DigestRun
from storage.repositories.digest import DigestRepository

logger = logging.getLogger(__name__)

METADATA_EVENT = "convene_digest"
# A claim this old belongs to a process that died while posting (posting takes seconds).
STALE_CLAIM = timedelta(minutes=10)


class Outcome(enum.Enum):
    POSTED = "posted"
    ALREADY_POSTED = "already posted"
    IN_PROGRESS = "being posted by another process"
    NO_CHANNEL = "no channel"
    FAILED = "failed"


@dataclass(frozen=True)
class Published:
    outcome: Outcome
    period: Period
    channel_id: str | None = None
    ts: str | None = None
    error: str | None = None


class DigestMessages:
    """The digest's message in the group's channel, gathered from `sections` when it is posted."""

    def __init__(self, client: WebClient, db: Database, clock: Clock,
                 sections: Sequence[DigestSectionSource]) -> None:
        self.client = client
        self.db = db
        self.clock = clock
        self.sections = sections

    def preview(self, trigger_id: str, gather: Callable[[], tuple[Digest, Schedule]]) -> None:
        """The digest in a modal: opened at once with a placeholder (a click's trigger lasts 3 s and
        gathering the digest may take longer), then filled in."""
        opened = self.client.views_open(trigger_id=trigger_id, view=digest_view.preview_loading_modal())
        built, schedule = gather()
        self.client.views_update(view_id=opened["view"]["id"], view=digest_view.preview_modal(
            built, channel_id=schedule.channel_id, link_for=message_linker(self.client)))

    def publish(self, team_id: str, period: Period, *, schedule: Schedule,
                requested_by: str | None = None) -> Published:
        """Post `period`'s digest unless it has been posted (or is being posted) already."""
        channel_id = schedule.channel_id
        if not channel_id:
            return Published(Outcome.NO_CHANNEL, period)
        token = str(uuid.uuid4())
        now = self.clock()
        with self.db.unit_of_work() as session:
            repo = DigestRepository(session)
            claimed = repo.claim(team_id, period.key, start=period.start, end=period.end, token=token, now=now,
                                 channel_id=channel_id, requested_by=requested_by)
            run = repo.run(team_id, period.key)
            assert run is not None
        if not claimed:
            earlier = self._resolve_existing(run, period, token=token, channel_id=channel_id)
            if earlier is not None:
                return earlier

        with self.db.unit_of_work() as session:
            context = DigestContext(team_id=team_id, period=period, now=now, zone=schedule.zone)
            built = build_digest(session, context, self.sections)
        blocks = digest_view.digest_blocks(built, link_for=message_linker(self.client))
        try:
            response = self.client.chat_postMessage(
                channel=channel_id,
                text=digest_view.digest_text(built),
                blocks=blocks,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"team_id": team_id, "period": period.key}},
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            code = str(error.response.get("error"))
            # When the post may have gone through, the claim stays: whoever finds it stale looks first.
            if not (outcome_unknown(error) or code == "ratelimited"):
                with self.db.unit_of_work() as session:
                    DigestRepository(session).mark_failed(run.id, token=token, error=code)
            logger.warning("Posting the digest for %s (%s) failed: %s", team_id, period.key, code)
            return Published(Outcome.FAILED, period, channel_id, error=code)
        with self.db.unit_of_work() as session:
            DigestRepository(session).mark_posted(run.id, token=token, channel_id=response["channel"],
                                                  ts=response["ts"], now=self.clock())
        return Published(Outcome.POSTED, period, response["channel"], response["ts"])

    def _resolve_existing(self, run: DigestRun, period: Period, *, token: str,
                          channel_id: str) -> Published | None:
        """Somebody claimed this period first. None when we have taken the claim over and should post."""
        if run.status == "posted":
            return Published(Outcome.ALREADY_POSTED, period, run.channel_id, run.ts)
        if run.status == "claimed":
            if self.clock() - run.claimed_at < STALE_CLAIM:
                return Published(Outcome.IN_PROGRESS, period, run.channel_id)
            found = self.find_posted(run.channel_id or channel_id, period, since=run.claimed_at)
            if found is not None:
                with self.db.unit_of_work() as session:
                    DigestRepository(session).mark_found(run.id, channel_id=run.channel_id or channel_id, ts=found,
                                                         now=self.clock())
                return Published(Outcome.ALREADY_POSTED, period, run.channel_id or channel_id, found)
        with self.db.unit_of_work() as session:
            took = DigestRepository(session).take_over(run.id, expected_token=run.claim_token, token=token,
                                                       now=self.clock(), channel_id=channel_id)
        if not took:
            return Published(Outcome.IN_PROGRESS, period, channel_id)
        return None

    def find_posted(self, channel_id: str, period: Period, *, since: datetime) -> str | None:
        """The ts of this period's digest if it is in the channel already (posted by a process that died)."""
        found = find_message(self.client, channel_id, event_type=METADATA_EVENT, payload={"period": period.key},
                             since=since)
        return None if found is None else found["ts"]
