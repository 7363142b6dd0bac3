"""`/propose`: proposals the group decides on, their position buttons and forms.

Listeners only: each reads the request, calls `bot.services.proposals` inside a unit of work and
hands what it returns to `bot.slack.proposals`. Who may close, record an outcome or delete is
decided by the service from the database; a button's value is only the proposal's ID.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.jobs import proposals as proposal_jobs
from bot.runtime import Runtime
from bot.services import proposals, workspaces
from bot.services.errors import InvalidInput, NotFound, UserFacingError
from bot.slack.issue_cards import IssueCards
from bot.slack.polls import UPDATE_SPACING_SECONDS, PollRefresher
from bot.slack.proposals import ProposalMessages
from bot.text import escape, subcommand, truncate
from bot.views import help as help_view
from bot.views import proposals as views
from handlers.common import ephemeral, telling
from handlers.context import asking

logger = logging.getLogger(__name__)

COMMANDS = ("/propose",)

STANCE_ACTIONS = re.compile(rf"^{views.STANCE_ACTION_PREFIX}(agree|abstain|disagree|block)$")
LIST_PAGE_ACTIONS = re.compile(rf"^{views.LIST_PAGE_ACTION}_(previous|next)$")
QUOTES = '"“”„'
MAX_FIELD_ERROR = 1500
# Cards of the issues a decision addresses that are updated at once; the rest follow within
# minutes (`bot.jobs.issues.refresh_stale_cards`), so a proposal on 200 issues does not hold a
# worker for 200 chat.update calls.
CARDS_UPDATED_AT_ONCE = 20


class NotPosted(UserFacingError):
    """The proposal's message could not be posted; the proposal was not kept."""


def register(app: App, runtime: Runtime) -> None:
    handler = ProposalHandlers(runtime)
    app.command("/propose")(handler.command)
    app.view(views.CREATE_MODAL)(handler.create_from_modal)
    app.options(views.ISSUES_FIELD)(handler.issue_options)
    app.action(STANCE_ACTIONS)(handler.take_position)
    app.action(views.MY_POSITION_ACTION)(handler.my_position)
    app.view(views.POSITION_MODAL)(handler.position_submitted)
    app.action(views.ALL_POSITIONS_ACTION)(handler.all_positions)
    app.action(views.OUTCOME_ACTION)(handler.outcome_form)
    app.view(views.OUTCOME_MODAL)(handler.outcome_submitted)
    app.action(views.DELETE_ACTION)(handler.delete)
    app.action(views.RESCHEDULE_ACTION)(handler.reschedule_form)
    app.view(views.RESCHEDULE_MODAL)(handler.reschedule_submitted)
    app.action(LIST_PAGE_ACTIONS)(handler.turn_page)
    app.action(views.NEW_ACTION)(handler.new_from_home)


def _proposal_id(value: str | None) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise NotFound("That proposal no longer exists.") from None


def _metadata_id(view: dict[str, Any]) -> int:
    proposal_id = views.read_metadata(view.get("private_metadata"))
    if proposal_id is None:
        raise NotFound("That proposal no longer exists.")
    return proposal_id


def _values(view: dict[str, Any]) -> dict[str, Any]:
    return (view.get("state") or {}).get("values") or {}


def _field(view: dict[str, Any], block: str) -> dict[str, Any]:
    return _values(view).get(block, {}).get(block, {}) or {}


