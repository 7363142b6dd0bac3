"""How proposals look in Slack: the proposal message, its forms, lists, reminders and the outcome.

Pure functions of `bot.services.proposals` objects. Nothing here sees who took which position
beyond what the service's attribution allows, and no block ID, action ID, button value or private
metadata carries a member's ID.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.services.attribution import Attribution
from bot.services.paging import Window, window
from bot.services.proposals import (
    CREDIT_LABELS,
    MAX_REASON,
    MAX_STATEMENT,
    MAX_TEXT,
    OUTCOME_LABELS,
    PAGE_SIZE,
    STANCE_LABELS,
    LinkedIssue,
    MyPosition,
    OrganisationCount,
    Page,
    ProposalState,
    ProposalSummary,
    Quorum,
    ShownPosition,
    outcome_prefill,
)
from bot.services.proposals import STANCES as STANCE_ORDER
from bot.text import escape, truncate
from bot.views.blocks import (
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
from bot.views.issues import escaped_chunks
from bot.views.paging import home_pager, page_label, pager

# Actions in the proposal message (values carry the proposal's ID only)
STANCE_ACTION_PREFIX = "proposal_stance_"  # + agree | abstain | disagree | block
MY_POSITION_ACTION = "proposal_my_position"
ALL_POSITIONS_ACTION = "proposal_all_positions"
OUTCOME_ACTION = "proposal_record_outcome"
DELETE_ACTION = "proposal_delete"
RESCHEDULE_ACTION = "proposal_reschedule"
LIST_PAGE_ACTION = "proposal_list_page"
NEW_ACTION = "proposal_new"
# The App Home's section of proposals waiting for the member, for its paging buttons.
HOME_SECTION = "proposals"
# Modals
CREATE_MODAL = "proposal_create"
POSITION_MODAL = "proposal_position"
OUTCOME_MODAL = "proposal_outcome"
POSITIONS_MODAL = "proposal_positions"
RESCHEDULE_MODAL = "proposal_reschedule"
# Create-form fields (block ID = action ID)
TEXT_FIELD = "proposal_text"
ISSUES_FIELD = "proposal_issues"
CLOSES_FIELD = "proposal_closes"
CHANNEL_FIELD = "proposal_channel"
SETTINGS_FIELD = "proposal_settings"
SETTING_ANONYMOUS = "anonymous"
SETTING_HIDDEN = "hidden"
# Position-form fields
STANCE_FIELD = "proposal_stance"
REASON_FIELD = "proposal_reason"
CREDIT_FIELD = "proposal_credit"
ORGANISATION_FIELD = "proposal_organisation"
# Outcome-form fields
OUTCOME_FIELD = "proposal_outcome_choice"
STATEMENT_FIELD = "proposal_statement"
RESOLUTION_FIELD = "proposal_block_resolution"

FOOTER_BLOCK = "proposal-footer"
STANCES_BLOCK = "proposal-stances"
TALLY_BLOCK = "proposal-tally"
OUTCOME_BLOCK = "proposal-outcome"
BLOCKS_BLOCK = "proposal-blocks"
REASONS_BLOCK = "proposal-reasons"

EMOJI = {"agree": ":thumbsup:", "abstain": ":neutral_face:", "disagree": ":thumbsdown:", "block": ":no_entry:"}
OUTCOME_EMOJI = {"agreed": ":white_check_mark:", "agreed_with_changes": ":white_check_mark:",
                 "not_agreed": ":x:", "withdrawn": ":leftwards_arrow_with_hook:"}
ISSUES_SHOWN = 5
NAMES_BUDGET = 600
REASONS_BUDGET = 2600
REASON_SHOWN = 400  # characters of each reason in the message; *All positions* shows them whole
STANCE_HINTS = {
    "agree": "you support the ask as written",
    "abstain": "you are happy for the group to decide without you",
    "disagree": "you think it is wrong, but will not stand in the way",
    "block": "you have a fundamental objection and do not want the group to go ahead",
}


def _metadata(proposal_id: int) -> str:
    return json.dumps({"p": proposal_id})


def read_metadata(raw: str | None) -> int | None:
    try:
        return int(json.loads(raw or "{}")["p"])
    except (ValueError, KeyError, TypeError):
        return None


# Times and small pieces --------------------------------------------------------------------------


def when_text(moment: datetime, zone_name: Any) -> str:
    local = moment.astimezone(zone_name)
    fallback = f"{local:%a} {local.day} {local:%b}, {local:%H:%M} {local.tzname()}"
    return date_token(int(moment.timestamp()), "{date_short_pretty} at {time}", fallback)


def _plain_when(moment: datetime, zone: Any) -> str:
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} {local.tzname()}"


def title_of(text: str, limit: int = 120) -> str:
    """A proposal's first line, shortened: how lists and links name it (plain text)."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return truncate(first, limit)


