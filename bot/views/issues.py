"""The register of issues as Slack shows it: cards, the form, lists, details, the credit question."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from bot.services.issues import (
    COMMISSIONERS,
    DETAIL_MAX,
    ORGANISATION_MAX,
    STARTER_THEMES,
    TITLE_MAX,
    Credit,
    FormView,
    IssueDetails,
    IssueSummary,
    ListQuery,
    Page,
    PlusOne,
    label_of,
)
from bot.services.paging import Window
from bot.services.proposals import OUTCOME_LABELS
from bot.text import escape, truncate
from bot.views.blocks import (
    MAX_BUTTON_VALUE,
    MAX_SECTION_TEXT,
    Block,
    actions,
    button,
    confirm_dialog,
    context,
    date_token,
    divider,
    fit_blocks,
    header,
    input_block,
    message_text,
    modal,
    option,
    plain,
    section,
)
from bot.views.paging import home_pager, page_label, pager

MODAL_CALLBACK = "issue_modal"
SHORTCUT_CALLBACK = "issue_log_message"
PLUS_ONE_ACTION = "issue_plus_one"
PLUS_ONE_INSTEAD_ACTION = "issue_plus_one_instead"
WITHDRAW_ACTION = "issue_withdraw_plus_one"
ADD_ANYWAY_ACTION = "issue_add_anyway"
LIST_PAGE_ACTION_PREFIX = "issue_list_page"
EDIT_ACTION = "issue_edit"
NEW_ACTION = "issue_new"  # the App Home's *Log an issue*: the form `/issue` alone opens
EXPORT_ACTION = "issue_export"  # the App Home's *Export* (coordinators): what `/issue export` sends
# The App Home's section of open issues, for its paging buttons.
HOME_SECTION = "issues"
CREDIT_ACTION_PREFIX = "issue_credit_"

TITLE_BLOCK, TITLE_INPUT = "issue_title", "title"
DETAIL_BLOCK, DETAIL_INPUT = "issue_detail", "detail"
THEMES_BLOCK, THEMES_INPUT = "issue_themes", "themes"
COMMISSIONER_BLOCK, COMMISSIONER_INPUT = "issue_commissioner", "commissioner"
NEW_TAGS_BLOCK, NEW_TAGS_INPUT = "issue_new_tags", "new_tags"
CREDIT_BLOCK, CREDIT_INPUT = "issue_credit", "credit"
ORGANISATION_BLOCK, ORGANISATION_INPUT = "issue_organisation", "organisation"
SIMILAR_BLOCK_PREFIX = "issue_similar_"

CARD_DETAIL_LIMIT = 600
MAX_SELECT_OPTIONS = 100

# README's "Privacy" section says the same.
CREDIT_WORDS = {
    Credit.NAMED: ("Name me", "Your name is shown with the issue"),
    Credit.ORGANISATION: ("My organisation only", "Your organisation is shown, never your name"),
    Credit.ANONYMOUS: ("Anonymous", "Nobody in Slack can tell it was you, coordinators included"),
}
CREDIT_HINT = ("Only you see your own issues as yours. Whoever hosts Convene's database can read who raised what; "
               "after /convene forget-me your issues stay in the register as anonymous.")


def _tags_text(tags: Sequence[str]) -> str:
    return " ".join(f"#{escape(tag)}" for tag in tags)


def _plus_ones(count: int) -> str:
    return "no +1s yet" if count == 0 else ("1 +1" if count == 1 else f"{count} +1s")


def _when(summary: IssueSummary) -> str:
    epoch = int(summary.created_at.timestamp())
    return date_token(epoch, "{date_short}", summary.created_at.strftime("%d %b %Y"))


def _value(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"))


# A +1 button only ever adds, and keeps its place once clicked: a double tap on a phone must not
# land on a button that takes the +1 away again. Withdrawing is its own action, further along.
SUPPORTED_LABEL = ":white_check_mark: +1'd"
WITHDRAW_LABEL = "Withdraw my +1"


def _plus_one_button(item: IssueSummary, value: str) -> dict[str, Any]:
    return button(SUPPORTED_LABEL if item.voted else "+1", PLUS_ONE_ACTION, value=value)


def _withdraw_confirm(number: int) -> dict[str, Any]:
    return confirm_dialog(f"Withdraw your +1 on #{number}?",
                          f"Issue #{number} will count one +1 fewer. You can +1 it again any time.",
                          confirm="Withdraw", deny="Keep it")


def withdraw_command(number: int) -> str:
    return f"`/issue withdraw {number}`"


def plus_one_value(issue_id: int, query: ListQuery | None = None) -> str:
    data: dict[str, Any] = {"i": issue_id}
    if query is not None:
        data["l"] = [query.tag, query.order, query.status, query.page]
    return _value(data)


def read_value(value: str) -> dict[str, Any]:
    try:
        data = json.loads(value or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def query_from(data: Any) -> ListQuery | None:
    if not isinstance(data, list) or len(data) != 4:
        return None
    tag, order, status, page = data
    return ListQuery(tag=tag if isinstance(tag, str) else None, order=str(order), status=str(status),
                     page=int(page) if isinstance(page, int) else 1)


# ---------------------------------------------------------------------------------------------
# The card in the group's channel
# ---------------------------------------------------------------------------------------------


def card_message(summary: IssueSummary) -> tuple[str, list[Block]]:
    """(notification text, blocks) of an issue's card: +1 button, tags, credit line, +1 count."""
    title = escape(summary.title)
    body = f"*#{summary.number}* {title}"
    if summary.detail:
        body += "\n" + escape(truncate(summary.detail, CARD_DETAIL_LIMIT))
    blocks: list[Block] = [section(body)]
    facts = [escape(summary.attribution.line()), _plus_ones(summary.plus_ones)]
    if summary.tags:
        facts.insert(0, _tags_text(summary.tags))
    if summary.source_permalink:
        facts.append(f"<{summary.source_permalink}|the original message>")
    blocks.append(context(" · ".join(facts)))
    blocks.extend(_decision_blocks(summary))
    if summary.is_open:
        # Everyone sees the same card, so the withdraw option is offered to all; it says so when
        # there was no +1 to withdraw, and never shows who has +1'd.
        withdraw = {"type": "overflow", "action_id": WITHDRAW_ACTION,
                    "options": [option(WITHDRAW_LABEL, plus_one_value(summary.id))],
                    "confirm": _withdraw_confirm(summary.number)}
        blocks.append(actions(
            button(f"+1 ({summary.plus_ones})" if summary.plus_ones else "+1", PLUS_ONE_ACTION,
                   value=plus_one_value(summary.id)),
            withdraw,
            block_id=f"issue_card_{summary.id}",
        ))
        blocks.append(context(f"`/issue show {summary.number}` for the detail and history"))
    else:
        blocks.append(context(f":white_check_mark: Closed: {escape(truncate(summary.resolution or '', 1500))}"))
    return message_text(f"Issue #{summary.number}: {title}"), blocks


