"""Issues' cards in the group's channel: posted once, kept in step with the register.

Every change to an issue bumps its `revision`; a card remembers the revision it shows. After a
change the card is updated at once, and `bot.jobs.issues.refresh_stale_cards` catches whatever
that missed (a failed update, two processes racing, a member forgotten).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.services import issues, workspaces
from bot.settings import Settings
from bot.slack.messages import OnceSender
from bot.views import issues as view
from storage.db import Database
from storage.repositories.issues import IssueRepository

logger = logging.getLogger(__name__)

# Within one process, one card is rendered and sent at a time, so the last update shows the
# latest revision. Striped by issue ID: a handful of locks, no per-issue state kept.
_CARD_LOCKS = tuple(threading.Lock() for _ in range(64))
# Errors after which a card cannot be updated again: it was deleted, or the channel is gone.
CARD_GONE = {"message_not_found", "cant_update_message", "channel_not_found", "is_archived", "not_in_channel"}
UPDATE_ATTEMPTS = 3


@dataclass(frozen=True)
class Posted:
    channel_id: str | None
    problem: str | None  # a sentence for the person who added it, when it was not posted


class IssueCards:
    """Issues' cards in the group's channel, and the question to a logged message's author."""

    def __init__(self, client: WebClient, db: Database, sender: OnceSender, clock: Clock, settings: Settings) -> None:
        self.client = client
        self.db = db
        self.sender = sender
        self.clock = clock
        self.settings = settings

    def publish_new_issue(self, team_id: str, issue_id: int) -> Posted:
        """After an issue is added: post its card, and ask a logged message's author how to credit them.

        A Slack failure is logged and reported in `Posted.problem`; the issue is already safe.
        """
        try:
            posted = self.post_card(team_id, issue_id)
        except (SlackApiError, OSError):
            logger.exception("Could not post issue %s's card", issue_id)
            posted = Posted(None, view.COULD_NOT_POST)
        self.ask_author_for_credit(team_id, issue_id)
        return posted

    def post_card(self, team_id: str, issue_id: int) -> Posted:
        """Post a new issue's card in the group's channel, once, however often this is called."""
        with self.db.unit_of_work() as session:
            shown = issues.card(session, team_id, issue_id)
            channel_id = workspaces.group_settings(
                session, team_id, now=self.clock(), default_channel=self.settings.convene_channel,
                default_timezone=self.settings.convene_timezone,
            ).channel_id
        if shown is None:
            return Posted(None, "It was removed before it could be posted.")
        if channel_id is None:
            return Posted(None, view.NO_CHANNEL)
        text, blocks = view.card_message(shown.summary)
        try:
            response = self.sender.post(team_id, f"issue-card:{issue_id}", channel=channel_id, text=text,
                                        blocks=blocks, unfurl_links=False, unfurl_media=False)
        except SlackApiError as error:
            if error.response.get("error") in ("not_in_channel", "channel_not_found", "is_archived"):
                logger.warning("Could not post issue %s in %s: %s", issue_id, channel_id, error.response.get("error"))
                return Posted(None, view.not_in_channel(channel_id))
            raise
        if response is None:  # posted already, by an earlier attempt
            return Posted(channel_id, None)
        with self.db.unit_of_work() as session:
            IssueRepository(session).card_posted(issue_id, channel_id=response["channel"], ts=response["ts"],
                                                 revision=shown.revision)
        self.update_card(team_id, issue_id)  # in case it changed while being posted
        return Posted(channel_id, None)

    def update_card(self, team_id: str, issue_id: int) -> bool:
        """Bring an issue's card up to date; False when Slack failed (the card stays stale and
        `refresh_stale_cards` tries again later). The change itself is already safe in the register."""
        try:
            self._update_card(team_id, issue_id)
        except (SlackApiError, OSError) as error:
            reason = error.response.get("error") if isinstance(error, SlackApiError) else repr(error)
            logger.warning("Could not update issue %s's card (%s); it will be retried", issue_id, reason)
            return False
        return True

    def _update_card(self, team_id: str, issue_id: int) -> None:
        with _CARD_LOCKS[issue_id % len(_CARD_LOCKS)]:
            for _attempt in range(UPDATE_ATTEMPTS):
                with self.db.unit_of_work() as session:
                    issue = IssueRepository(session).by_id(team_id, issue_id)
                    if issue is None or issue.message_ts is None or issue.channel_id is None:
                        return
                    if issue.card_revision >= issue.revision:
                        return
                    shown = issues.card(session, team_id, issue_id)
                    channel_id, ts = issue.channel_id, issue.message_ts
                assert shown is not None
                text, blocks = view.card_message(shown.summary)
                try:
                    self.client.chat_update(channel=channel_id, ts=ts, text=text, blocks=blocks)
                except SlackApiError as error:
                    reason = error.response.get("error")
                    if reason in CARD_GONE:
                        logger.warning("Issue %s's card in %s is gone (%s); no longer updating it", issue_id,
                                       channel_id, reason)
                        with self.db.unit_of_work() as session:
                            IssueRepository(session).card_gone(issue_id)
                        return
                    raise
                with self.db.unit_of_work() as session:
                    repo = IssueRepository(session)
                    repo.card_shown(issue_id, shown.revision)
                    # Another process may have changed it while this update was on its way.
                    if repo.revision_of(issue_id) == shown.revision:
                        return

    def ask_author_for_credit(self, team_id: str, issue_id: int) -> None:
        """DM the person whose message became an issue, once: how do they want to be credited?"""
        with self.db.unit_of_work() as session:
            issue = IssueRepository(session).by_id(team_id, issue_id)
            if issue is None or not issues.needs_credit_answer(issue):
                return
            assert issue.author_id is not None
            author_id, logged_by = issue.author_id, issue.logged_by
            organisation = issues.organisation_of(session, team_id, author_id)
            summary = issues.summary(session, team_id, issue)
        text, blocks = view.credit_question(summary, logged_by=logged_by, organisation=organisation)
        try:
            self.sender.dm(team_id, f"issue-credit:{issue_id}", user_id=author_id, text=text, blocks=blocks)
        except (SlackApiError, OSError) as error:
            # A deactivated account or a bot cannot be asked; the issue simply stays unnamed.
            reason = error.response.get("error") if isinstance(error, SlackApiError) else repr(error)
            logger.warning("Could not ask %s how to credit issue %s: %s", author_id, issue_id, reason)