def responded_text(responded: int, asked: int) -> str:
    """`3 of 12 have responded`; no "of" when the channel's people could not be listed."""
    if not asked:
        return f"{responded} responded"
    return f"{responded} of {asked} have responded"


def not_responded_text(state: ProposalState) -> str | None:
    if not state.asked or not state.is_open:
        return None
    waiting = state.not_responded
    if waiting == 0:
        return "everyone asked has responded"
    return f"{waiting} {'has' if waiting == 1 else 'have'} not responded yet"


def counts_line(counts: dict[str, int]) -> str:
    return "   ".join(f"{EMOJI[s]} {STANCE_LABELS[s]} *{counts.get(s, 0)}*" for s in STANCE_ORDER)


def counts_words(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts.get(s, 0)} {STANCE_LABELS[s].lower()}" for s in STANCE_ORDER)


def organisations_text(orgs: OrganisationCount, *, closed: bool) -> str | None:
    """`3 of 5 organisations represented here agree` (mrkdwn), or None when nobody's is known."""
    if not orgs.represented:
        return None
    verb = "agreed" if closed else "agree"
    text = f":office: *{orgs.agreeing} of {orgs.represented}* organisations represented here {verb}"
    if orgs.agreeing_names:
        text += ": " + escape(", ".join(orgs.agreeing_names))
        unnamed = orgs.agreeing - len(orgs.agreeing_names)
        if unnamed > 0:
            text += f" and {unnamed} not named"
    if orgs.divided:
        text += f" ({orgs.divided} divided)"
    return text


def quorum_text(state: ProposalState) -> str | None:
    if state.quorum is None:
        return None
    if state.is_open:
        return f"Quorum: {state.quorum.describe()} must take part."
    if state.quorum_met:
        return f"Quorum reached ({state.quorum.describe()})."
    return f":warning: *No quorum*: fewer than {state.quorum.describe()} took part."


def _issue_refs(issues: Sequence[LinkedIssue], *, shown: int = ISSUES_SHOWN, number: int | None = None) -> str:
    parts = [f"#{issue.number} {escape(truncate(issue.title, 60))}" for issue in issues[:shown]]
    line = "Addresses " + " · ".join(parts)
    if len(issues) > shown:
        line += f" · and {len(issues) - shown} more" + (f" (`/propose show {number}`)" if number else "")
    return line


def _names(people: Sequence[Attribution], budget: int) -> str:
    labels = [escape(p.label()) for p in people if not p.anonymous]
    hidden = sum(1 for p in people if p.anonymous)
    shown: list[str] = []
    used = 0
    for label in labels:
        if shown and used + len(label) > budget:
            break
        shown.append(label)
        used += len(label) + 2
    rest = len(labels) - len(shown)
    tail = []
    if rest:
        tail.append(f"{rest} more")
    if hidden:
        tail.append(f"{hidden} not named")
    if not shown:
        return ", ".join(tail)
    return ", ".join(shown) + (" and " + " and ".join(tail) if tail else "")


def _status_line(state: ProposalState) -> str:
    parts = [f"Proposed by {escape(state.author_name)}" if state.author_name else "Proposed by a former member"]
    if state.is_open:
        parts.append(f"closes {when_text(state.closes_at, state.zone)}")
        parts.append(responded_text(state.responded, state.asked))
    elif state.is_decided:
        parts.append(f"decided {when_text(state.decided_at, state.zone)}" if state.decided_at else "decided")
    else:
        parts.append("closed, waiting for its outcome")
    if state.anonymous:
        parts.append("anonymous: nobody sees who took which position")
    if state.hide_positions and state.is_open:
        parts.append("positions hidden until it closes")
    return "  ·  ".join(parts)