def _decision_blocks(summary: IssueSummary, *, shown: int = 3) -> list[Block]:
    """The decided proposals that addressed the issue (`/propose`), newest last."""
    if not summary.decisions:
        return []
    lines = [f":ballot_box_with_ballot: Proposal {d.number}, *{OUTCOME_LABELS.get(d.outcome, d.outcome)}*: "
             f"{escape(truncate(d.text.splitlines()[0] if d.text else '', 150))}" for d in summary.decisions[-shown:]]
    if len(summary.decisions) > shown:
        lines.insert(0, f"…and {len(summary.decisions) - shown} earlier decisions (`/propose list decided`)")
    return [context("\n".join(lines))]


# ---------------------------------------------------------------------------------------------
# The form
# ---------------------------------------------------------------------------------------------


def encode_metadata(form: FormView, *, similar_shown: bool) -> str:
    """The form's private metadata: which form it is (kept on the server), nothing about anyone."""
    data: dict[str, Any] = {"f": form.token}
    if similar_shown:
        data["shown"] = 1
    return _value(data)


def decode_metadata(raw: str) -> tuple[str, bool]:
    """The form's token and whether similar issues were shown; a hint, checked against the server."""
    data = read_value(raw)
    token = data.get("f")
    return (token if isinstance(token, str) else ""), bool(data.get("shown"))


