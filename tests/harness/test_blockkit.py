"""Tests for the Block Kit validator (no server involved)."""

from __future__ import annotations

import pytest

from tests.harness.blockkit import block_kit_problems, message_problems, view_problems


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def option(value: str, text: str | None = None) -> dict:
    return {"text": plain(text or value), "value": value}


VALID_BLOCKS = [
    {"type": "header", "text": plain("Commissioning update")},
    {"type": "section", "block_id": "intro", "text": mrkdwn("*Hello*"),
     "accessory": {"type": "button", "text": plain("Open"), "action_id": "open", "value": "1", "style": "primary"}},
    {"type": "section", "fields": [mrkdwn("*When*"), mrkdwn("Tuesday")]},
    {"type": "section", "text": mrkdwn("Pick"),
     "accessory": {"type": "static_select", "action_id": "pick", "placeholder": plain("Choose"),
                   "options": [option("a"), option("b")], "initial_option": option("a")}},
    {"type": "divider"},
    {"type": "actions", "elements": [
        {"type": "button", "text": plain("Yes"), "action_id": "yes",
         "confirm": {"title": plain("Sure?"), "text": mrkdwn("Really?"), "confirm": plain("Yes"), "deny": plain("No")}},
        {"type": "datepicker", "action_id": "date", "initial_date": "2026-12-01"},
        {"type": "overflow", "action_id": "more", "options": [option("edit"), option("delete")]},
        {"type": "multi_static_select", "action_id": "groups",
         "option_groups": [{"label": plain("Group"), "options": [option("x")]}]},
    ]},
    {"type": "context", "elements": [mrkdwn("small print"),
                                     {"type": "image", "image_url": "https://example.test/i.png", "alt_text": "i"}]},
    {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "hi"}]}]},
]

INPUT = {"type": "input", "block_id": "title", "label": plain("Title"),
         "element": {"type": "plain_text_input", "action_id": "value", "initial_value": "Board"}}


def modal(**overrides) -> dict:
    return {"type": "modal", "callback_id": "propose", "title": plain("Propose"), "submit": plain("Save"),
            "close": plain("Cancel"), "blocks": [INPUT], **overrides}


def test_valid_blocks_have_no_problems():
    assert block_kit_problems(VALID_BLOCKS, surface="message") == []
    assert block_kit_problems(VALID_BLOCKS + [INPUT], surface="modal") == []
    assert view_problems(modal()) == []
    assert view_problems({"type": "home", "blocks": VALID_BLOCKS}) == []


@pytest.mark.parametrize(
    "block, expected",
    [
        ({"type": "section", "text": mrkdwn("x" * 3001)}, "blocks[0].text.text: 3001 chars, max 3000"),
        ({"type": "section", "fields": [mrkdwn("x" * 2001)]}, "blocks[0].fields[0].text: 2001 chars, max 2000"),
        ({"type": "section", "fields": [mrkdwn("x")] * 11}, "blocks[0].fields: 11 fields, max 10"),
        ({"type": "section", "text": "bare string"}, "blocks[0].text: must be a text object"),
        ({"type": "section", "text": mrkdwn("")}, "blocks[0].text.text: must be more than 0 characters"),
        ({"type": "section", "text": {"type": "mrkdwn", "text": "x", "emoji": True}},
         "blocks[0].text: invalid additional property 'emoji'"),
        ({"type": "section", "text": mrkdwn("x"), "colour": "red"}, "blocks[0]: invalid additional property 'colour'"),
        ({"type": "header", "text": plain("x" * 151)}, "blocks[0].text.text: 151 chars, max 150"),
        ({"type": "header", "text": mrkdwn("x")}, "blocks[0].text.type: must be 'plain_text' here"),
        ({"type": "actions", "elements": [{"type": "button", "text": plain(str(i)), "action_id": str(i)}
                                          for i in range(26)]}, "blocks[0].elements: 26 elements, max 25"),
        ({"type": "context", "elements": [mrkdwn("x")] * 11}, "blocks[0].elements: 11 elements, max 10"),
        ({"type": "actions", "elements": [{"type": "button", "text": plain("x" * 76), "action_id": "a"}]},
         "blocks[0].elements[0].text.text: 76 chars, max 75"),
        ({"type": "actions", "elements": [{"type": "button", "text": plain("x"), "action_id": "a", "value": "v" * 2001}]},
         "blocks[0].elements[0].value: 2001 chars, max 2000"),
        ({"type": "actions", "elements": [{"type": "button", "text": plain("x"), "action_id": "a" * 256}]},
         "blocks[0].elements[0].action_id: 256 chars, max 255"),
        ({"type": "actions", "elements": [{"type": "button", "text": plain("x"), "action_id": "a"},
                                          {"type": "button", "text": plain("y"), "action_id": "a"}]},
         "blocks[0].elements[1].action_id: 'a' is used twice in the same block"),
        ({"type": "actions", "elements": [{"type": "button", "action_id": "a"}]}, "blocks[0].elements[0].text: required"),
        ({"type": "actions", "elements": [{"type": "buttn", "text": plain("x")}]},
         "blocks[0].elements[0].type: unknown element type 'buttn'"),
        ({"type": "sektion", "text": mrkdwn("x")}, "blocks[0].type: unknown block type 'sektion'"),
        ({"type": "section", "block_id": "b" * 256, "text": mrkdwn("x")}, "blocks[0].block_id: 256 chars, max 255"),
        ({"type": "section", "text": mrkdwn("x"), "accessory": {
            "type": "static_select", "action_id": "s", "options": [option(str(i)) for i in range(101)]}},
         "blocks[0].accessory.options: 101 options, max 100"),
        ({"type": "section", "text": mrkdwn("x"), "accessory": {
            "type": "static_select", "action_id": "s", "options": [option("v", "t" * 76)]}},
         "blocks[0].accessory.options[0].text.text: 76 chars, max 75"),
        ({"type": "actions", "elements": [{"type": "datepicker", "action_id": "d", "initial_date": "01/12/2026"}]},
         "blocks[0].elements[0].initial_date: must be YYYY-MM-DD"),
        ({"type": "input", "label": plain("x"), "element": {"type": "plain_text_input", "action_id": "a",
                                                             "initial_value": "v" * 3001}},
         "blocks[0].element.initial_value: 3001 chars, max 3000"),
        ({"type": "input", "label": plain("x"), "element": {"type": "button", "text": plain("b"), "action_id": "b"}},
         "blocks[0].element: a 'button' cannot be used in an input block"),
        ({"type": "video", "title": plain("v")}, "blocks[0]: slack_sdk: VideoBlock"),
    ],
)
def test_each_violation_is_reported_with_its_path(block, expected):
    problems = block_kit_problems([block], surface="modal")
    assert any(expected in p for p in problems), problems