def _banner(state: ProposalState) -> Block | None:
    if state.is_decided:
        label = state.outcome_label or "Decided"
        text = f"{OUTCOME_EMOJI.get(state.outcome or '', '')} *{label}*"
        if state.outcome_statement:
            text += "\n" + escape(truncate(state.outcome_statement, 2000))
        if state.block_resolution:
            text += "\n_How the block was resolved:_ " + escape(truncate(state.block_resolution, 600))
        return section(text, block_id=OUTCOME_BLOCK)
    if state.status == "closed":
        return section(":lock: *Closed.* Waiting for its author or a coordinator to record the outcome.",
                       block_id=OUTCOME_BLOCK)
    return None


def _blocks_banner(state: ProposalState) -> Block | None:
    if not state.counts_visible or not state.blocks:
        return None
    blockers = [p for p in state.positions if p.stance == "block"]
    noun = "member blocks" if state.blocks == 1 else "members block"
    lines = [f":no_entry: *{state.blocks} {noun} this proposal.* A block is a fundamental objection: "
             "the group should resolve it before going ahead."]
    for position in blockers[:5]:
        lines.append(_reason_line(position, limit=300))
    return section(truncate("\n".join(lines), MAX_SECTION_TEXT), block_id=BLOCKS_BLOCK)


def _reason_line(position: ShownPosition, *, limit: int = REASON_SHOWN) -> str:
    who = escape(position.shown_as.label())
    reason = (escape(truncate(" ".join(position.reason.split()), limit)) if position.reason
              else "_no reason given_")
    return f"{EMOJI[position.stance]} _{who}:_ {reason}"


def _tally(state: ProposalState) -> Block:
    if not state.counts_visible:
        text = (f":see_no_evil: Positions stay hidden until the proposal closes. "
                f"{responded_text(state.responded, state.asked)}.")
        return section(text, block_id=TALLY_BLOCK)
    lines = [counts_line(state.counts)]
    orgs = organisations_text(state.organisations, closed=not state.is_open)
    if orgs:
        lines.append(orgs)
    if not state.anonymous:
        for stance in STANCE_ORDER:
            people = [p.shown_as for p in state.positions if p.stance == stance]
            if people:
                lines.append(f"_{STANCE_LABELS[stance]}:_ {_names(people, NAMES_BUDGET // 4)}")
    waiting = not_responded_text(state)
    if waiting:
        lines.append(f"_{waiting}_")
    quorum = quorum_text(state)
    if quorum:
        lines.append(quorum)
    return section(truncate("\n".join(lines), MAX_SECTION_TEXT), block_id=TALLY_BLOCK)


def _reasons(state: ProposalState) -> Block | None:
    if not state.counts_visible:
        return None
    with_reasons = [p for p in state.positions if p.reason and p.stance != "block"]
    if not with_reasons:
        return None
    lines = ["*Reasons*"]
    used = len(lines[0])
    shown = 0
    for position in with_reasons:
        line = _reason_line(position)
        if shown and used + len(line) + 1 > REASONS_BUDGET:
            break
        lines.append(line)
        used += len(line) + 1
        shown += 1
    if shown < len(with_reasons):
        lines.append(f"_…and {len(with_reasons) - shown} more: *All positions* shows them all._")
    return section(truncate("\n".join(lines), MAX_SECTION_TEXT), block_id=REASONS_BLOCK)


def _stance_buttons(state: ProposalState) -> Block:
    value = str(state.id)
    return actions(
        button("Agree", STANCE_ACTION_PREFIX + "agree", value=value, style="primary"),
        button("Abstain", STANCE_ACTION_PREFIX + "abstain", value=value),
        button("Disagree", STANCE_ACTION_PREFIX + "disagree", value=value),
        button("Block", STANCE_ACTION_PREFIX + "block", value=value, style="danger"),
        block_id=STANCES_BLOCK,
    )