def _tag_option(tag: str) -> dict[str, Any]:
    return option(label_of(tag), tag)


def issue_modal(
    form: FormView,
    *,
    used_tags: Sequence[str],
    similar: Sequence[IssueSummary] = (),
    similar_shown: bool = False,
    voted: set[int] | None = None,
) -> dict[str, Any]:
    """The form that adds (or edits) an issue, prefilled; other areas open it with their own prefill."""
    theme_tags = [theme.tag for theme in STARTER_THEMES]
    commissioner_tags = {theme.tag for theme in COMMISSIONERS}
    extra_room = MAX_SELECT_OPTIONS - len(theme_tags)
    candidates = [tag for tag in used_tags if tag not in theme_tags and tag not in commissioner_tags]
    # The issue's own tags first, so they show as chosen however many tags the group uses.
    used = sorted(candidates, key=lambda tag: tag not in form.tags)[:extra_room]
    offered = set(theme_tags) | set(used)
    chosen_themes = [tag for tag in form.tags if tag in offered]
    chosen_commissioners = [tag for tag in form.tags if tag in commissioner_tags]
    other_tags = [tag for tag in form.tags if tag not in offered and tag not in commissioner_tags]

    blocks: list[Block] = []
    if form.source_channel_id and form.message_author:
        blocks.append(context(f"From a message by <@{form.message_author}> in <#{form.source_channel_id}>."))
    elif form.source_channel_id and form.own_message:
        blocks.append(context(f"From your message in <#{form.source_channel_id}>."))
    elif form.source_channel_id:
        blocks.append(context(f"From a message in <#{form.source_channel_id}>."))

    title_input: dict[str, Any] = {"type": "plain_text_input", "action_id": TITLE_INPUT, "max_length": TITLE_MAX,
                                   "placeholder": plain("e.g. Lead providers pass on risk but not the money", limit=150)}
    if form.title:
        title_input["initial_value"] = truncate(form.title, TITLE_MAX)
    blocks.append(input_block("What is the issue?", title_input, block_id=TITLE_BLOCK,
                              hint="One line the group will recognise."))

    detail_input: dict[str, Any] = {"type": "plain_text_input", "action_id": DETAIL_INPUT, "multiline": True,
                                    "max_length": DETAIL_MAX,
                                    "placeholder": plain("What happened, who it affects, what would help", limit=150)}
    if form.detail:
        detail_input["initial_value"] = truncate(form.detail, DETAIL_MAX)
    blocks.append(input_block("Detail", detail_input, block_id=DETAIL_BLOCK, optional=True))

    groups = [{"label": plain("Themes", limit=75), "options": [_tag_option(tag) for tag in theme_tags]}]
    if used:
        groups.append({"label": plain("Used in this group", limit=75), "options": [_tag_option(tag) for tag in used]})
    themes_input: dict[str, Any] = {"type": "multi_static_select", "action_id": THEMES_INPUT,
                                    "placeholder": plain("Pick themes", limit=150), "option_groups": groups}
    if chosen_themes:
        themes_input["initial_options"] = [_tag_option(tag) for tag in chosen_themes]
    blocks.append(input_block("Themes", themes_input, block_id=THEMES_BLOCK, optional=True))

    commissioner_options = [option(theme.label, theme.tag) for theme in COMMISSIONERS]
    commissioner_input: dict[str, Any] = {"type": "checkboxes", "action_id": COMMISSIONER_INPUT,
                                          "options": commissioner_options}
    if chosen_commissioners:
        commissioner_input["initial_options"] = [o for o in commissioner_options if o["value"] in chosen_commissioners]
    blocks.append(input_block("Commissioner", commissioner_input, block_id=COMMISSIONER_BLOCK, optional=True))

    new_tags_input: dict[str, Any] = {"type": "plain_text_input", "action_id": NEW_TAGS_INPUT, "max_length": 500,
                                      "placeholder": plain("#housing #rural", limit=150)}
    if other_tags:
        new_tags_input["initial_value"] = " ".join(f"#{tag}" for tag in other_tags)
    blocks.append(input_block("Other tags", new_tags_input, block_id=NEW_TAGS_BLOCK, optional=True,
                              hint="Words starting with #, e.g. #housing #rural."))

    if form.message_author:
        blocks.append(context(f"<@{form.message_author}> wrote this. Convene will ask them how they want to be "
                              "credited; until they answer, the issue won't name them."))
    elif form.credited_as is not None:
        blocks.append(context(f"Credited as its author chose: {escape(form.credited_as.label())}."))
    elif not form.chooses_credit:
        blocks.append(context("Its author will not be named."))
    else:
        credit_options = [option(words[0], credit.value, description=words[1]) for credit, words in CREDIT_WORDS.items()]
        current = form.credit if form.credit in CREDIT_WORDS else Credit.NAMED
        blocks.append(input_block("How should you be credited?", {
            "type": "radio_buttons", "action_id": CREDIT_INPUT, "options": credit_options,
            "initial_option": next(o for o in credit_options if o["value"] == current.value),
        }, block_id=CREDIT_BLOCK, hint=CREDIT_HINT))
        organisation_input: dict[str, Any] = {"type": "plain_text_input", "action_id": ORGANISATION_INPUT,
                                              "max_length": ORGANISATION_MAX,
                                              "placeholder": plain("e.g. Riverside Community Trust", limit=150)}
        if form.organisation:
            organisation_input["initial_value"] = truncate(form.organisation, ORGANISATION_MAX)
        blocks.append(input_block("Your organisation", organisation_input, block_id=ORGANISATION_BLOCK,
                                  optional=True, hint="Shown with your name, or alone if you choose organisation "
                                                      "only; never with an anonymous issue."))

    if similar:
        blocks.append(divider())
        blocks.extend(similar_blocks(similar, voted=voted or set()))

    if form.editing:
        title, submit = "Edit issue", "Save"
    elif similar_shown and similar:
        title, submit = "Add an issue", "Add it anyway"
    else:
        title, submit = ("Log as an issue" if form.source_channel_id else "Add an issue"), "Add issue"
    return modal(title, blocks, callback_id=MODAL_CALLBACK, submit=submit,
                 private_metadata=encode_metadata(form, similar_shown=similar_shown or bool(similar)))


