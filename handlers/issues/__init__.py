"""`/issue`, the issue form, +1 and withdraw buttons and the *Log commissioning issue* message shortcut."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.runtime import Runtime
from bot.services import issues, issues_export, proposals_export
from bot.services.errors import InvalidInput, UserFacingError
from bot.services.issues import IssueDraft, IssuePrefill, Source
from bot.slack.home import HomePublisher
from bot.slack.issue_cards import IssueCards
from bot.slack.issues import IssueForms, send_export
from bot.slack.messages import tell_in_dm
from bot.text import subcommand
from bot.views import help as help_view
from bot.views import issues as issue_views
from bot.views.home import read_pages
from handlers.common import dm_teller, ephemeral, telling
from handlers.context import Asking, asking

logger = logging.getLogger(__name__)

COMMANDS = ("/issue",)
SHORTCUTS = (issue_views.SHORTCUT_CALLBACK,)

_CHANNEL_LINK_WITHOUT_NAME = re.compile(r"<#([CG][A-Z0-9]+)\|?>")


def register(app: App, runtime: Runtime) -> None:
    handler = IssueHandlers(runtime)
    app.command("/issue")(handler.command)
    app.view(issue_views.MODAL_CALLBACK)(handler.submit_form)
    app.shortcut(issue_views.SHORTCUT_CALLBACK)(handler.log_message)
    app.action(issue_views.PLUS_ONE_ACTION)(handler.plus_one)
    app.action(issue_views.PLUS_ONE_INSTEAD_ACTION)(handler.plus_one_instead)
    app.action(issue_views.WITHDRAW_ACTION)(handler.withdraw)
    app.action(issue_views.ADD_ANYWAY_ACTION)(handler.add_anyway)
    app.action(re.compile(f"^{issue_views.LIST_PAGE_ACTION_PREFIX}"))(handler.turn_page)
    app.action(issue_views.EDIT_ACTION)(handler.edit_button)
    app.action(issue_views.NEW_ACTION)(handler.new_from_home)
    app.action(issue_views.EXPORT_ACTION)(handler.export_from_home)
    app.action(re.compile(f"^{issue_views.CREDIT_ACTION_PREFIX}"))(handler.credit_chosen)


class IssueHandlers:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.cards = IssueCards(runtime.client, runtime.db, runtime.sender, runtime.clock, runtime.settings)
        self.home = HomePublisher(runtime.client, runtime.db, runtime.directory, runtime.clock, runtime.settings)

    def _forms(self, client: WebClient) -> IssueForms:
        """The issue form, opened with the client Bolt gave this request."""
        return IssueForms(client, self.rt.db, self.rt.clock)

    # /issue …
    def command(self, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient,
                context: BoltContext) -> None:
        text = (command.get("text") or "").strip()
        sub = subcommand(text)
        if sub.name == "help":
            ack(text=help_view.command_help_text("/issue"), blocks=help_view.command_help_blocks("/issue"))
            return
        routes: dict[str, Callable[[dict[str, Any], str, Respond, WebClient, Asking], None]] = {
            "": self._open_form,
            "list": self._list,
            "show": self._show,
            "tag": self._tag,
            "untag": self._untag,
            "close": self._close,
            "reopen": self._reopen,
            "edit": self._edit,
            "export": self._export,
            "tags": self._tags,
            "+1": self._plus_one_command,
            "plus1": self._plus_one_command,
            "withdraw": self._withdraw_command,
            "-1": self._withdraw_command,
            "unplus1": self._withdraw_command,
            "un+1": self._withdraw_command,
        }
        route = routes.get(sub.name)
        if route is None and " " not in text and not text.startswith(("#", '"', "“", "<")):
            # One word is a mistyped subcommand far more often than an issue.
            ack(text=f"/issue has no {sub.name}", blocks=help_view.unknown_subcommand_blocks("/issue", sub.name))
            return
        ack()
        with telling(respond, f"/issue {sub.name or 'form'}"):
            if route is None:
                self._add_one_line(command["team_id"], command["user_id"], text, respond, client,
                                   check_similar=True)
            else:
                route(command, sub.rest, respond, client, asking(context))

    def _open_form(self, command: dict[str, Any], rest: str, respond: Respond, client: WebClient,
                   who: Asking) -> None:
        self._forms(client).open(trigger_id=command["trigger_id"], team_id=command["team_id"],
                                 user_id=command["user_id"],
                                 prefill=IssuePrefill(response_url=command.get("response_url")))

    def _resolve_channel_tags(self, client: WebClient, text: str) -> str:
        """Slack turns `#word` into a channel link when a channel has that name; get the name back."""

        def named(match: re.Match[str]) -> str:
            try:
                name = client.conversations_info(channel=match.group(1))["channel"]["name"]
            except SlackApiError:
                raise InvalidInput("One of the tags is also a channel's name and Slack hid it. "
                                   "Try it with a different spelling, e.g. with a hyphen.") from None
            return f"<#{match.group(1)}|{name}>"

        return _CHANNEL_LINK_WITHOUT_NAME.sub(named, text)

    def _add_one_line(self, team_id: str, user_id: str, text: str, respond: Respond, client: WebClient, *,
                      check_similar: bool, replace_original: bool = False) -> None:
        text = self._resolve_channel_tags(client, text)
        draft = issues.validate_draft(issues.parse_one_line(text))
        self.rt.directory.ensure(team_id, user_id)
        if check_similar and issue_views.fits_in_button(text):
            with self.rt.db.unit_of_work() as session:
                similar = issues.similar(session, team_id, draft.title, tags=draft.tags)
            if similar:
                prompt_text, blocks = issue_views.similar_prompt(draft.title, similar, original_text=text)
                ephemeral(respond, prompt_text, blocks)
                return
        with self.rt.db.unit_of_work() as session:
            issue = issues.create_issue(session, team_id, draft, author_id=user_id, now=self.rt.clock())
            issue_id = issue.id
        self._announce_new(team_id, issue_id, lambda said: respond(
            text=said, response_type="ephemeral", replace_original=replace_original))

    def _announce_new(self, team_id: str, issue_id: int, tell: Callable[[str], Any]) -> None:
        """Post the card, ask a message's author how to credit them, and tell whoever added it."""
        posted = self.cards.publish_new_issue(team_id, issue_id)
        with self.rt.db.unit_of_work() as session:
            summary = issues.summary(session, team_id, issues.get_by_id(session, team_id, issue_id))
        tell(issue_views.added_text(summary, posted_in=posted.channel_id, problem=posted.problem))

    def _list(self, command: dict[str, Any], rest: str, respond: Respond, client: WebClient,
              who: Asking) -> None:
        query = issues.parse_list_query(self._resolve_channel_tags(client, rest))
        self._respond_with_page(command["team_id"], command["user_id"], query, respond, replace_original=False)

    def _respond_with_page(self, team_id: str, user_id: str, query: issues.ListQuery, respond: Respond, *,
                           replace_original: bool) -> None:
        with self.rt.db.unit_of_work() as session:
            page = issues.list_page(session, team_id, query, viewer=user_id)
        respond(text=f"{page.total} issue(s)", blocks=issue_views.list_blocks(page), response_type="ephemeral",
                replace_original=replace_original)

    def _show(self, command: dict[str, Any], rest: str, respond: Respond, client: WebClient,
              who: Asking) -> None:
        number = issues.parse_number(rest, doing="show")
        self._respond_with_details(command["team_id"], command["user_id"], number, respond, replace_original=False,
                                   coordinator=who.is_coordinator)

    def _respond_with_details(self, team_id: str, user_id: str, number: int, respond: Respond, *,
                              replace_original: bool, coordinator: bool) -> None:
        with self.rt.db.unit_of_work() as session:
            found = issues.details(session, team_id, number, viewer=user_id, viewer_is_coordinator=coordinator)
        respond(text=f"Issue #{number}", blocks=issue_views.show_blocks(found), response_type="ephemeral",
                replace_original=replace_original)

    def _number_and_rest(self, rest: str, doing: str) -> tuple[int, str]:
        head, _, tail = rest.strip().partition(" ")
        return issues.parse_number(head, doing=doing), tail.strip()

    def _tag(self, command: dict[str, Any], rest: str, respond: Respond, client: WebClient,
             who: Asking) -> None:
        number, tags_text = self._number_and_rest(rest, "tag")
        team_id, user_id = command["team_id"], command["user_id"]
        raw = issues.split_tag_text(self._resolve_channel_tags(client, tags_text))
        with self.rt.db.unit_of_work() as session:
            issue, added = issues.tag(session, team_id, number, raw, actor_id=user_id, now=self.rt.clock())
            issue_id = issue.id
        self.cards.update_card(team_id, issue_id)
        if added:
            ephemeral(respond, f":label: Tagged issue #{number} " + " ".join(f"#{t}" for t in added) + ".")
        else:
            ephemeral(respond, f"Issue #{number} already had those tags.")

    def _untag(self, command: dict[str, Any], rest: str, respond: Respond, client: WebClient,
               who: Asking) -> None:
        number, tags_text = self._number_and_rest(rest, "untag")
        team_id, user_id = command["team_id"], command["user_id"]
        raw = issues.split_tag_text(self._resolve_channel_tags(client, tags_text))
        coordinator = who.is_coordinator
        with self.rt.db.unit_of_work() as session:
            issue, removed = issues.untag(session, team_id, number, raw, actor_id=user_id, now=self.rt.clock(),
                                          acting_is_coordinator=coordinator)
            issue_id = issue.id
        self.cards.update_card(team_id, issue_id)
        if removed:
            ephemeral(respond, "Removed " + " ".join(f"#{t}" for t in removed) + f" from issue #{number}.")
        else:
            ephemeral(respond, f"Issue #{number} had none of those tags.")

    def _close(self, command: dict[str, Any], rest: str, respond: Respond, client: WebClient,
               who: Asking) -> None:
        number, resolution = self._number_and_rest(rest, "close")
        team_id, user_id = command["team_id"], command["user_id"]
        coordinator = who.is_coordinator
        with self.rt.db.unit_of_work() as session:
            issue = issues.close(session, team_id, number, resolution, actor_id=user_id, now=self.rt.clock(),
                                 acting_is_coordinator=coordinator)
            issue_id = issue.id
        self.cards.update_card(team_id, issue_id)
        ephemeral(respond, f":white_check_mark: Closed issue #{number}. `/issue reopen {number}` opens it again.")

    def _reopen(self, command: dict[str, Any], rest: str, respond: Respond, client: WebClient,
                who: Asking) -> None:
        number = issues.parse_number(rest, doing="reopen")
        team_id, user_id = command["team_id"], command["user_id"]
        coordinator = who.is_coordinator
        with self.rt.db.unit_of_work() as session:
            issue = issues.reopen(session, team_id, number, actor_id=user_id, now=self.rt.clock(),
                                  acting_is_coordinator=coordinator)
            issue_id = issue.id
        self.cards.update_card(team_id, issue_id)
        ephemeral(respond, f"Issue #{number} is open again.")

    def _edit(self, command: dict[str, Any], rest: str, respond: Respond, client: WebClient,
              who: Asking) -> None:
        number = issues.parse_number(rest, doing="edit")
        self._open_edit_form(command["team_id"], command["user_id"], number, command["trigger_id"], client,
                             response_url=command.get("response_url"))

    def _open_edit_form(self, team_id: str, user_id: str, number: int, trigger_id: str, client: WebClient, *,
                        response_url: str | None) -> None:
        with self.rt.db.unit_of_work() as session:
            prefill = issues.prefill_for_edit(session, team_id, number, user_id)
        self._forms(client).open(trigger_id=trigger_id, team_id=team_id, user_id=user_id,
                                 prefill=replace(prefill, response_url=response_url))

    def _tags(self, command: dict[str, Any], rest: str, respond: Respond, client: WebClient,
              who: Asking) -> None:
        with self.rt.db.unit_of_work() as session:
            usage = issues.tags_in_use(session, command["team_id"])
        ephemeral(respond, "Tags", issue_views.tags_blocks(usage))

    def _plus_one_command(self, command: dict[str, Any], rest: str, respond: Respond, client: WebClient,
                          who: Asking) -> None:
        number = issues.parse_number(rest, doing="+1")
        team_id, user_id = command["team_id"], command["user_id"]
        with self.rt.db.unit_of_work() as session:
            issue_id = issues.get(session, team_id, number).id
            result = issues.add_plus_one(session, team_id, issue_id, user_id, now=self.rt.clock())
        self.cards.update_card(team_id, issue_id)
        ephemeral(respond, issue_views.plus_one_text(result))

    def _withdraw_command(self, command: dict[str, Any], rest: str, respond: Respond, client: WebClient,
                          who: Asking) -> None:
        number = issues.parse_number(rest, doing="withdraw")
        team_id, user_id = command["team_id"], command["user_id"]
        with self.rt.db.unit_of_work() as session:
            issue_id = issues.get(session, team_id, number).id
            result = issues.withdraw_plus_one(session, team_id, issue_id, user_id, now=self.rt.clock())
        self.cards.update_card(team_id, issue_id)
        ephemeral(respond, issue_views.withdraw_text(result))

    def _export(self, command: dict[str, Any], rest: str, respond: Respond, client: WebClient,
                who: Asking) -> None:
        team_id, user_id = command["team_id"], command["user_id"]
        self._send_export(team_id, user_id, client, full=who.is_coordinator, zone=who.zone)
        ephemeral(respond, "I have sent you a direct message with the register as a CSV, a Markdown evidence pack and "
                           "the decisions on proposals (decisions.csv).")

    def _send_export(self, team_id: str, user_id: str, client: WebClient, *, full: bool, zone: ZoneInfo) -> None:
        """The register, the evidence pack and decisions.csv, in a DM to whoever asked."""
        now = self.rt.clock()
        with self.rt.db.unit_of_work() as session:
            rows = issues_export.export_rows(session, team_id, full=full)
            decisions = proposals_export.decisions(session, team_id)
        stamp = now.astimezone(zone).strftime("%Y-%m-%d")
        asks = proposals_export.markdown_section(decisions, zone=zone)
        send_export(
            client, user_id,
            file_uploads=[
                {"content": issues_export.as_csv(rows, full=full), "filename": f"convene-issues-{stamp}.csv",
                 "title": "Commissioning issues (CSV)"},
                {"content": issues_export.as_markdown(rows, generated_at=now, zone=zone, leading=[asks]),
                 "filename": f"convene-evidence-pack-{stamp}.md", "title": "Commissioning issues: evidence pack"},
                {"content": proposals_export.as_csv(decisions, zone=zone), "filename": "decisions.csv",
                 "title": "Decisions on proposals (CSV)"},
            ],
            comment=issue_views.export_comment(len(rows), full=full, decisions=len(decisions)),
        )

    # The App Home's buttons
    def new_from_home(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """*Log an issue*: the form `/issue` alone opens; how it went is told in a DM."""
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(dm_teller(client, user_id), "opening the issue form from the App Home"):
            self._forms(client).open(trigger_id=body["trigger_id"], team_id=team_id, user_id=user_id,
                                     prefill=IssuePrefill())

    def export_from_home(self, ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        """*Export* (coordinators): what `/issue export` sends a coordinator, in the same DM."""
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(dm_teller(client, user_id), "exporting the register from the App Home"):
            who = asking(context)
            who.require_coordinator("export the register from the App Home (`/issue export` sends you the "
                                    "members' version)")
            self._send_export(team_id, user_id, client, full=True, zone=who.zone)

    # The form
    def submit_form(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        token, similar_shown = issue_views.decode_metadata(view.get("private_metadata") or "")
        answers = _form_answers(view)
        try:
            with self.rt.db.unit_of_work() as session:
                row = issues.form_for(session, team_id, user_id, token, now=self.rt.clock())
        except UserFacingError as error:
            ack(response_action="errors", errors={issue_views.TITLE_BLOCK: error.message})
            return
        draft, errors = issues.draft_from_answers(row, user_id, answers)
        if draft is None:
            ack(response_action="errors", errors={_FIELD_BLOCKS[name]: message for name, message in errors.items()})
            return
        if row.issue_id is None:
            with self.rt.db.unit_of_work() as session:
                existing = issues.created_from(session, team_id, row.origin) if row.origin else None
                similar = [] if similar_shown or existing else issues.similar(
                    session, team_id, draft.title, tags=draft.tags, viewer=user_id)
                shown = None
                if similar:
                    shown = issues.form_view(session, row, user_id, title=draft.title, detail=draft.detail,
                                             tags=draft.tags, credit=draft.credit, organisation=draft.organisation)
                    used = issues.tag_suggestions(session, team_id)
            if existing is not None:
                ack(response_action="errors", errors={issue_views.TITLE_BLOCK: (
                    f"This is already issue #{existing.number}. Close this form and +1 it instead.")})
                return
            if shown is not None:
                ack(response_action="update", view=issue_views.issue_modal(
                    shown, used_tags=used, similar=similar, similar_shown=True,
                    voted={item.id for item in similar if item.voted}))
                return
        ack()
        tell = self._teller(user_id, row.response_url, client)
        with telling(tell, "saving an issue from the form"):
            self._save(team_id, user_id, token, draft, client, tell)

    def _save(self, team_id: str, user_id: str, token: str, draft: IssueDraft, client: WebClient,
              tell: Callable[[str], None]) -> None:
        with self.rt.db.unit_of_work() as session:
            row = issues.form_for(session, team_id, user_id, token, now=self.rt.clock())
            source = Source(row.source_channel_id, row.source_ts) if row.source_channel_id and row.source_ts else None
            known_link = row.source_permalink
            people = [person for person in (row.author_id, user_id) if person]
        permalink = _permalink(client, source) if source is not None and not known_link else None
        # Their names are shown on the card (if they chose so), so know them first.
        self.rt.directory.ensure_many(team_id, list(dict.fromkeys(people)))
        with self.rt.db.unit_of_work() as session:
            row = issues.form_for(session, team_id, user_id, token, now=self.rt.clock())
            saved = issues.save_form(session, team_id, user_id, row, draft, now=self.rt.clock(), permalink=permalink)
        if saved.new:
            self._announce_new(team_id, saved.issue_id, tell)
        else:
            self.cards.update_card(team_id, saved.issue_id)
            tell(f":white_check_mark: Saved your changes to issue #{saved.number}.")

    def _teller(self, user_id: str, response_url: str | None, client: WebClient) -> Callable[[str], None]:
        """Where to tell someone how their form went: where they opened it, else a DM."""

        def tell(text: str) -> None:
            if response_url:
                try:
                    sent = WebhookClient(response_url).send(text=text, response_type="ephemeral",
                                                            replace_original=False)
                    if sent.status_code == 200:
                        return
                    logger.warning("The response URL answered %s; sending a DM instead", sent.status_code)
                except OSError:
                    logger.exception("Could not answer on the response URL; sending a DM instead")
            tell_in_dm(client, user_id, text)

        return tell

    # The message shortcut
    def log_message(self, ack: Ack, shortcut: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        team_id, user_id = shortcut["team"]["id"], shortcut["user"]["id"]
        with telling(respond, "logging a message as an issue"):
            message = shortcut.get("message") or {}
            channel_id = shortcut["channel"]["id"]
            ts: str = message.get("ts") or shortcut["message_ts"]
            origin = f"message:{channel_id}:{ts}"
            with self.rt.db.unit_of_work() as session:
                existing = issues.created_from(session, team_id, origin)
            if existing is not None:
                raise issues.AlreadyLogged(existing.number)
            human = message.get("user") if not message.get("bot_id") and message.get("subtype") != "bot_message" else None
            prefill = issues.prefill_from_message(
                message.get("text") or "", origin=origin, author_id=human if human != user_id else None,
                source=Source(channel_id, ts), response_url=shortcut.get("response_url"),
            )
            self._forms(client).open(trigger_id=shortcut["trigger_id"], team_id=team_id, user_id=user_id,
                                     prefill=prefill)

    # Buttons
    def plus_one(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                 respond: Respond, context: BoltContext) -> None:
        """The +1 button, wherever it is: it only adds, so a second tap changes nothing and says so."""
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        container = body.get("container") or {}
        data = issue_views.read_value(action.get("value", ""))
        in_view = container.get("type") == "view"
        tell: Any = self._teller(user_id, None, client) if in_view else respond
        with telling(tell, "counting a +1"):
            issue_id = int(data.get("i", 0))
            with self.rt.db.unit_of_work() as session:
                result = issues.add_plus_one(session, team_id, issue_id, user_id, now=self.rt.clock())
            self.cards.update_card(team_id, issue_id)
            if result.changed or in_view:
                # The Home or the form shows the +1 as given, which is the whole answer to a double tap.
                self._redraw_where_clicked(body, data, team_id, user_id, result, client, respond, context)
            else:
                ephemeral(respond, issue_views.plus_one_text(result, on_card=not container.get("is_ephemeral")))

    def withdraw(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                 respond: Respond, context: BoltContext) -> None:
        """*Withdraw my +1*: the card's ⋯ menu, or the button in `/issue show` once you have +1'd."""
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        container = body.get("container") or {}
        raw = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
        data = issue_views.read_value(raw)
        in_view = container.get("type") == "view"
        tell: Any = self._teller(user_id, None, client) if in_view else respond
        with telling(tell, "withdrawing a +1"):
            issue_id = int(data.get("i", 0))
            with self.rt.db.unit_of_work() as session:
                result = issues.withdraw_plus_one(session, team_id, issue_id, user_id, now=self.rt.clock())
            self.cards.update_card(team_id, issue_id)
            if result.changed and (in_view or container.get("is_ephemeral")):
                self._redraw_where_clicked(body, data, team_id, user_id, result, client, respond, context)
            elif in_view:
                tell(issue_views.withdraw_text(result))
            else:
                ephemeral(respond, issue_views.withdraw_text(result))

    def _redraw_where_clicked(self, body: dict[str, Any], data: dict[str, Any], team_id: str, user_id: str,
                              result: issues.PlusOne, client: WebClient, respond: Respond,
                              context: BoltContext) -> None:
        """After a +1 changed: the Home, the form or the ephemeral list or details it was given in, redrawn.

        A card in the channel needs nothing more here; `update_card` has redrawn it for everyone.
        """
        container = body.get("container") or {}
        if container.get("type") == "view" and (body.get("view") or {}).get("type") == "home":
            # The Home keeps each section on the page it showed.
            self.home.publish(team_id, user_id, pages=read_pages(body.get("view")))
        elif container.get("type") == "view":
            self._mark_in_form(body["view"], team_id, user_id, result.issue_id, client)
        elif container.get("is_ephemeral"):
            query = issue_views.query_from(data.get("l"))
            if query is not None:
                self._respond_with_page(team_id, user_id, query, respond, replace_original=True)
            else:
                self._respond_with_details(team_id, user_id, result.number, respond, replace_original=True,
                                           coordinator=asking(context).is_coordinator)

    def _mark_in_form(self, form: dict[str, Any], team_id: str, user_id: str, issue_id: int,
                      client: WebClient) -> None:
        self._forms(client).mark_plus_one(form, team_id, user_id, issue_id)

    def plus_one_instead(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(respond, "counting a +1 instead of a new issue"):
            issue_id = int(issue_views.read_value(action.get("value", "")).get("i", 0))
            with self.rt.db.unit_of_work() as session:
                result = issues.add_plus_one(session, team_id, issue_id, user_id, now=self.rt.clock())
            self.cards.update_card(team_id, issue_id)
            said = issue_views.plus_one_text(result)
            respond(text=said + " Your issue was not added again.", response_type="ephemeral", replace_original=True)

    def add_anyway(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
                   client: WebClient) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(respond, "adding an issue after seeing similar ones"):
            self._add_one_line(team_id, user_id, action.get("value") or "", respond, client, check_similar=False,
                               replace_original=True)

    def turn_page(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(respond, "turning a page of issues"):
            query = issue_views.query_from(issue_views.read_value(action.get("value", "")).get("l"))
            if query is None:
                raise UserFacingError("That list is out of date; `/issue list` shows it afresh.")
            self._respond_with_page(team_id, user_id, query, respond, replace_original=True)

    def edit_button(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
                    client: WebClient) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(respond, "opening the edit form"):
            number = issues.parse_number(action.get("value") or "", doing="edit")
            self._open_edit_form(team_id, user_id, number, body["trigger_id"], client,
                                 response_url=body.get("response_url"))

    def credit_chosen(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        with telling(respond, "recording how an author wants to be credited"):
            data = issue_views.read_value(action.get("value", ""))
            credit = issues.credit_choice(data.get("c"))
            issue_id = int(data.get("i", 0))
            with self.rt.db.unit_of_work() as session:
                issue = issues.choose_credit(session, team_id, issue_id, user_id, credit, now=self.rt.clock())
                number, organisation = issue.number, issue.organisation
            self.cards.update_card(team_id, issue_id)
            respond(text=issue_views.credit_answered(number, credit, organisation), replace_original=True)


_FIELD_BLOCKS = {
    "title": issue_views.TITLE_BLOCK,
    "detail": issue_views.DETAIL_BLOCK,
    "tags": issue_views.NEW_TAGS_BLOCK,
    "organisation": issue_views.ORGANISATION_BLOCK,
}


def _form_answers(form: dict[str, Any]) -> issues.FormAnswers:
    """What the form's state says was typed and picked."""
    values = (form.get("state") or {}).get("values") or {}

    def state(block: str, action: str) -> dict[str, Any]:
        return (values.get(block) or {}).get(action) or {}

    chosen = [o["value"] for o in state(issue_views.THEMES_BLOCK, issue_views.THEMES_INPUT).get("selected_options") or []]
    chosen += [o["value"] for o in state(issue_views.COMMISSIONER_BLOCK, issue_views.COMMISSIONER_INPUT).get("selected_options") or []]
    credit_option = state(issue_views.CREDIT_BLOCK, issue_views.CREDIT_INPUT).get("selected_option") or {}
    return issues.FormAnswers(
        title=state(issue_views.TITLE_BLOCK, issue_views.TITLE_INPUT).get("value") or "",
        detail=state(issue_views.DETAIL_BLOCK, issue_views.DETAIL_INPUT).get("value") or "",
        chosen_tags=tuple(chosen),
        other_tags=state(issue_views.NEW_TAGS_BLOCK, issue_views.NEW_TAGS_INPUT).get("value") or "",
        credit=credit_option.get("value"),
        organisation=state(issue_views.ORGANISATION_BLOCK, issue_views.ORGANISATION_INPUT).get("value"),
    )


def _permalink(client: WebClient, source: Source) -> str | None:
    try:
        return client.chat_getPermalink(channel=source.channel_id, message_ts=source.ts)["permalink"]
    except SlackApiError as error:
        logger.warning("No permalink for %s/%s: %s", source.channel_id, source.ts, error.response.get("error"))
        return None