def _footer(state: ProposalState) -> Block:
    value = str(state.id)
    delete = button("Delete", DELETE_ACTION, value=value, confirm=confirm_dialog(
        "Delete this proposal?", "The proposal and everyone's positions will be deleted. This cannot be undone.",
        confirm="Delete", deny="Keep it"))
    elements = []
    if state.is_open:
        elements += [button("My position", MY_POSITION_ACTION, value=value),
                     button("All positions", ALL_POSITIONS_ACTION, value=value),
                     button("Close and record outcome", OUTCOME_ACTION, value=value),
                     button("Change closing time", RESCHEDULE_ACTION, value=value)]
    elif state.status == "closed":
        elements += [button("Record outcome", OUTCOME_ACTION, value=value, style="primary"),
                     button("All positions", ALL_POSITIONS_ACTION, value=value),
                     button("Reopen", RESCHEDULE_ACTION, value=value)]
    else:
        elements += [button("All positions", ALL_POSITIONS_ACTION, value=value),
                     button("Change outcome", OUTCOME_ACTION, value=value)]
    elements.append(delete)
    return actions(*elements, block_id=FOOTER_BLOCK)


def text_sections(text: str) -> list[Block]:
    """The proposal's own words, escaped, in as many sections as they need."""
    return [section(piece) for piece in escaped_chunks(text, MAX_SECTION_TEXT - 100)] or [section(" ")]


# The proposal message ----------------------------------------------------------------------------


def proposal_message(state: ProposalState) -> tuple[str, list[Block]]:
    """The proposal as posted in its channel: (notification text, blocks), within Slack's limits."""
    blocks: list[Block] = [header(f":ballot_box_with_ballot: Proposal {state.number}")]
    blocks.extend(text_sections(state.text))
    blocks.append(context(_status_line(state)))
    if state.issues:
        blocks.append(context(_issue_refs(state.issues, number=state.number)))
    blocks.append(divider())
    for block in (_banner(state), _blocks_banner(state), _tally(state), _reasons(state)):
        if block is not None:
            blocks.append(block)
    if state.is_open:
        blocks.append(_stance_buttons(state))
    blocks.append(_footer(state))
    if state.is_open:
        blocks.append(context("Click a position to take it, again to change it, until the proposal closes. "
                              "*My position* adds a reason and says how you are shown."))
    text = f"Proposal {state.number}: {title_of(state.text)}"
    return message_text(escape(text)), fit_blocks(blocks)


# Forms -------------------------------------------------------------------------------------------