def similar_blocks(similar: Sequence[IssueSummary], *, voted: set[int]) -> list[Block]:
    blocks: list[Block] = [section("*Already in the register?* If one of these is the same issue, "
                                   "+1 it instead of adding it again:")]
    for item in similar:
        blocks.append(_similar_row(item, voted=item.id in voted))
    return blocks


def _similar_row(item: IssueSummary, *, voted: bool) -> Block:
    state = "" if item.is_open else " _(closed)_"
    text = f"*#{item.number}* {escape(item.title)}{state}\n{_plus_ones(item.plus_ones)}"
    if item.tags:
        text += " · " + _tags_text(item.tags)
    accessory = None
    if voted:
        text += "\n:white_check_mark: You +1'd this"
    elif item.is_open:
        accessory = button(f"+1 #{item.number}", PLUS_ONE_ACTION, value=plus_one_value(item.id))
    return section(text, block_id=f"{SIMILAR_BLOCK_PREFIX}{item.id}", accessory=accessory)


def mark_plus_one_in_modal(view_blocks: list[Block], item: IssueSummary) -> list[Block]:
    """The modal's blocks with one similar issue shown as +1'd (or not) after a click in it."""
    return [_similar_row(item, voted=item.voted) if block.get("block_id") == f"{SIMILAR_BLOCK_PREFIX}{item.id}"
            else block for block in view_blocks]


