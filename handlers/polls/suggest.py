"""`/meet suggest`: times when most of a channel is usually free, and the buttons that make them a poll."""

from __future__ import annotations

import logging
import re
import secrets
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.runtime import Runtime
from bot.services import suggest
from bot.services.availability import load_availability
from bot.services.errors import InvalidInput, NotFound
from bot.services.suggest import Proposal
from bot.views import polls as poll_views
from bot.views import suggest as views
from handlers.common import ephemeral, telling
from handlers.context import Asking, asking
from storage.models import Member
from storage.repositories.ledger import DispatchLedger
from storage.repositories.workspaces import WorkspaceRepository

if TYPE_CHECKING:
    from handlers.polls import PollHandlers, PostedPoll

logger = logging.getLogger(__name__)

CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]+$")


def register(app: App, handler: SuggestHandlers) -> None:
    """The buttons under the suggestions; `/meet suggest` itself arrives through `/meet`'s listener."""
    app.action(views.START_ACTION)(handler.start)
    app.action(views.EDIT_ACTION)(handler.edit)
    app.action(views.NUDGE_ACTION)(handler.nudge)


def claim_key(proposed: Proposal) -> str:
    """The ledger key that lets one poll, and only one, be started from a suggestion."""
    return f"meet-suggest:{proposed.key}"