def create_modal(*, channel_id: str | None, zone_name: str, text: str | None = None,
                 issues: Sequence[LinkedIssue] = ()) -> dict[str, Any]:
    """`/propose` alone: the ask, the issues it addresses (type-ahead), closing time, channel, settings."""
    text_input: dict[str, Any] = {"type": "plain_text_input", "action_id": TEXT_FIELD, "multiline": True,
                                  "max_length": MAX_TEXT,
                                  "placeholder": plain("We ask commissioners to stop requiring a single lead "
                                                       "provider for…", limit=150)}
    if text:
        text_input["initial_value"] = truncate(text, MAX_TEXT)
    issues_select: dict[str, Any] = {"type": "multi_external_select", "action_id": ISSUES_FIELD,
                                     "min_query_length": 0,
                                     "placeholder": plain("Type a number or words from the title", limit=150)}
    if issues:
        issues_select["initial_options"] = [issue_option(issue) for issue in issues[:100]]
    channel_select: dict[str, Any] = {
        "type": "conversations_select", "action_id": CHANNEL_FIELD,
        "placeholder": plain("Where the group decides", limit=150),
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if channel_id and channel_id.startswith(("C", "G")):
        channel_select["initial_conversation"] = channel_id
    settings_options = [
        {"text": plain("Anonymous: nobody sees who took which position"), "value": SETTING_ANONYMOUS,
         "description": plain("Counts and reasons are shown, never names or organisations")},
        {"text": plain("Hide positions until it closes"), "value": SETTING_HIDDEN},
    ]
    blocks = [
        input_block("The proposal", text_input, block_id=TEXT_FIELD,
                    hint="What the group would ask for, in a few sentences or paragraphs."),
        input_block("Issues it addresses", issues_select, block_id=ISSUES_FIELD, optional=True,
                    hint="From the register: type #12 or words from an issue's title."),
        input_block("Closes", {"type": "plain_text_input", "action_id": CLOSES_FIELD,
                               "placeholder": plain("Fri 4 Dec 5pm", limit=150)},
                    block_id=CLOSES_FIELD, optional=True,
                    hint=f"Read in your time zone ({zone_name}). Left empty, it closes in a week at 17:00. "
                         "Members who have not responded get one reminder before then."),
        input_block("Channel", channel_select, block_id=CHANNEL_FIELD),
        input_block("Settings", {"type": "checkboxes", "action_id": SETTINGS_FIELD, "options": settings_options},
                    block_id=SETTINGS_FIELD, optional=True),
    ]
    return modal("New proposal", blocks, callback_id=CREATE_MODAL, submit="Propose")


def issue_option(issue: LinkedIssue) -> dict[str, Any]:
    state = " (closed)" if issue.status == "closed" else ""
    return option(truncate(f"#{issue.number} {issue.title}", 70 - len(state)) + state, str(issue.id))


def issue_options(issues: Sequence[LinkedIssue]) -> list[dict[str, Any]]:
    """The type-ahead's answer (Slack takes up to 100)."""
    return [issue_option(issue) for issue in issues[:100]]


def position_modal(mine: MyPosition, *, chosen: str | None = None, note: str | None = None) -> dict[str, Any]:
    """A member's own position: the stance, a reason, and how they are shown."""
    state = mine.proposal
    stance = chosen or mine.stance
    blocks: list[Block] = [section(f"*Proposal {state.number}*\n" + escape(truncate(state.text, 1500)))]
    if note:
        blocks.append(context(note))
    stance_options = [option(STANCE_LABELS[s], s, description=STANCE_HINTS[s]) for s in STANCE_ORDER]
    radio: dict[str, Any] = {"type": "radio_buttons", "action_id": STANCE_FIELD, "options": stance_options}
    if stance in STANCE_LABELS:
        radio["initial_option"] = next(o for o in stance_options if o["value"] == stance)
    blocks.append(input_block("Your position", radio, block_id=STANCE_FIELD))
    reason_input: dict[str, Any] = {"type": "plain_text_input", "action_id": REASON_FIELD, "multiline": True,
                                    "max_length": MAX_REASON,
                                    "placeholder": plain("Why you take this position", limit=150)}
    if mine.reason:
        reason_input["initial_value"] = truncate(mine.reason, MAX_REASON)
    asked = stance in ("disagree", "block")
    hint = ("Please say why: it helps the group find a way through. You can leave it empty."
            if asked else "Optional. Reasons are shown with the tally.")
    blocks.append(input_block("Reason", reason_input, block_id=REASON_FIELD, optional=True, hint=hint))
    if state.anonymous:
        blocks.append(context(":lock: This proposal is anonymous: nobody, coordinators included, sees who took "
                              "which position or which organisations did. Your reason is shown without a name."))
    else:
        credit_options = [option(CREDIT_LABELS[c], c, description=d) for c, d in (
            ("named", "Your name (and organisation) with your position and reason"),
            ("organisation", "Only your organisation's name, never yours"),
            ("anonymous", "Counted, but nobody is told it was you"),
        )]
        blocks.append(input_block("How should you be shown?", {
            "type": "radio_buttons", "action_id": CREDIT_FIELD, "options": credit_options,
            "initial_option": next(o for o in credit_options if o["value"] == mine.credit),
        }, block_id=CREDIT_FIELD))
    organisation_input: dict[str, Any] = {"type": "plain_text_input", "action_id": ORGANISATION_FIELD,
                                          "max_length": 200,
                                          "placeholder": plain("e.g. Riverside Community Trust", limit=150)}
    if mine.organisation:
        organisation_input["initial_value"] = truncate(mine.organisation, 200)
    blocks.append(input_block("Your organisation", organisation_input, block_id=ORGANISATION_FIELD, optional=True,
                              hint="Proposals count how many of the group's organisations agree."))
    return modal("My position", blocks, callback_id=POSITION_MODAL, submit="Save",
                 private_metadata=_metadata(state.id))


def outcome_modal(state: ProposalState) -> dict[str, Any]:
    """Record the outcome: a statement prefilled from the tally, and what was decided."""
    blocks: list[Block] = [section(f"*Proposal {state.number}*\n" + escape(truncate(state.text, 1200)))]
    summary = [counts_line(state.counts)]
    orgs = organisations_text(state.organisations, closed=True)
    if orgs:
        summary.append(orgs)
    if state.is_open:
        summary.append(f"Still open: recording the outcome closes it. {responded_text(state.responded, state.asked)}.")
    quorum = state.quorum
    if quorum is not None and state.is_open:
        summary.append(f"Quorum: {quorum.describe()} must have taken part, or it is marked “no quorum”.")
    elif quorum_text(state):
        summary.append(quorum_text(state) or "")
    blocks.append(section("\n".join(summary)))
    if state.blocks:
        blocks.append(section(f":no_entry: *{state.blocks} blocked this proposal.* To record it as agreed, say how "
                              "the block was resolved."))
    outcome_options = [option(OUTCOME_LABELS[o], o) for o in OUTCOME_LABELS]
    current = state.outcome or state.suggested_outcome()
    blocks.append(input_block("Outcome", {
        "type": "radio_buttons", "action_id": OUTCOME_FIELD, "options": outcome_options,
        "initial_option": next(o for o in outcome_options if o["value"] == current),
    }, block_id=OUTCOME_FIELD))
    blocks.append(input_block("Outcome statement", {
        "type": "plain_text_input", "action_id": STATEMENT_FIELD, "multiline": True, "max_length": MAX_STATEMENT,
        "initial_value": truncate(state.outcome_statement or outcome_prefill(state), MAX_STATEMENT),
    }, block_id=STATEMENT_FIELD, hint="What the group agreed (or why not), as the record will keep it."))
    if state.blocks or state.block_resolution:
        resolution: dict[str, Any] = {"type": "plain_text_input", "action_id": RESOLUTION_FIELD, "multiline": True,
                                      "max_length": MAX_REASON,
                                      "placeholder": plain("e.g. We changed the wording; the block was withdrawn",
                                                           limit=150)}
        if state.block_resolution:
            resolution["initial_value"] = truncate(state.block_resolution, MAX_REASON)
        blocks.append(input_block("How was the block resolved?", resolution, block_id=RESOLUTION_FIELD,
                                  optional=True))
    blocks.append(context(f"Convene posts the outcome in <#{state.channel_id}>, and the issues it addresses "
                          "show it in the register."))
    return modal("Record the outcome", blocks, callback_id=OUTCOME_MODAL, submit="Record",
                 private_metadata=_metadata(state.id))


def reschedule_modal(state: ProposalState, *, zone_name: str) -> dict[str, Any]:
    """A new closing time; for a closed proposal, reopening it."""
    verb = "It will take positions again until then; positions already taken stay." if not state.is_open else \
        f"It closes {when_text(state.closes_at, state.zone)} now."
    blocks = [
        section(f"*Proposal {state.number}*: {escape(title_of(state.text, 200))}\n{verb}"),
        input_block("Closes", {"type": "plain_text_input", "action_id": CLOSES_FIELD,
                               "placeholder": plain("Fri 4 Dec 5pm", limit=150)},
                    block_id=CLOSES_FIELD, hint=f"Read in your time zone ({zone_name})."),
    ]
    title, submit = ("Reopen the proposal", "Reopen") if not state.is_open else ("Change closing time", "Save")
    return modal(title, blocks, callback_id=RESCHEDULE_MODAL, submit=submit, private_metadata=_metadata(state.id))


def positions_modal(state: ProposalState) -> dict[str, Any]:
    """Every position and reason, as credited, for proposals too long to read in the message."""
    blocks: list[Block] = [section(f"*Proposal {state.number}*: {escape(title_of(state.text, 200))}"),
                           context(_status_line(state))]
    if not state.counts_visible:
        blocks.append(section(f":see_no_evil: Positions stay hidden until the proposal closes. "
                              f"{responded_text(state.responded, state.asked)}."))
        return modal("All positions", blocks, callback_id=POSITIONS_MODAL, close="Done")
    blocks.append(section(counts_line(state.counts)))
    orgs = organisations_text(state.organisations, closed=not state.is_open)
    if orgs:
        blocks.append(section(orgs))
    for stance in STANCE_ORDER:
        taken = [p for p in state.positions if p.stance == stance]
        if not taken:
            continue
        lines = [f"*{EMOJI[stance]} {STANCE_LABELS[stance]} ({len(taken)})*"]
        for position in taken:
            if position.reason:
                lines.append(_reason_line(position, limit=MAX_REASON))
            elif not state.anonymous and not position.shown_as.anonymous:
                lines.append(f"{EMOJI[stance]} _{escape(position.shown_as.label())}_")
        unnamed = sum(1 for p in taken if not p.reason and (state.anonymous or p.shown_as.anonymous))
        if unnamed:
            lines.append(f"_{unnamed} without a reason, not named_")
        for piece in _split_lines(lines):
            blocks.append(section(piece))
    waiting = not_responded_text(state)
    if waiting:
        blocks.append(context(waiting.capitalize() + "."))
    return modal("All positions", blocks, callback_id=POSITIONS_MODAL, close="Done")


def _split_lines(lines: list[str], limit: int = MAX_SECTION_TEXT - 50) -> list[str]:
    pieces: list[str] = []
    current = ""
    for line in lines:
        line = truncate(line, limit)
        if current and len(current) + len(line) + 1 > limit:
            pieces.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        pieces.append(current)
    return pieces


# Replies, lists, show ----------------------------------------------------------------------------


def created_text(number: int, channel_id: str, closes_at: datetime, zone: Any, *, by_default: bool) -> str:
    said = (f":white_check_mark: Posted proposal {number} in <#{channel_id}>. It closes "
            f"{when_text(closes_at, zone)}")
    said += " (a week from now; the closing time was read in your time zone, " if by_default else \
        " (read in your time zone, "
    return said + f"{getattr(zone, 'key', zone)})."


def position_taken_text(number: int, stance: str, *, private: bool, anonymous: bool, credit: str,
                        has_reason: bool) -> str:
    text = f"Noted: you *{STANCE_LABELS[stance].lower()}* with proposal {number}."
    if stance == "block":
        text = f"Noted: you *block* proposal {number}."
    if anonymous:
        text += " The proposal is anonymous: nobody sees who took which position."
    elif credit == "named":
        text += " Shown with your name."
    elif credit == "organisation":
        text += " Shown with your organisation only."
    else:
        text += " Counted without your name."
    if private and not anonymous:
        text += " Positions stay hidden until it closes."
    text += " *My position* changes your reason or how you are shown." if has_reason else \
        " *My position* adds a reason or changes how you are shown."
    return text


def list_blocks(page: Page, *, links: dict[int, str]) -> list[Block]:
    """`/propose list`: proposals, newest first, a page at a time."""
    which = {"all": "Proposals", "open": "Open proposals", "decided": "Decided proposals"}[page.which]
    if not page.items:
        hint = "`/propose` makes one." if page.which != "decided" else "`/propose list` shows them all."
        return [section(f"*{which}:* none yet. {hint}")]
    first = window(page.total, page.page, PAGE_SIZE).first
    blocks: list[Block] = [section(f"*{which}* ({first}–{first + len(page.items) - 1} of {page.total})")]
    for item in page.items:
        blocks.append(section(summary_line(item, links.get(item.id))))
    turn = pager(page.page, page.pages, LIST_PAGE_ACTION, lambda number: json.dumps({"w": page.which, "p": number}))
    if turn is not None:
        blocks.append(turn)
    blocks.append(context(f"{page_label(page.page, page.pages)} · `/propose show N` for one · "
                          "`/propose list open` or `decided`"))
    return fit_blocks(blocks)


def summary_line(item: ProposalSummary, link: str | None) -> str:
    title = escape(title_of(item.text, 150))
    head = f"*<{link}|Proposal {item.number}>* {title}" if link else f"*Proposal {item.number}* {title}"
    if item.status == "open":
        detail = f"open, closes {date_token(int(item.closes_at.timestamp()), '{date_short_pretty} {time}', 'soon')}"
        detail += f" · {responded_text(item.responded, item.asked)}"
    elif item.status == "closed":
        detail = "closed, waiting for its outcome"
    else:
        detail = f"*{item.outcome_label}*"
        if item.organisations_represented:
            detail += f" · {item.organisations_agreeing or 0} of {item.organisations_represented} organisations agreed"
        if item.quorum_met is False:
            detail += " · no quorum"
    return f"{head}\n{detail}"


def show_blocks(state: ProposalState, link: str | None) -> list[Block]:
    """`/propose show N`: the proposal, its tally and reasons, the issues it addresses, its outcome."""
    _, blocks = proposal_message(state)
    kept = [b for b in blocks if b.get("type") != "actions" and b.get("block_id") != FOOTER_BLOCK]
    if state.issues:
        lines = [f"#{issue.number} {escape(truncate(issue.title, 120))}" + (" _(closed)_" if issue.status == "closed"
                                                                           else "") for issue in state.issues]
        kept.append(divider())
        for piece in _split_lines([f"*Issues it addresses ({len(state.issues)})*", *lines]):
            kept.append(section(piece))
    if link:
        kept.append(context(f"<{link}|Open the proposal in its channel>"))
    return fit_blocks(kept)


def home_blocks(items: Sequence[ProposalSummary], page: Window) -> list[Block]:
    """The App Home's "proposals waiting for your position": one page of them, each with a button to
    take one (*New proposal* is among the Home's buttons)."""
    blocks: list[Block] = [section("*Proposals waiting for your position*")]
    if not items:
        blocks.append(context("None right now."))
    for item in items:
        closes = date_token(int(item.closes_at.timestamp()), "{date_short_pretty} {time}", "soon")
        text = (f"*Proposal {item.number}* {escape(title_of(item.text, 200))}\n"
                f"in <#{item.channel_id}> · closes {closes} · {responded_text(item.responded, item.asked)}")
        blocks.append(section(text, accessory=button("Take a position", MY_POSITION_ACTION, value=str(item.id))))
    blocks.extend(home_pager(HOME_SECTION, page, "proposals waiting"))
    return blocks


def reminder_message(state: ProposalState, permalink: str | None) -> tuple[str, list[Block]]:
    """The one DM before closing to someone who has not taken a position."""
    text = (f"Proposal {state.number} in <#{state.channel_id}> closes {when_text(state.closes_at, state.zone)}: "
            f"where do you stand?")
    blocks = [section(f":wave: {text}"), section(f">{escape(title_of(state.text, 300))}")]
    where = f"<{permalink}|Open the proposal>" if permalink else f"It is in <#{state.channel_id}>."
    blocks.append(section(where + " — Agree, Abstain, Disagree or Block, with a reason if you like."))
    blocks.append(actions(button("Take a position", MY_POSITION_ACTION, value=str(state.id), style="primary")))
    return message_text(text), blocks


def closed_message(state: ProposalState) -> tuple[str, list[Block]]:
    """To the author when the closing time closed their proposal: record the outcome."""
    text = (f"Your proposal {state.number} in <#{state.channel_id}> has closed: {counts_words(state.counts)}.")
    if state.blocks:
        text += " Someone blocked it."
    if state.quorum is not None and state.quorum_met is False:
        text += " It did not reach the quorum."
    blocks = [section(text + " Record the outcome and Convene will post it in the channel."),
              actions(button("Record outcome", OUTCOME_ACTION, value=str(state.id), style="primary"))]
    return message_text(text), blocks


def outcome_message(state: ProposalState, permalink: str | None) -> tuple[str, list[Block]]:
    """Posted in the channel when the outcome is recorded."""
    label = state.outcome_label or "Decided"
    title = escape(title_of(state.text, 200))
    head = f"{OUTCOME_EMOJI.get(state.outcome or '', '')} *Proposal {state.number}: {label}.* {title}"
    blocks: list[Block] = [section(head)]
    if state.outcome_statement:
        blocks.extend(section(piece) for piece in escaped_chunks(state.outcome_statement, MAX_SECTION_TEXT - 100))
    if state.block_resolution:
        blocks.append(section("_How the block was resolved:_ " + escape(truncate(state.block_resolution, 2000))))
    facts = [counts_words(state.counts)]
    orgs = state.organisations
    if orgs.represented:
        facts.append(f"{orgs.agreeing} of {orgs.represented} organisations agreed")
    if state.quorum is not None:
        facts.append("quorum reached" if state.quorum_met else "no quorum")
    if state.decided_by_name:
        facts.append(f"recorded by {escape(state.decided_by_name)}")
    blocks.append(context("  ·  ".join(facts)))
    if state.issues:
        blocks.append(context(_issue_refs(state.issues, number=state.number)))
    if permalink:
        blocks.append(context(f"<{permalink}|See the proposal>"))
    return message_text(f"Proposal {state.number}: {label}. {title_of(state.text)}"), fit_blocks(blocks)


def quorum_changed_text(quorum: Quorum | None) -> str:
    if quorum is None:
        return ":white_check_mark: Proposals need no quorum now."
    return (f":white_check_mark: A proposal now needs {quorum.describe()} to take part (any position counts); "
            "one that closes without that is marked “no quorum”.")