# ---------------------------------------------------------------------------------------------
# Replies
# ---------------------------------------------------------------------------------------------


def similar_prompt(title: str, similar: Sequence[IssueSummary], *, original_text: str) -> tuple[str, list[Block]]:
    """Before a one-line issue is added: the ones that look the same, to +1 instead."""
    blocks: list[Block] = [section(f"Before I add *{escape(title)}*: these look like the same issue. "
                                   "+1 one of them, or add yours anyway.")]
    for item in similar:
        text = f"*#{item.number}* {escape(item.title)}\n{_plus_ones(item.plus_ones)}"
        if item.tags:
            text += " · " + _tags_text(item.tags)
        blocks.append(section(text, accessory=button(f"+1 #{item.number}", PLUS_ONE_INSTEAD_ACTION,
                                                     value=plus_one_value(item.id))))
    blocks.append(actions(button("Add mine anyway", ADD_ANYWAY_ACTION, value=original_text, style="primary")))
    return message_text(f"Before I add it: {len(similar)} similar issue(s) are already in the register."), blocks


def fits_in_button(text: str) -> bool:
    return len(text) <= MAX_BUTTON_VALUE


def added_text(summary: IssueSummary, *, posted_in: str | None, problem: str | None) -> str:
    said = f":white_check_mark: Added *#{summary.number}* {escape(summary.title)} to the register"
    if posted_in:
        return f"{said} and posted it in <#{posted_in}> for +1s."
    return f"{said}. {problem}" if problem else said + "."


NO_CHANNEL = ("It isn't posted anywhere yet because the group has no channel: a coordinator can set one "
              "with `/convene settings channel #channel`. It is in `/issue list` meanwhile.")


COULD_NOT_POST = ("Slack would not let me post it in the group's channel just now, but it is safe in the "
                  "register (`/issue list`).")


def not_in_channel(channel_id: str) -> str:
    return (f"I couldn't post it in <#{channel_id}> because I'm not in that channel: please `/invite @Convene` "
            "there. It is safe in the register (`/issue list`).")


def plus_one_text(result: PlusOne, *, on_card: bool = False) -> str:
    """The reply to a +1: counted, or already counted (and how to take it back)."""
    if result.changed:
        return f":thumbsup: You +1'd issue #{result.number} ({_plus_ones(result.count)})."
    how = withdraw_command(result.number)
    if on_card:
        how = f"*{WITHDRAW_LABEL}* in the card's ⋯ menu, or {how}"
    return f"You already support #{result.number} ({_plus_ones(result.count)}) — to take it back use {how}."


def withdraw_text(result: PlusOne) -> str:
    """The reply to withdrawing a +1: taken back, or there was none."""
    if result.changed:
        return (f"You withdrew your +1 on issue #{result.number} ({_plus_ones(result.count)}). "
                f"`/issue +1 {result.number}` adds it again.")
    return (f"You hadn't +1'd issue #{result.number}, so there was nothing to withdraw "
            f"({_plus_ones(result.count)}). `/issue +1 {result.number}` adds yours.")


def list_blocks(page: Page) -> list[Block]:
    query = page.query
    which = {"open": "Open issues", "closed": "Closed issues", "all": "Issues"}[query.status]
    if query.tag:
        which += f" tagged #{escape(query.tag)}"
    order = {"new": "newest first", "top": "most +1s first", "old": "oldest first"}[query.order]
    if not page.items:
        hint = "`/issue list all` includes closed ones." if query.status == "open" else "`/issue <text>` adds one."
        return [section(f"*{which}:* none yet. {hint}")]
    last = page.first_index + len(page.items) - 1
    blocks: list[Block] = [section(f"*{which}*, {order} ({page.first_index}–{last} of {page.total})")]
    for item in page.items:
        facts = [_plus_ones(item.plus_ones), escape(item.attribution.line()), _when(item)]
        if item.tags:
            facts.insert(0, _tags_text(item.tags))
        state = "" if item.is_open else " _(closed)_"
        text = f"*#{item.number}* {escape(truncate(item.title, 300))}{state}\n" + " · ".join(facts)
        accessory = None
        if item.is_open:
            accessory = _plus_one_button(item, plus_one_value(item.id, query))
        blocks.append(section(text, accessory=accessory))
    turn = pager(query.page, page.pages, LIST_PAGE_ACTION_PREFIX,
                 lambda number: _value({"l": [query.tag, query.order, query.status, number]}))
    if turn is not None:
        blocks.append(turn)
    blocks.append(context(f"{page_label(query.page, page.pages)} · `/issue show N` for one issue · "
                          "`/issue list #tag top` to filter and sort · `/issue withdraw N` takes back a +1"))
    return fit_blocks(blocks)


