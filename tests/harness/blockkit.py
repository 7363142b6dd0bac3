"""Block Kit validation for tests: what Slack would reject, found without Slack.

Two layers, both needed:

* ``slack_sdk``'s own models (``Block.parse(...)`` / ``View(**view)`` then
  ``validate_json()``).  They know every block type and many limits, but they are
  lenient in ways Slack is not: unknown block or element types are silently
  dropped (``parse`` returns ``None``), ``validate_json()`` does not descend into
  nested elements, a plain string is coerced into a ``mrkdwn`` text object, and
  unknown keys are ignored.
* Our own walk over the raw dicts, which adds the limits the SDK misses and
  reports each violation with a path such as ``blocks[3].elements[1].text``.

The public functions return a list of human-readable problems; an empty list
means Slack should accept the payload.  They never raise for bad input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block, BlockElement
from slack_sdk.models.views import View

__all__ = [
    "block_kit_problems",
    "view_problems",
    "message_problems",
    "MESSAGE_MAX_BLOCKS",
    "VIEW_MAX_BLOCKS",
    "MESSAGE_TEXT_MAX",
]

# --- Limits (from Slack's Block Kit reference) -------------------------------
MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100  # modals and App Home alike
MESSAGE_TEXT_MAX = 40_000
SECTION_TEXT_MAX = 3000
SECTION_FIELD_MAX = 2000
SECTION_FIELDS_MAX = 10
ACTIONS_ELEMENTS_MAX = 25
CONTEXT_ELEMENTS_MAX = 10
HEADER_TEXT_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
URL_MAX = 3000
ID_MAX = 255  # action_id, block_id, callback_id, external_id
MODAL_TITLE_MAX = 24
MODAL_BUTTON_MAX = 24  # submit / close text
PRIVATE_METADATA_MAX = 3000
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
OPTION_DESCRIPTION_MAX = 75
SELECT_OPTIONS_MAX = 100
CHECKBOX_OPTIONS_MAX = 10  # checkboxes and radio buttons
OVERFLOW_OPTIONS_MAX = 5
PLACEHOLDER_MAX = 150
TEXT_INPUT_MAX = 3000  # plain_text_input initial_value / max_length
LABEL_MAX = 2000  # input label and hint
CONFIRM_TITLE_MAX = 100
CONFIRM_TEXT_MAX = 300
CONFIRM_BUTTON_MAX = 30
IMAGE_ALT_TEXT_MAX = 2000

TEXT_TYPES = {"plain_text", "mrkdwn"}
SELECT_TYPES = {"static_select", "multi_static_select"}
# Elements that may sit in an input block.  A button there is a classic mistake.
INPUT_ELEMENT_TYPES = {
    "checkboxes", "datepicker", "datetimepicker", "email_text_input", "file_input",
    "multi_static_select", "multi_external_select", "multi_users_select",
    "multi_conversations_select", "multi_channels_select", "number_input",
    "plain_text_input", "radio_buttons", "rich_text_input", "static_select",
    "external_select", "users_select", "conversations_select", "channels_select",
    "timepicker", "url_text_input",
}
# Keys Slack allows on the small composition objects.  Slack rejects anything
# else ("invalid additional property"), e.g. the common `emoji: true` on mrkdwn.
TEXT_KEYS = {"plain_text": {"type", "text", "emoji"}, "mrkdwn": {"type", "text", "verbatim"}}
OPTION_KEYS = {"text", "value", "description", "url"}
CONFIRM_KEYS = {"title", "text", "confirm", "deny", "style"}
OPTION_GROUP_KEYS = {"label", "options"}

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _subclasses(cls: type) -> Iterable[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


# Block types slack_sdk knows how to parse; anything else Slack rejects too.
KNOWN_BLOCK_TYPES: frozenset[str] = frozenset(
    t for t in (getattr(c, "type", None) for c in _subclasses(Block)) if isinstance(t, str)
)
# Elements allowed in the slots we check (accessory, actions, input, context).
# Rich-text internals are deliberately not here: rich_text is left to slack_sdk.
KNOWN_ELEMENT_TYPES: frozenset[str] = INPUT_ELEMENT_TYPES | {
    "button", "image", "overflow", "workflow_button", "icon_button", "feedback_buttons",
}


# --- Public API -----------------------------------------------------------------


def block_kit_problems(blocks: Any, *, surface: str) -> list[str]:
    """Return every reason Slack would reject ``blocks`` on ``surface``.

    ``surface`` is ``"message"``, ``"modal"`` or ``"home"``; it decides the block
    limit (50 for messages, 100 for views).  ``blocks`` is the decoded list of
    block dicts (not a JSON string).  Each problem names the offending path,
    e.g. ``"blocks[2].text.text: 3001 chars, max 3000"``.
    """
    if surface not in ("message", "modal", "home"):
        raise ValueError(f"surface must be 'message', 'modal' or 'home', not {surface!r}")
    if not isinstance(blocks, list):
        return [f"blocks: must be an array of blocks, got {type(blocks).__name__}"]
    problems: list[str] = []
    limit = MESSAGE_MAX_BLOCKS if surface == "message" else VIEW_MAX_BLOCKS
    if len(blocks) > limit:
        problems.append(f"blocks: {len(blocks)} blocks, max {limit} in a {surface}")
    seen_block_ids: dict[str, str] = {}
    for i, block in enumerate(blocks):
        problems.extend(_block_problems(block, f"blocks[{i}]", seen_block_ids))
    return problems


def view_problems(view: Any) -> list[str]:
    """Return every reason Slack would reject ``view`` (a modal or App Home view dict)."""
    if not isinstance(view, dict):
        return [f"view: must be an object, got {type(view).__name__}"]
    problems: list[str] = []
    view_type = view.get("type")
    if view_type not in ("modal", "home"):
        problems.append(f"view.type: must be 'modal' or 'home', got {view_type!r}")
        return problems
    blocks = view.get("blocks")
    if blocks is None:
        problems.append("view.blocks: required")
    else:
        problems.extend("view." + p for p in block_kit_problems(blocks, surface=view_type))

    if view_type == "modal":
        if "title" not in view:
            problems.append("view.title: required for a modal")
        else:
            problems.extend(_text_problems(view["title"], "view.title", plain=True, max_len=MODAL_TITLE_MAX))
        for key in ("submit", "close"):
            if key in view and view[key] is not None:
                problems.extend(_text_problems(view[key], f"view.{key}", plain=True, max_len=MODAL_BUTTON_MAX))
        # Slack refuses a modal with input blocks but no submit button.
        if isinstance(blocks, list) and view.get("submit") is None and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        ):
            problems.append("view.submit: required when the modal contains input blocks")
    else:
        for key in ("submit", "close"):
            if view.get(key) is not None:
                problems.append(f"view.{key}: not allowed on a home view")

    problems.extend(_max_len(view.get("private_metadata"), "view.private_metadata", PRIVATE_METADATA_MAX))
    problems.extend(_max_len(view.get("callback_id"), "view.callback_id", ID_MAX))
    problems.extend(_max_len(view.get("external_id"), "view.external_id", ID_MAX))
    for key in ("private_metadata", "callback_id", "external_id"):
        if view.get(key) is not None and not isinstance(view[key], str):
            problems.append(f"view.{key}: must be a string, got {type(view[key]).__name__}")

    # The SDK's view-level validators (type, title length, block count...).
    # Only worth running when our own walk found nothing, to avoid duplicates.
    if not problems:
        problems.extend(_sdk_view_problems(view))
    return problems


def message_problems(
    *, text: Any = None, blocks: Any = None, attachments: Any = None, require_content: bool = True
) -> list[str]:
    """Problems with a message body (``chat.postMessage``, ``chat.update``, response URLs...).

    ``blocks``/``attachments`` must already be decoded from JSON.  A message needs
    ``text``, ``blocks`` or ``attachments`` unless ``require_content`` is false
    (e.g. a response-URL ``delete_original``).
    """
    problems: list[str] = []
    if text is not None and not isinstance(text, str):
        problems.append(f"text: must be a string, got {type(text).__name__}")
    elif isinstance(text, str) and len(text) > MESSAGE_TEXT_MAX:
        problems.append(f"text: {len(text)} chars, max {MESSAGE_TEXT_MAX}")
    if require_content and not text and not blocks and not attachments:
        problems.append("message has no text, blocks or attachments")
    if blocks is not None:
        problems.extend(block_kit_problems(blocks, surface="message"))
    if attachments is not None and not isinstance(attachments, list):
        problems.append(f"attachments: must be an array, got {type(attachments).__name__}")
    return problems


# --- Blocks ---------------------------------------------------------------------


def _block_problems(block: Any, path: str, seen_block_ids: dict[str, str]) -> list[str]:
    if not isinstance(block, dict):
        return [f"{path}: a block must be an object, got {type(block).__name__}"]
    block_type = block.get("type")
    if not isinstance(block_type, str):
        return [f"{path}.type: required"]
    if block_type not in KNOWN_BLOCK_TYPES:
        return [f"{path}.type: unknown block type {block_type!r}"]

    problems: list[str] = []
    block_id = block.get("block_id")
    if block_id is not None:
        if not isinstance(block_id, str) or not block_id:
            problems.append(f"{path}.block_id: must be a non-empty string")
        else:
            problems.extend(_max_len(block_id, f"{path}.block_id", ID_MAX))
            if block_id in seen_block_ids:
                problems.append(f"{path}.block_id: {block_id!r} duplicates {seen_block_ids[block_id]}")
            else:
                seen_block_ids[block_id] = path

    checker = _BLOCK_CHECKERS.get(block_type)
    if checker is not None:
        problems.extend(checker(block, path))

    # slack_sdk repeats many of the limits above, so ask it only about blocks our
    # own walk found clean: it then catches what we do not model (rich_text,
    # table, video...) without reporting each violation twice.  (Unknown element
    # types must never reach it: it would log a warning and silently drop them.)
    if not problems:
        problems.extend(_sdk_block_problems(block, path))
    return problems


def _section(block: dict, path: str) -> list[str]:
    problems: list[str] = []
    text, fields = block.get("text"), block.get("fields")
    if text is None and not fields:
        problems.append(f"{path}: a section needs text or fields")
    if text is not None:
        problems.extend(_text_problems(text, f"{path}.text", max_len=SECTION_TEXT_MAX))
    if fields is not None:
        if not isinstance(fields, list) or not fields:
            problems.append(f"{path}.fields: must be a non-empty array")
        else:
            if len(fields) > SECTION_FIELDS_MAX:
                problems.append(f"{path}.fields: {len(fields)} fields, max {SECTION_FIELDS_MAX}")
            for i, field in enumerate(fields):
                problems.extend(_text_problems(field, f"{path}.fields[{i}]", max_len=SECTION_FIELD_MAX))
    if block.get("accessory") is not None:
        problems.extend(_element_problems(block["accessory"], f"{path}.accessory", set()))
    return problems


def _header(block: dict, path: str) -> list[str]:
    if "text" not in block:
        return [f"{path}.text: required"]
    return _text_problems(block["text"], f"{path}.text", plain=True, max_len=HEADER_TEXT_MAX)


def _actions(block: dict, path: str) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [f"{path}.elements: must be a non-empty array"]
    problems: list[str] = []
    if len(elements) > ACTIONS_ELEMENTS_MAX:
        problems.append(f"{path}.elements: {len(elements)} elements, max {ACTIONS_ELEMENTS_MAX}")
    action_ids: set[str] = set()
    for i, element in enumerate(elements):
        problems.extend(_element_problems(element, f"{path}.elements[{i}]", action_ids))
    return problems


def _context(block: dict, path: str) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [f"{path}.elements: must be a non-empty array"]
    problems: list[str] = []
    if len(elements) > CONTEXT_ELEMENTS_MAX:
        problems.append(f"{path}.elements: {len(elements)} elements, max {CONTEXT_ELEMENTS_MAX}")
    for i, element in enumerate(elements):
        epath = f"{path}.elements[{i}]"
        if isinstance(element, dict) and element.get("type") in TEXT_TYPES:
            problems.extend(_text_problems(element, epath))
        elif isinstance(element, dict) and element.get("type") == "image":
            problems.extend(_element_problems(element, epath, set()))
        else:
            got = element.get("type") if isinstance(element, dict) else type(element).__name__
            problems.append(f"{epath}: unknown element type {got!r} (context takes text objects and images)")
    return problems


def _input(block: dict, path: str) -> list[str]:
    problems: list[str] = []
    if "label" not in block:
        problems.append(f"{path}.label: required")
    else:
        problems.extend(_text_problems(block["label"], f"{path}.label", plain=True, max_len=LABEL_MAX))
    if block.get("hint") is not None:
        problems.extend(_text_problems(block["hint"], f"{path}.hint", plain=True, max_len=LABEL_MAX))
    element = block.get("element")
    if not isinstance(element, dict):
        problems.append(f"{path}.element: required")
    else:
        etype = element.get("type")
        if etype in KNOWN_ELEMENT_TYPES and etype not in INPUT_ELEMENT_TYPES:
            problems.append(f"{path}.element: a {etype!r} cannot be used in an input block")
        problems.extend(_element_problems(element, f"{path}.element", set()))
    return problems


def _image_block(block: dict, path: str) -> list[str]:
    problems = _image_source_problems(block, path)
    if block.get("title") is not None:
        problems.extend(_text_problems(block["title"], f"{path}.title", plain=True, max_len=2000))
    return problems


_BLOCK_CHECKERS = {
    "section": _section,
    "header": _header,
    "actions": _actions,
    "context": _context,
    "input": _input,
    "image": _image_block,
}


# --- Elements -------------------------------------------------------------------


def _element_problems(element: Any, path: str, action_ids: set[str]) -> list[str]:
    """Check one interactive/image element; ``action_ids`` collects ids within the block."""
    if not isinstance(element, dict):
        return [f"{path}: an element must be an object, got {type(element).__name__}"]
    etype = element.get("type")
    if etype not in KNOWN_ELEMENT_TYPES:
        return [f"{path}.type: unknown element type {etype!r}"]
    problems: list[str] = []

    action_id = element.get("action_id")
    if action_id is not None:
        if not isinstance(action_id, str) or not action_id:
            problems.append(f"{path}.action_id: must be a non-empty string")
        else:
            problems.extend(_max_len(action_id, f"{path}.action_id", ID_MAX))
            # Slack requires action_ids to be unique within their block.
            if action_id in action_ids:
                problems.append(f"{path}.action_id: {action_id!r} is used twice in the same block")
            action_ids.add(action_id)

    if element.get("placeholder") is not None:
        problems.extend(_text_problems(element["placeholder"], f"{path}.placeholder", plain=True, max_len=PLACEHOLDER_MAX))
    if element.get("confirm") is not None:
        problems.extend(_confirm_problems(element["confirm"], f"{path}.confirm"))

    if etype == "button":
        if "text" not in element:
            problems.append(f"{path}.text: required")
        else:
            problems.extend(_text_problems(element["text"], f"{path}.text", plain=True, max_len=BUTTON_TEXT_MAX))
        problems.extend(_max_len(element.get("value"), f"{path}.value", BUTTON_VALUE_MAX))
        problems.extend(_max_len(element.get("url"), f"{path}.url", URL_MAX))
        style = element.get("style")
        if style is not None and style not in ("primary", "danger"):
            problems.append(f"{path}.style: must be 'primary' or 'danger', got {style!r}")
    elif etype in SELECT_TYPES:
        problems.extend(_select_problems(element, path))
    elif etype in ("checkboxes", "radio_buttons"):
        problems.extend(_options_problems(element.get("options"), f"{path}.options", CHECKBOX_OPTIONS_MAX, plain=False))
    elif etype == "overflow":
        problems.extend(_options_problems(element.get("options"), f"{path}.options", OVERFLOW_OPTIONS_MAX, plain=True))
    elif etype == "plain_text_input":
        problems.extend(_max_len(element.get("initial_value"), f"{path}.initial_value", TEXT_INPUT_MAX))
        for key in ("min_length", "max_length"):
            value = element.get(key)
            if value is not None and (not isinstance(value, int) or not 0 <= value <= TEXT_INPUT_MAX):
                problems.append(f"{path}.{key}: must be an integer between 0 and {TEXT_INPUT_MAX}")
    elif etype == "datepicker":
        date = element.get("initial_date")
        if date is not None and (not isinstance(date, str) or not _DATE_RE.match(date)):
            problems.append(f"{path}.initial_date: must be YYYY-MM-DD, got {date!r}")
    elif etype == "timepicker":
        when = element.get("initial_time")
        if when is not None and (not isinstance(when, str) or not _TIME_RE.match(when)):
            problems.append(f"{path}.initial_time: must be HH:mm (24h), got {when!r}")
    elif etype == "image":
        problems.extend(_image_source_problems(element, path))

    if problems:
        return problems
    # Unknown keys: the SDK model lists every key Slack documents for the element.
    try:
        parsed = BlockElement.parse(element)
    except (TypeError, ValueError, KeyError, AttributeError, SlackObjectFormationError) as exc:
        problems.append(f"{path}: slack_sdk cannot build this {etype} element: {exc}")
    else:
        if isinstance(parsed, JsonObject):
            problems.extend(_extra_keys(element, set(parsed.attributes), path))
    return problems


def _select_problems(element: dict, path: str) -> list[str]:
    options, groups = element.get("options"), element.get("option_groups")
    if (options is None) == (groups is None):
        return [f"{path}: a static select needs exactly one of options or option_groups"]
    if options is not None:
        return _options_problems(options, f"{path}.options", SELECT_OPTIONS_MAX, plain=True)
    if not isinstance(groups, list) or not groups:
        return [f"{path}.option_groups: must be a non-empty array"]
    problems: list[str] = []
    if len(groups) > SELECT_OPTIONS_MAX:
        problems.append(f"{path}.option_groups: {len(groups)} groups, max {SELECT_OPTIONS_MAX}")
    for i, group in enumerate(groups):
        gpath = f"{path}.option_groups[{i}]"
        if not isinstance(group, dict):
            problems.append(f"{gpath}: must be an object")
            continue
        problems.extend(_extra_keys(group, OPTION_GROUP_KEYS, gpath))
        problems.extend(_text_problems(group.get("label"), f"{gpath}.label", plain=True, max_len=OPTION_TEXT_MAX))
        problems.extend(_options_problems(group.get("options"), f"{gpath}.options", SELECT_OPTIONS_MAX, plain=True))
    return problems


def _options_problems(options: Any, path: str, max_count: int, *, plain: bool) -> list[str]:
    if not isinstance(options, list) or not options:
        return [f"{path}: must be a non-empty array"]
    problems: list[str] = []
    if len(options) > max_count:
        problems.append(f"{path}: {len(options)} options, max {max_count}")
    values: set[str] = set()
    for i, option in enumerate(options):
        opath = f"{path}[{i}]"
        if not isinstance(option, dict):
            problems.append(f"{opath}: an option must be an object")
            continue
        problems.extend(_extra_keys(option, OPTION_KEYS, opath))
        problems.extend(_text_problems(option.get("text"), f"{opath}.text", plain=plain, max_len=OPTION_TEXT_MAX))
        value = option.get("value")
        if not isinstance(value, str) or not value:
            problems.append(f"{opath}.value: required (a non-empty string)")
        else:
            problems.extend(_max_len(value, f"{opath}.value", OPTION_VALUE_MAX))
            if value in values:
                problems.append(f"{opath}.value: {value!r} is used by two options")
            values.add(value)
        if option.get("description") is not None:
            problems.extend(
                _text_problems(option["description"], f"{opath}.description", plain=True, max_len=OPTION_DESCRIPTION_MAX)
            )
    return problems


def _confirm_problems(confirm: Any, path: str) -> list[str]:
    if not isinstance(confirm, dict):
        return [f"{path}: must be an object"]
    problems = _extra_keys(confirm, CONFIRM_KEYS, path)
    problems.extend(_text_problems(confirm.get("title"), f"{path}.title", plain=True, max_len=CONFIRM_TITLE_MAX))
    problems.extend(_text_problems(confirm.get("text"), f"{path}.text", max_len=CONFIRM_TEXT_MAX))
    problems.extend(_text_problems(confirm.get("confirm"), f"{path}.confirm", plain=True, max_len=CONFIRM_BUTTON_MAX))
    problems.extend(_text_problems(confirm.get("deny"), f"{path}.deny", plain=True, max_len=CONFIRM_BUTTON_MAX))
    return problems


def _image_source_problems(obj: dict, path: str) -> list[str]:
    problems: list[str] = []
    if not obj.get("image_url") and not obj.get("slack_file"):
        problems.append(f"{path}: an image needs image_url or slack_file")
    problems.extend(_max_len(obj.get("image_url"), f"{path}.image_url", URL_MAX))
    alt = obj.get("alt_text")
    if not isinstance(alt, str) or not alt:
        problems.append(f"{path}.alt_text: required")
    else:
        problems.extend(_max_len(alt, f"{path}.alt_text", IMAGE_ALT_TEXT_MAX))
    return problems


# --- Composition objects and helpers ----------------------------------------------


def _text_problems(obj: Any, path: str, *, plain: bool = False, max_len: int | None = None) -> list[str]:
    """Check a text object.  Slack never accepts a bare string where an object is due."""
    if obj is None:
        return [f"{path}: required"]
    if not isinstance(obj, dict):
        return [f"{path}: must be a text object, got {type(obj).__name__} (slack_sdk would coerce it; Slack won't)"]
    text_type = obj.get("type")
    if text_type not in TEXT_TYPES:
        return [f"{path}.type: must be 'plain_text' or 'mrkdwn', got {text_type!r}"]
    problems: list[str] = []
    if plain and text_type != "plain_text":
        problems.append(f"{path}.type: must be 'plain_text' here, got {text_type!r}")
    problems.extend(_extra_keys(obj, TEXT_KEYS[text_type], path))
    text = obj.get("text")
    if not isinstance(text, str):
        problems.append(f"{path}.text: must be a string, got {type(text).__name__}")
    elif not text:
        problems.append(f"{path}.text: must be more than 0 characters")
    elif max_len is not None and len(text) > max_len:
        problems.append(f"{path}.text: {len(text)} chars, max {max_len}")
    return problems


def _extra_keys(obj: dict, allowed: set[str], path: str) -> list[str]:
    return [f"{path}: invalid additional property {key!r}" for key in sorted(set(obj) - allowed)]


def _max_len(value: Any, path: str, limit: int) -> list[str]:
    if isinstance(value, str) and len(value) > limit:
        return [f"{path}: {len(value)} chars, max {limit}"]
    return []


def _sdk_block_problems(block: dict, path: str) -> list[str]:
    """Parse with slack_sdk and run its validators on the block and everything inside it."""
    try:
        parsed = Block.parse(block)
    except (TypeError, ValueError, KeyError, AttributeError, SlackObjectFormationError) as exc:
        # e.g. "ButtonElement.__init__() missing 1 required keyword-only argument: 'text'"
        return [f"{path}: slack_sdk cannot build this {block.get('type')} block: {exc}"]
    if parsed is None:
        return [f"{path}.type: unknown block type {block.get('type')!r}"]
    problems = _extra_keys(block, set(parsed.attributes), path)
    problems.extend(_sdk_validate_tree(parsed, path))
    return problems


def _sdk_validate_tree(obj: JsonObject, path: str) -> list[str]:
    # validate_json() only checks the object itself, so walk its attributes too.
    problems: list[str] = []
    seen: set[int] = set()

    def visit(node: Any) -> None:
        if isinstance(node, (list, tuple)):
            for item in node:
                visit(item)
            return
        if not isinstance(node, JsonObject) or id(node) in seen:
            return
        seen.add(id(node))
        try:
            node.validate_json()
        except SlackObjectFormationError as exc:
            problems.append(f"{path}: slack_sdk: {type(node).__name__}: {exc}")
        for name in sorted(getattr(node, "attributes", ())):
            visit(getattr(node, name, None))

    visit(obj)
    return problems


def _sdk_view_problems(view: dict) -> list[str]:
    try:
        View(**view).validate_json()
    except (TypeError, ValueError, KeyError, AttributeError, SlackObjectFormationError) as exc:
        return [f"view: slack_sdk: {exc}"]
    return []