def test_block_limits_depend_on_the_surface():
    fifty_one = [{"type": "divider"}] * 51
    assert block_kit_problems(fifty_one, surface="message") == ["blocks: 51 blocks, max 50 in a message"]
    assert block_kit_problems(fifty_one, surface="modal") == []
    assert block_kit_problems([{"type": "divider"}] * 101, surface="home") == ["blocks: 101 blocks, max 100 in a home"]
    with pytest.raises(ValueError):
        block_kit_problems([], surface="email")


def test_block_ids_must_be_unique():
    blocks = [{"type": "divider", "block_id": "same"}, {"type": "divider", "block_id": "same"}]
    assert block_kit_problems(blocks, surface="message") == ["blocks[1].block_id: 'same' duplicates blocks[0]"]


def test_not_a_list():
    assert block_kit_problems('[{"type": "divider"}]', surface="message") == ["blocks: must be an array of blocks, got str"]


@pytest.mark.parametrize(
    "view, expected",
    [
        (modal(title=plain("x" * 25)), "view.title.text: 25 chars, max 24"),
        (modal(submit=plain("x" * 25)), "view.submit.text: 25 chars, max 24"),
        (modal(close=plain("x" * 25)), "view.close.text: 25 chars, max 24"),
        (modal(private_metadata="x" * 3001), "view.private_metadata: 3001 chars, max 3000"),
        (modal(submit=None), "view.submit: required when the modal contains input blocks"),
        (modal(blocks=[{"type": "divider"}] * 101), "view.blocks: 101 blocks, max 100 in a modal"),
        ({"type": "modal", "blocks": [{"type": "divider"}]}, "view.title: required for a modal"),
        ({"type": "home", "blocks": [], "submit": plain("x")}, "view.submit: not allowed on a home view"),
        ({"type": "dialog", "blocks": []}, "view.type: must be 'modal' or 'home'"),
        (modal(blocks=[{"type": "section", "text": mrkdwn("x" * 3001)}]), "view.blocks[0].text.text: 3001 chars"),
    ],
)
def test_view_problems(view, expected):
    problems = view_problems(view)
    assert any(expected in p for p in problems), problems


def test_sdk_view_validators_still_apply():
    # An empty modal passes our walk but slack_sdk's View requires 1..100 blocks.
    assert view_problems(modal(blocks=[], submit=None)) == ["view: slack_sdk: views must contain between 1 and 100 blocks"]


def test_message_problems():
    assert message_problems(text="hi") == []
    assert message_problems() == ["message has no text, blocks or attachments"]
    assert message_problems(require_content=False) == []
    assert message_problems(text="x" * 40_001) == ["text: 40001 chars, max 40000"]
    assert message_problems(blocks=[{"type": "divider"}]) == []
