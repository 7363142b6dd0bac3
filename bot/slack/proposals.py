"""Proposal messages in Slack: posting them, keeping them in step with the positions, reminding
those who have not responded, telling the author it closed, and posting the outcome.

A burst of positions is coalesced exactly as poll votes are (see `bot.slack.polls`): every
position commits first, bumping the proposal's `revision`, then asks a `PollRefresher` built on
`ProposalMessages` for a refresh; one refresh runs per proposal and process, spaced out, and goes
round again until the message shows the database's revision. A round that failed leaves
`rendered_revision` behind, and `bot.jobs.proposals.refresh_unrendered` repairs it later.

Everything that must not appear twice is claimed in the dispatch ledger first (`OnceSender`), or
posted with metadata that names it (`post_findable`), so a retried job or a doubled click posts once.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.services import proposals
from bot.services.errors import NotFound
from bot.slack.directory import MemberDirectory
from bot.slack.messages import OnceSender, open_dm, post_findable
from bot.views import proposals as views
from storage.db import Database
from storage.repositories.proposals import ProposalRepository

logger = logging.getLogger(__name__)

# Past this many rounds a refresh stops and leaves the rest to the next change or the sweep.
MAX_ROUNDS = 50
PROPOSAL_EVENT = "convene_proposal"
GONE = ("message_not_found", "channel_not_found", "is_archived", "cant_update_message")


def reminder_key(proposal_id: int, user_id: str) -> str:
    return f"proposal-reminder:{proposal_id}:{user_id}"


class ProposalMessages:
    """Renders proposals from the database into their Slack messages, and sends what they need."""

    def __init__(self, client: WebClient, db: Database, directory: MemberDirectory, sender: OnceSender,
                 clock: Clock) -> None:
        self.client = client
        self.db = db
        self.directory = directory
        self.sender = sender
        self.clock = clock

    def state(self, team_id: str, proposal_id: int) -> proposals.ProposalState | None:
        with self.db.unit_of_work() as session:
            return proposals.load_state(session, team_id, proposal_id)

    def fresh_state(self, team_id: str, proposal_id: int) -> proposals.ProposalState | None:
        """The proposal, after making sure everyone it may name has a name to show."""
        with self.db.unit_of_work() as session:
            people = proposals.people_to_name(session, team_id, proposal_id)
            unnamed = people - proposals.names_known(session, team_id, people)
        if unnamed:
            self.directory.ensure_many(team_id, sorted(unnamed))
        return self.state(team_id, proposal_id)

    def post(self, team_id: str, proposal_id: int) -> str:
        """Post a new proposal's message and remember where it is; returns its ts."""
        state = self.fresh_state(team_id, proposal_id)
        if state is None:
            raise NotFound("That proposal no longer exists.")
        text, blocks = views.proposal_message(state)
        response = post_findable(self.client, channel=state.channel_id, text=text, blocks=blocks,
                                 event_type=PROPOSAL_EVENT, payload={"proposal_id": proposal_id}, since=self.clock(),
                                 unfurl_links=False, unfurl_media=False)
        ts = response["ts"]
        with self.db.unit_of_work() as session:
            proposals.set_message(session, team_id, proposal_id, ts)
            ProposalRepository(session).mark_rendered(proposal_id, state.revision)
        return ts

    def update(self, team_id: str, proposal_id: int) -> int | None:
        """Render the proposal as the database has it now into its message; the revision shown, or
        None when there is no message to update."""
        state = self.fresh_state(team_id, proposal_id)
        if state is None or state.message_ts is None:
            return None
        text, blocks = views.proposal_message(state)
        try:
            self.client.chat_update(channel=state.channel_id, ts=state.message_ts, text=text, blocks=blocks)
        except SlackApiError as error:
            if error.response.get("error") in GONE:
                logger.warning("Proposal %s's message is gone (%s); not updating it", proposal_id,
                               error.response.get("error"))
                with self.db.unit_of_work() as session:
                    ProposalRepository(session).mark_rendered(proposal_id, state.revision)
                return None
            raise
        with self.db.unit_of_work() as session:
            ProposalRepository(session).mark_rendered(proposal_id, state.revision)
        return state.revision

    def revision(self, proposal_id: int) -> int | None:
        with self.db.unit_of_work() as session:
            return ProposalRepository(session).revision(proposal_id)

    def refresh(self, team_id: str, proposal_id: int) -> int:
        """Update the message until it shows the latest revision; how many updates it took.

        For jobs and one-off changes; clicks go through the refresher, which spaces the rounds.
        """
        for round_ in range(1, MAX_ROUNDS + 1):
            shown = self.update(team_id, proposal_id)
            if shown is None:
                return round_ - 1
            if self.revision(proposal_id) in (None, shown):
                return round_
        logger.warning("Proposal %s kept changing while its message was updated; the next refresh will catch up",
                       proposal_id)
        return MAX_ROUNDS

    def permalink(self, channel_id: str, message_ts: str | None) -> str | None:
        if not message_ts:
            return None
        try:
            return self.client.chat_getPermalink(channel=channel_id, message_ts=message_ts)["permalink"]
        except SlackApiError as error:
            logger.warning("No permalink for %s/%s: %s", channel_id, message_ts, error.response.get("error"))
            return None

    def announce_outcome(self, team_id: str, proposal_id: int) -> bool:
        """Post the outcome in the proposal's channel, once per recorded outcome."""
        state = self.fresh_state(team_id, proposal_id)
        if state is None or not state.is_decided:
            return False
        text, blocks = views.outcome_message(state, self.permalink(state.channel_id, state.message_ts))
        self.sender.post(team_id, f"proposal-outcome:{proposal_id}:{state.decision_sequence}",
                         channel=state.channel_id, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False)
        return True

    def tell_author_closed(self, team_id: str, state: proposals.ProposalState) -> bool:
        """DM the author, once per closing, that their proposal closed and needs its outcome."""
        if state.author_id is None or state.closed_at is None:
            return False
        text, blocks = views.closed_message(state)
        key = f"proposal-closed:{state.id}:{int(state.closed_at.timestamp())}"
        return self.sender.dm(team_id, key, user_id=state.author_id, text=text, blocks=blocks) is not None

    def remind(self, team_id: str, state: proposals.ProposalState, user_ids: list[str]) -> tuple[int, int]:
        """The one reminder to each member who has not responded, in a DM (never a mention in the
        channel); (sent now, failed). A failed one may be sent by a retry."""
        text, blocks = views.reminder_message(state, self.permalink(state.channel_id, state.message_ts))
        sent = failed = 0
        for user_id in user_ids:
            try:
                if self.sender.dm(team_id, reminder_key(state.id, user_id), user_id=user_id, text=text, blocks=blocks):
                    sent += 1
            except SlackApiError:
                logger.exception("Could not remind %s about proposal %s", user_id, state.id)
                failed += 1
        return sent, failed

    def open_form(self, trigger_id: str, view: dict[str, object]) -> None:
        self.client.views_open(trigger_id=trigger_id, view=view)

    def tell(self, user_id: str, text: str) -> None:
        """A line to one member in a DM (a form's submission has nowhere else to answer)."""
        self.client.chat_postMessage(channel=open_dm(self.client, user_id), text=text)

    def delete_message(self, channel_id: str, message_ts: str | None) -> None:
        if not message_ts:
            return
        try:
            self.client.chat_delete(channel=channel_id, ts=message_ts)
        except SlackApiError as error:
            if error.response.get("error") not in GONE:
                raise