class SuggestHandlers:
    def __init__(self, runtime: Runtime, polls: PollHandlers) -> None:
        self.rt = runtime
        self.polls = polls

    # /meet suggest …
    def command(self, command: dict[str, Any], text: str, respond: Respond, who: Asking) -> None:
        """After the ack: read the request, rank the channel's times, answer ephemerally."""
        team_id, user_id = command["team_id"], command["user_id"]
        zone, home = who.zone, who.home_zone
        now = self.rt.clock()
        request = suggest.parse_request(text, now=now, zone=zone, home=home)
        channel_id, people = self._audience(team_id, request.channel_id, command.get("channel_id"))
        audience = [member.user_id for member in people]
        with self.rt.db.unit_of_work() as session:
            found = suggest.suggest_for_channel(session, team_id, audience, request, now=now, home=home)
        if not found.known:
            text, blocks = views.no_availability_message(found, channel_id=channel_id, asker_id=user_id)
        elif not found.slots:
            text, blocks = views.nobody_free_message(found, channel_id=channel_id, asker_id=user_id)
        else:
            proposed = suggest.proposal(found, key=secrets.token_urlsafe(9), channel_id=channel_id,
                                        title=request.title)
            text, blocks = views.suggestions_message(
                found, channel_id=channel_id, names={m.user_id: m.label for m in people}, asker_id=user_id,
                proposal_value=proposed.to_value())
        ephemeral(respond, text, blocks)

    def _audience(self, team_id: str, named: str | None, typed: str | None) -> tuple[str, list[Member]]:
        """The channel whose people are fitted in, and those people.

        The channel named with `in #channel`; else the one it was typed in; else (a direct message,
        or a channel Convene cannot see into) the group's channel.
        """
        if named:
            return named, self._people(team_id, named)
        if typed and CHANNEL_ID.match(typed):
            try:
                people = self.rt.directory.audience(team_id, typed)
            except SlackApiError as error:
                logger.info("Cannot list %s for /meet suggest (%s); using the group's channel", typed,
                            error.response.get("error"))
            else:
                if people:
                    return typed, people
        with self.rt.db.unit_of_work() as session:
            workspace = WorkspaceRepository(session).get(team_id)
        group = (workspace.channel_id if workspace else None) or self.rt.settings.convene_channel
        if not group:
            raise InvalidInput("I can't see who is in this conversation: name the channel whose members should meet.",
                               example=f"{suggest.EXAMPLE} in #wg-commissioning")
        return group, self._people(team_id, group)

    def _people(self, team_id: str, channel_id: str) -> list[Member]:
        try:
            return self.rt.directory.audience(team_id, channel_id)
        except SlackApiError as error:
            logger.info("Cannot list %s for /meet suggest: %s", channel_id, error.response.get("error"))
            raise NotFound(f"I can't see who is in <#{channel_id}>: please `/invite @Convene` there, then try again."
                           ) from None

    # Start a poll with these
    def start(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
              context: BoltContext) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(respond, "starting a poll from suggested times"):
            proposed = Proposal.from_value(action.get("value"))
            zone = asking(context).zone
            draft = suggest.poll_draft(proposed, now=self.rt.clock(), zone=zone)
            posted: list[PostedPoll] = []

            def post() -> dict[str, Any]:
                poll = self.polls.store_and_post(team_id, user_id, proposed.channel_id, draft, zone)
                posted.append(poll)
                return {"channel": poll.channel_id, "ts": poll.message_ts}

            # Claimed before anything is stored, so a double click (or a second device) posts one poll;
            # a failed attempt releases the claim and the button can be pressed again.
            if self.rt.sender.send(team_id, claim_key(proposed), post) is None:
                self._already_started(team_id, proposed, respond)
                return
            poll = posted[0]
            self.polls.after_posting(team_id, poll)
            text, blocks = views.started_message(
                title=draft.title, channel_id=poll.channel_id,
                permalink=self.polls.messages.permalink(poll.channel_id, poll.message_ts),
                options=len(draft.options), deadline=poll.deadline, zone=zone)
            respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=True)

    def _already_started(self, team_id: str, proposed: Proposal, respond: Respond) -> None:
        with self.rt.db.unit_of_work() as session:
            dispatch = DispatchLedger(session).get(team_id, claim_key(proposed))
            sent = dispatch is not None and dispatch.status == "sent"
            channel_id, ts = (dispatch.channel_id, dispatch.ts) if dispatch else (None, None)
        if not sent:
            return  # the first click is still posting it; its answer replaces the suggestions
        channel_id = channel_id or proposed.channel_id
        permalink = self.polls.messages.permalink(channel_id, ts)
        ephemeral(respond, views.already_started_message(channel_id=channel_id, permalink=permalink))

    # Edit and start: the /meet form, filled in
    def edit(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
             client: WebClient, context: BoltContext) -> None:
        ack()
        with telling(respond, "opening the poll form with suggested times"):
            proposed = Proposal.from_value(action.get("value"))
            zone = asking(context).zone
            now = self.rt.clock()
            starts = suggest.upcoming_starts(proposed, now=now)
            self.polls.messages.open_form(body["trigger_id"], poll_views.create_modal(
                channel_id=proposed.channel_id, zone_name=zone.key, title=proposed.title,
                options=[suggest.option_label(start, proposed.length, zone) for start in starts],
                deadline=suggest.deadline_label(suggest.poll_deadline(starts, now=now), zone)))

    # Ask the others to set their availability
    def nudge(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
              context: BoltContext) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(respond, "asking members to set their availability"):
            channel_id = str(action.get("value") or "")
            if not CHANNEL_ID.match(channel_id):
                raise InvalidInput("That button no longer works; run `/meet suggest` again.", example=suggest.EXAMPLE)
            who = asking(context)
            asker, home = who.member, who.home_zone
            assert asker is not None  # a click always has someone behind it
            people = [m.user_id for m in self._people(team_id, channel_id)]
            with self.rt.db.unit_of_work() as session:
                known = {m.user_id for m in load_availability(session, team_id, home=home, user_ids=people)}
            year, week, _ = self.rt.clock().astimezone(home).isocalendar()
            text, blocks = views.availability_nudge(asker_name=asker.label, channel_id=channel_id)
            asked = already = failed = 0
            for member_id in people:
                if member_id in known or member_id == user_id:
                    continue
                # One nudge per member per week, however many people press the button.
                key = f"availability-nudge:{member_id}:{year}-W{week:02d}"
                try:
                    sent = self.rt.sender.dm(team_id, key, user_id=member_id, text=text, blocks=blocks)
                except SlackApiError as error:
                    logger.warning("Could not nudge %s to set their availability: %s", member_id,
                                   error.response.get("error"))
                    failed += 1
                    continue
                if sent is None:
                    already += 1
                else:
                    asked += 1
            ephemeral(respond, views.nudged_text(asked=asked, already=already, failed=failed))