class ProposalHandlers:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.messages = ProposalMessages(runtime.client, runtime.db, runtime.directory, runtime.sender,
                                         runtime.clock)
        self.cards = IssueCards(runtime.client, runtime.db, runtime.sender, runtime.clock, runtime.settings)
        # One refresh at a time per proposal in this process, spaced out: bot.slack.polls explains.
        self.refresher = PollRefresher(self.messages, runtime.executor, spacing=UPDATE_SPACING_SECONDS,
                                       sleep=runtime.sleep)

    def _teller(self, user_id: str) -> Callable[[str], None]:
        return lambda text: self.messages.tell(user_id, text)

    # /propose …
    def command(self, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient,
                context: BoltContext) -> None:
        text = (command.get("text") or "").strip()
        sub = subcommand(text)
        if sub.name == "help":
            ack(text=help_view.command_help_text("/propose"), blocks=help_view.command_help_blocks("/propose"))
            return
        if sub.name == "list":
            ack()
            with telling(respond, "listing proposals"):
                self._list(command["team_id"], sub.rest, respond, replace_original=False)
            return
        if sub.name == "show":
            ack()
            with telling(respond, "showing a proposal"):
                self._show(command["team_id"], sub.rest, respond)
            return
        if not text:
            ack()
            with telling(respond, "opening the new-proposal form"):
                zone = asking(context).zone
                self.messages.open_form(command["trigger_id"], views.create_modal(
                    channel_id=command.get("channel_id"), zone_name=zone.key))
            return
        if " " not in text and text[:1] not in QUOTES:
            # One word is a mistyped subcommand far more often than a proposal.
            ack(text=f"/propose has no {escape(truncate(sub.name, 40))}",
                blocks=help_view.unknown_subcommand_blocks("/propose", sub.name))
            return
        ack()
        with telling(respond, "making a proposal"):
            self._create_inline(command, text, respond, asking(context).zone)

    def _list(self, team_id: str, rest: str, respond: Respond, *, replace_original: bool,
              which: str | None = None, page: int | None = None) -> None:
        if which is None or page is None:
            which, page = proposals.parse_list_query(rest)
        with self.rt.db.unit_of_work() as session:
            found = proposals.list_page(session, team_id, which=which, page=page)
        links = {item.id: link for item in found.items
                 if (link := self.messages.permalink(item.channel_id, item.message_ts))}
        respond(text=f"{found.total} proposal(s)", blocks=views.list_blocks(found, links=links),
                response_type="ephemeral", replace_original=replace_original)

    def _show(self, team_id: str, rest: str, respond: Respond) -> None:
        word = rest.strip().lstrip("#")
        if not word.isdigit():
            raise InvalidInput("Which proposal? Give its number.", example="/propose show 3")
        with self.rt.db.unit_of_work() as session:
            state = proposals.state_by_number(session, team_id, int(word))
        state = self.messages.fresh_state(team_id, state.id) or state
        link = self.messages.permalink(state.channel_id, state.message_ts)
        ephemeral(respond, f"Proposal {state.number}", views.show_blocks(state, link))

    def _create_inline(self, command: dict[str, Any], text: str, respond: Respond, zone: ZoneInfo) -> None:
        team_id, user_id, channel_id = command["team_id"], command["user_id"], command.get("channel_id") or ""
        if not channel_id.startswith(("C", "G")):
            raise InvalidInput("Propose in the group's channel, where everyone can take a position: "
                               "or use `/propose` alone to pick the channel.", example=proposals.CREATE_EXAMPLE)
        # Slack escapes &, < and > in command text; the proposal keeps what the person typed.
        draft = proposals.parse_inline(text, now=self.rt.clock(), zone=zone)
        with self.rt.db.unit_of_work() as session:
            issue_ids = [issue.id for issue in proposals.find_issues(session, team_id, draft.issue_numbers)]
        number, closes_at = self._store_and_post(team_id, user_id, channel_id, draft, issue_ids, zone)
        ephemeral(respond, views.created_text(number, channel_id, closes_at, zone, by_default=draft.closes_by_default))

    def _store_and_post(self, team_id: str, user_id: str, channel_id: str, draft: proposals.ProposalDraft,
                        issue_ids: list[int], zone: ZoneInfo) -> tuple[int, Any]:
        """Store the proposal, post it, schedule its closing; if it cannot be posted, keep nothing."""
        audience = self._audience(team_id, channel_id)
        with self.rt.db.unit_of_work() as session:
            proposal = proposals.create_proposal(
                session, team_id, user_id, channel_id, draft, issues=issue_ids, zone_name=zone.key,
                now=self.rt.clock(), reminder_lead=self.rt.settings.poll_reminder_lead, audience=audience)
            proposal_id, number, closes_at, remind_at = (proposal.id, proposal.number, proposal.closes_at,
                                                         proposal.remind_at)
        try:
            self.messages.post(team_id, proposal_id)
        except Exception as error:
            with self.rt.db.unit_of_work() as session:
                proposals.discard_unposted(session, team_id, proposal_id)
            if isinstance(error, SlackApiError) and error.response.get("error") in (
                    "not_in_channel", "channel_not_found", "is_archived"):
                raise NotPosted(f"I can't post in <#{channel_id}>: please `/invite @Convene` there, "
                                "then propose it again.") from None
            raise
        proposal_jobs.plan(self.rt.jobs, team_id, proposal_id, closes_at=closes_at, remind_at=remind_at)
        return number, closes_at

    def _audience(self, team_id: str, channel_id: str) -> list[str]:
        """Who in the channel is asked; empty (no "of M") when it cannot be listed."""
        try:
            return [m.user_id for m in self.rt.directory.audience(team_id, channel_id)]
        except SlackApiError as error:
            logger.warning("Could not list the members of %s for a new proposal: %s", channel_id,
                           error.response.get("error"))
            return []

    # The new-proposal form
    def create_from_modal(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        text = _field(view, views.TEXT_FIELD).get("value") or ""
        picked = [o.get("value", "") for o in _field(view, views.ISSUES_FIELD).get("selected_options") or []]
        closes = _field(view, views.CLOSES_FIELD).get("value")
        channel_id = _field(view, views.CHANNEL_FIELD).get("selected_conversation")
        settings = {o.get("value") for o in _field(view, views.SETTINGS_FIELD).get("selected_options") or []}
        zone = asking(context).zone  # the member was looked up when the form was opened
        errors: dict[str, str] = {}
        draft = None
        issue_ids: list[int] = []
        try:
            draft = proposals.read_draft(text, [], closes, now=self.rt.clock(), zone=zone,
                                         anonymous=views.SETTING_ANONYMOUS in settings,
                                         hide_positions=views.SETTING_HIDDEN in settings)
        except proposals.DraftInvalid as error:
            blocks = {"text": views.TEXT_FIELD, "issues": views.ISSUES_FIELD, "closes": views.CLOSES_FIELD}
            errors.update({blocks[name]: truncate(message, MAX_FIELD_ERROR) for name, message in error.fields.items()})
        try:
            with self.rt.db.unit_of_work() as session:
                issue_ids = proposals.issue_ids(session, team_id, picked)
        except UserFacingError as error:
            errors[views.ISSUES_FIELD] = error.message
        if not channel_id:
            errors[views.CHANNEL_FIELD] = "Pick the channel where the group decides."
        if errors or draft is None or not channel_id:
            ack(response_action="errors", errors=errors)
            return
        ack()
        with telling(self._teller(user_id), "making a proposal from the form"):
            try:
                self._store_and_post(team_id, user_id, channel_id, draft, issue_ids, zone)
            except NotPosted as error:
                raise NotPosted(f"{error} Here is what you typed, to paste again:\n```{escape(text)}```") from None

    def issue_options(self, ack: Ack, body: dict[str, Any], payload: dict[str, Any]) -> None:
        team_id = (body.get("team") or {}).get("id") or body.get("team_id") or ""
        with self.rt.db.unit_of_work() as session:
            found = proposals.issue_choices(session, team_id, payload.get("value") or "")
        ack(options=views.issue_options(found))

    def new_from_home(self, ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(self._teller(user_id), "opening the new-proposal form"):
            zone = asking(context).zone
            with self.rt.db.unit_of_work() as session:
                channel_id = workspaces.group_settings(
                    session, team_id, now=self.rt.clock(), default_channel=self.rt.settings.convene_channel,
                    default_timezone=self.rt.settings.convene_timezone).channel_id
            self.messages.open_form(body["trigger_id"], views.create_modal(channel_id=channel_id, zone_name=zone.key))

    # Positions
    def take_position(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        stance = STANCE_ACTIONS.match(action["action_id"]).group(1)  # type: ignore[union-attr]
        with telling(respond, "recording a position"):
            proposal_id = _proposal_id(action.get("value"))
            with self.rt.db.unit_of_work() as session:
                result = proposals.record_position(session, team_id, proposal_id, user_id, stance,
                                                   now=self.rt.clock())
            if result.changed:
                self.refresher.request(team_id, proposal_id)
            said = views.position_taken_text(result.number, stance, private=result.private,
                                             anonymous=result.anonymous, credit=result.credit,
                                             has_reason=bool(result.reason))
            if result.asks_for_reason:
                # A reason is asked for, not forced: closing the form keeps the position.
                try:
                    self._open_position_form(team_id, user_id, proposal_id, body["trigger_id"], note=said)
                    return
                except SlackApiError as error:
                    if error.response.get("error") not in ("expired_trigger_id", "invalid_trigger_id"):
                        raise
                    # A busy moment took longer than Slack keeps the form's trigger: say it instead.
                    logger.info("The reason form for proposal %s came too late to open", proposal_id)
            ephemeral(respond, said)

    def _open_position_form(self, team_id: str, user_id: str, proposal_id: int, trigger_id: str, *,
                            note: str | None = None) -> None:
        self.rt.directory.ensure(team_id, user_id)
        with self.rt.db.unit_of_work() as session:
            mine = proposals.my_position(session, team_id, proposal_id, user_id)
        self.messages.open_form(trigger_id, views.position_modal(mine, note=note))

    def my_position(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        tell: Any = respond if body.get("response_url") else self._teller(user_id)
        with telling(tell, "opening a member's position"):
            self._open_position_form(team_id, user_id, _proposal_id(action.get("value")), body["trigger_id"])

    def position_submitted(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        stance = (_field(view, views.STANCE_FIELD).get("selected_option") or {}).get("value") or ""
        reason = _field(view, views.REASON_FIELD).get("value") or ""
        credit = (_field(view, views.CREDIT_FIELD).get("selected_option") or {}).get("value")
        organisation = _field(view, views.ORGANISATION_FIELD).get("value")
        errors: dict[str, str] = {}
        for block, check in ((views.REASON_FIELD, lambda: proposals.read_reason(reason)),
                             (views.ORGANISATION_FIELD, lambda: proposals.read_organisation(organisation))):
            try:
                check()
            except InvalidInput as error:
                errors[block] = error.message
        if errors:
            ack(response_action="errors", errors=errors)
            return
        try:
            proposal_id = _metadata_id(view)
            with self.rt.db.unit_of_work() as session:
                result = proposals.record_position(session, team_id, proposal_id, user_id, stance,
                                                   now=self.rt.clock(), reason=reason, credit=credit or None)
            # Separately: it redraws every open proposal the member is in, and holding this
            # proposal's lock while taking those could deadlock with someone doing the same.
            with self.rt.db.unit_of_work() as session:
                moved = proposals.set_organisation(session, team_id, user_id, organisation)
        except UserFacingError as error:
            ack(response_action="errors", errors={views.STANCE_FIELD: error.message})
            return
        ack()
        for changed in ({proposal_id} if result.changed else set()) | moved:
            self.refresher.request(team_id, changed)

    def all_positions(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id = body["team"]["id"]
        with telling(respond if body.get("response_url") else None, "showing a proposal's positions"):
            state = self.messages.fresh_state(team_id, _proposal_id(action.get("value")))
            if state is None:
                raise NotFound("That proposal no longer exists.")
            self.messages.open_form(body["trigger_id"], views.positions_modal(state))

    # Closing and the outcome
    def outcome_form(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
                     context: BoltContext) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        tell: Any = respond if body.get("response_url") else self._teller(user_id)
        with telling(tell, "opening the outcome form"):
            coordinator = asking(context).is_coordinator
            proposal_id = _proposal_id(action.get("value"))
            with self.rt.db.unit_of_work() as session:
                proposals.ensure_manager(session, team_id, proposal_id, user_id=user_id, is_coordinator=coordinator,
                                         doing="close it and record its outcome")
            state = self.messages.fresh_state(team_id, proposal_id)
            if state is None:
                raise NotFound("That proposal no longer exists.")
            self.messages.open_form(body["trigger_id"], views.outcome_modal(state))

    def outcome_submitted(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        outcome = (_field(view, views.OUTCOME_FIELD).get("selected_option") or {}).get("value") or ""
        # What is typed in a form arrives as typed (only command text comes escaped by Slack).
        statement = _field(view, views.STATEMENT_FIELD).get("value") or ""
        resolution = _field(view, views.RESOLUTION_FIELD).get("value") or ""
        fields = {"outcome": views.OUTCOME_FIELD, "statement": views.STATEMENT_FIELD,
                  "block_resolution": views.RESOLUTION_FIELD}
        has_resolution_field = any(b.get("block_id") == views.RESOLUTION_FIELD for b in view.get("blocks") or [])
        try:
            proposal_id = _metadata_id(view)
            coordinator = asking(context).is_coordinator
            with self.rt.db.unit_of_work() as session:
                decided = proposals.record_outcome(
                    session, team_id, proposal_id, user_id=user_id, is_coordinator=coordinator, outcome=outcome,
                    statement=statement, block_resolution=resolution, now=self.rt.clock())
        except proposals.OutcomeInvalid as error:
            errors = {fields[name]: message for name, message in error.fields.items()}
            if views.RESOLUTION_FIELD in errors and not has_resolution_field:
                # Someone blocked after the form was opened: the form has no place to say how it was resolved.
                errors[views.OUTCOME_FIELD] = errors.pop(views.RESOLUTION_FIELD) + " Open the form again to say how."
            ack(response_action="errors", errors=errors)
            return
        except UserFacingError as error:
            ack(response_action="errors", errors={views.OUTCOME_FIELD: error.message})
            return
        ack()
        with telling(self._teller(user_id), "posting a proposal's outcome"):
            proposal_jobs.cancel(self.rt.jobs, proposal_id)
            if decided.changed:
                self.refresher.request(team_id, proposal_id)
            # Recording the same outcome again finishes an announcement that failed half-way;
            # what was posted already is not posted twice.
            self.messages.announce_outcome(team_id, proposal_id)
            if decided.changed:
                for issue_id in decided.issue_ids[:CARDS_UPDATED_AT_ONCE]:
                    self.cards.update_card(team_id, issue_id)

    def reschedule_form(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
                        context: BoltContext) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(respond, "opening the closing-time form"):
            coordinator = asking(context).is_coordinator
            with self.rt.db.unit_of_work() as session:
                state = proposals.ensure_reschedulable(session, team_id, _proposal_id(action.get("value")),
                                                       user_id=user_id, is_coordinator=coordinator)
            zone = asking(context).zone
            self.messages.open_form(body["trigger_id"], views.reschedule_modal(state, zone_name=zone.key))

    def reschedule_submitted(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        typed = _field(view, views.CLOSES_FIELD).get("value") or ""
        try:
            proposal_id = _metadata_id(view)
            coordinator = asking(context).is_coordinator
            zone = asking(context).zone
            with self.rt.db.unit_of_work() as session:
                proposal = proposals.reschedule(session, team_id, proposal_id, user_id=user_id,
                                                is_coordinator=coordinator, closes_text=typed, zone=zone,
                                                now=self.rt.clock(), reminder_lead=self.rt.settings.poll_reminder_lead)
                closes_at, remind_at = proposal.closes_at, proposal.remind_at
        except UserFacingError as error:
            ack(response_action="errors", errors={views.CLOSES_FIELD: str(error)})
            return
        ack()
        with telling(self._teller(user_id), "changing when a proposal closes"):
            proposal_jobs.plan(self.rt.jobs, team_id, proposal_id, closes_at=closes_at, remind_at=remind_at)
            self.refresher.request(team_id, proposal_id)

    def delete(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
               context: BoltContext) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(respond, "deleting a proposal"):
            proposal_id = _proposal_id(action.get("value"))
            coordinator = asking(context).is_coordinator
            with self.rt.db.unit_of_work() as session:
                deleted = proposals.delete_proposal(session, team_id, proposal_id, user_id=user_id,
                                                    is_coordinator=coordinator)
            proposal_jobs.cancel(self.rt.jobs, proposal_id)
            self.messages.delete_message(deleted.channel_id, deleted.message_ts)
            ephemeral(respond, f"Deleted proposal {deleted.number} and everyone's positions on it.")

    def turn_page(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        with telling(respond, "turning a page of proposals"):
            try:
                data = json.loads(action.get("value") or "{}")
                which, page = str(data["w"]), max(1, int(data["p"]))
            except (ValueError, KeyError, TypeError):
                raise UserFacingError("That list is out of date; `/propose list` shows it afresh.") from None
            self._list(body["team"]["id"], "", respond, replace_original=True, which=which, page=page)