def escaped_chunks(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    """User text escaped for mrkdwn, cut into pieces a section holds, at line or word breaks."""
    pieces: list[str] = []
    current = ""
    for word in re.split(r"(?<=[\s])", text):
        for part in (word[i : i + limit // 6] for i in range(0, len(word), limit // 6)):
            candidate = current + escape(part)
            if len(candidate) > limit:
                pieces.append(current.rstrip())
                current = escape(part)
            else:
                current = candidate
    if current.strip():
        pieces.append(current.rstrip())
    return [piece for piece in pieces if piece]


def show_blocks(found: IssueDetails) -> list[Block]:
    item = found.summary
    state = "Open" if item.is_open else "Closed"
    blocks: list[Block] = [header(f"#{item.number} {item.title}")]
    for piece in escaped_chunks(item.detail):
        blocks.append(section(piece))
    facts = [f"*{state}*", escape(item.attribution.line()), f"added {_when(item)}"]
    if item.source_permalink:
        facts.append(f"<{item.source_permalink}|the original message>")
    blocks.append(context(" · ".join(facts)))
    if item.attribution.yours and not item.attribution.named:
        blocks.append(context("You raised this; only you can see that here."))
    if item.tags:
        blocks.append(context("Tags: " + _tags_text(item.tags)))
    blocks.extend(_decision_blocks(item))
    if not item.is_open:
        blocks.append(section(f":white_check_mark: *Resolution:* {escape(truncate(item.resolution or '', 2800))}"))
    voters = ", ".join(escape(name) for name in found.voters)
    blocks.append(section(f"*{_plus_ones(item.plus_ones).capitalize()}*" + (f": {voters}" if voters else "")))
    if found.history:
        shown = found.history[-20:]
        lines = [f"{date_token(int(line.at.timestamp()), '{date_short} {time}', line.at.strftime('%d %b %Y %H:%M'))} "
                 f"— {escape(line.who)} {escape(line.what)}" for line in shown]
        if len(found.history) > len(shown):
            lines.insert(0, f"…{len(found.history) - len(shown)} earlier changes")
        blocks.append(section("*History*\n" + "\n".join(lines)))
    buttons = []
    if item.is_open:
        buttons.append(_plus_one_button(item, plus_one_value(item.id)))
    if found.viewer_is_author:
        buttons.append(button("Edit", EDIT_ACTION, value=str(item.number)))
    if item.is_open and item.voted:
        buttons.append(button(WITHDRAW_LABEL, WITHDRAW_ACTION, value=plus_one_value(item.id),
                              confirm=_withdraw_confirm(item.number)))
    if buttons:
        blocks.append(actions(*buttons))
    if found.viewer_may_change:
        verb = f"`/issue close {item.number} <how it was resolved>`" if item.is_open else f"`/issue reopen {item.number}`"
        blocks.append(context(f"You can change this one: {verb}, `/issue untag {item.number} #tag`."))
    return fit_blocks(blocks)


def tags_blocks(usage: Sequence[tuple[str, int]]) -> list[Block]:
    counts = dict(usage)
    lines = [f"#{theme.tag} — {theme.label} ({counts.get(theme.tag, 0)})" for theme in STARTER_THEMES]
    lines += [f"#{theme.tag} — {theme.label} ({counts.get(theme.tag, 0)})" for theme in COMMISSIONERS]
    fixed = {theme.tag for theme in STARTER_THEMES + COMMISSIONERS}
    others = [f"#{escape(tag)} ({count})" for tag, count in usage if tag not in fixed]
    blocks = [section("*Themes and commissioner types*\n" + "\n".join(lines))]
    if others:
        blocks.append(section(truncate("*Also used in this group:* " + ", ".join(others), MAX_SECTION_TEXT)))
    blocks.append(context("Tag an issue with `/issue tag N #tag`; list by tag with `/issue list #tag`."))
    return blocks


def home_section(items: Sequence[IssueSummary], window: Window | None = None) -> list[Block]:
    """App Home: a page of the open issues, most +1s first, each with its +1 button."""
    if not items:
        return []
    blocks: list[Block] = [section("*Top open issues*")]
    for item in items:
        text = f"*#{item.number}* {escape(truncate(item.title, 300))}\n{_plus_ones(item.plus_ones)}"
        if item.tags:
            text += " · " + _tags_text(item.tags)
        blocks.append(section(text, accessory=_plus_one_button(item, plus_one_value(item.id))))
    blocks.append(context("`/issue list top` shows them all · `/issue` adds one"))
    if window is not None:
        blocks.extend(home_pager(HOME_SECTION, window, "open issues"))
    return blocks


# ---------------------------------------------------------------------------------------------
# Asking the author of a logged message how to credit them
# ---------------------------------------------------------------------------------------------


def credit_question(summary: IssueSummary, *, logged_by: str | None, organisation: str | None) -> tuple[str, list[Block]]:
    who = f"<@{logged_by}>" if logged_by else "Someone"
    text = (f"{who} added your message to the group's register of commissioning issues as "
            f"*#{summary.number}* {escape(summary.title)}. How would you like to be credited? "
            "Until you choose, the issue doesn't name you.")
    buttons = [button("Name me", f"{CREDIT_ACTION_PREFIX}{Credit.NAMED.value}",
                      value=_value({"i": summary.id, "c": Credit.NAMED.value}), style="primary")]
    if organisation:
        buttons.append(button(truncate(f"Only {organisation}", 75), f"{CREDIT_ACTION_PREFIX}{Credit.ORGANISATION.value}",
                              value=_value({"i": summary.id, "c": Credit.ORGANISATION.value})))
    buttons.append(button("Keep me anonymous", f"{CREDIT_ACTION_PREFIX}{Credit.ANONYMOUS.value}",
                          value=_value({"i": summary.id, "c": Credit.ANONYMOUS.value})))
    blocks = [section(text), actions(*buttons)]
    if not organisation:
        blocks.append(context(f"To be credited by organisation only, use `/issue edit {summary.number}`."))
    return message_text(f"How would you like to be credited on issue #{summary.number}?"), blocks


def credit_answered(number: int, credit: Credit, organisation: str | None) -> str:
    how = {
        Credit.NAMED: "names you",
        Credit.ORGANISATION: f"credits {escape(organisation or 'your organisation')} only",
        Credit.ANONYMOUS: "stays anonymous",
    }[credit]
    return (f":white_check_mark: Thank you. Issue #{number} {how}. "
            f"You can change that any time with `/issue edit {number}`.")


def export_comment(count: int, *, full: bool, decisions: int = 0) -> str:
    said = f"The register of commissioning issues: {count} issue{'s' if count != 1 else ''}. "
    said += "The CSV has one row per issue; the Markdown evidence pack groups them by tag with their +1s"
    said += (f", after the agreed asks. decisions.csv has the {decisions} decided proposal"
             f"{'s' if decisions != 1 else ''} with the organisations that agreed." if decisions else
             "; decisions.csv will list proposals once the group decides on some (`/propose`).")
    if full:
        said += (" This is the coordinators' copy: the CSV also says how each author chose to be credited and "
                 "who logged issues for others. Like every copy, it never says who raised an anonymous issue.")
    return said
