"""Prompt views stay within Block Kit's limits and never let user text become markup."""

from __future__ import annotations

import json
from datetime import datetime, time, timezone

from bot.services import paging
from bot.services import prompts as rules
from bot.views import prompts as views
from tests.harness.blockkit import block_kit_problems, view_problems

NOW = datetime(2026, 11, 24, 10, tzinfo=timezone.utc)
NASTY = "<!channel> & <@U123> " + "really long answer " * 400


def _mrkdwn(node: object) -> list[str]:
    """Every mrkdwn text in a view or blocks."""
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") == "mrkdwn" else []
        return found + [text for value in node.values() for text in _mrkdwn(value)]
    if isinstance(node, list):
        return [text for value in node for text in _mrkdwn(value)]
    return []


def test_the_prompt_dm_has_answer_skip_and_pause() -> None:
    text, blocks = views.prompt_message(42, "What did <!here> ask for?", kind="scheduled")
    assert block_kit_problems(blocks, surface="message") == []
    labels = [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Answer", "Skip", "Pause me for 4 weeks"]
    assert "<!here>" not in json.dumps(blocks) and "&lt;!here&gt;" in json.dumps(blocks)
    assert text.startswith("This week's question")


def test_answered_skipped_and_nudge_messages_render() -> None:
    base = dict(delivery_id=7, question=NASTY, kind="manual", channel_id="D1", ts="1.1")
    for state in (
        rules.DeliveryState(**base, answered=True, skipped=False, answered_at=NOW),
        rules.DeliveryState(**base, answered=False, skipped=True, answered_at=None),
        rules.DeliveryState(**base, answered=False, skipped=False, answered_at=None),
    ):
        text, blocks = views.delivery_message(state)
        assert block_kit_problems(blocks, surface="message") == [] and len(text) <= 3000
    _, nudge = views.nudge_message(7, NASTY)
    assert block_kit_problems(nudge, surface="message") == []


def test_the_answer_modal_is_valid_with_long_earlier_answers() -> None:
    form = rules.AnswerForm(delivery_id=9, question=NASTY, text=NASTY, message_answers=[NASTY] * 5,
                            credit="organisation", shareable=True, organisation="Riverside <Food> Bank")
    modal = views.answer_modal(form)
    assert view_problems(modal) == []
    assert modal["private_metadata"] == "9"
    assert not any("<!channel>" in text for text in _mrkdwn(modal)), "user text is escaped wherever it is markup"
    empty = views.answer_modal(rules.AnswerForm(9, "Q?", "", [], "named", False, None))
    assert view_problems(empty) == []
    text_block = next(b for b in empty["blocks"] if b.get("block_id") == views.TEXT_BLOCK)
    assert text_block["optional"] is False and "initial_value" not in text_block["element"]


def test_a_long_bank_is_listed_within_limits() -> None:
    lines = [rules.PromptLine(n, NASTY[:500], n, False) for n in range(1, 301)]
    found = rules.PromptListing(lines, lines[:40], rules.Schedule("weekly", 1, time(10)), 3)
    for show_retired in (False, True):
        blocks = views.listing_blocks(found, can_change=True, show_retired=show_retired)
        assert block_kit_problems(blocks, surface="message") == []
    assert "<!channel>" not in json.dumps(blocks)


def test_a_page_of_answers_is_within_limits_and_has_room_for_a_button_per_answer() -> None:
    entries = [rules.AnswerEntry(answer_id=i, prompt_id=1, text=NASTY, credited_as="<b>Someone</b>", credit="named",
                                 shareable=bool(i % 2), answered_at=NOW, by_message=bool(i % 3))
               for i in range(rules.ANSWERS_PER_PAGE)]
    page = rules.AnswersPage(number=3, question=NASTY, total=95, page=2, pages=10, entries=entries)
    blocks = views.answers_page_blocks(page)
    assert block_kit_problems(blocks, surface="message") == []
    assert [b["block_id"] for b in blocks if str(b.get("block_id", "")).startswith("prompt_answer_")] == [
        f"prompt_answer_{i}" for i in range(rules.ANSWERS_PER_PAGE)
    ]
    assert "<b>" not in json.dumps(blocks) and "<!channel>" not in json.dumps(blocks)
    buttons = [e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["3:1", "3:3"]


def test_home_shows_waiting_prompts_and_a_pause() -> None:
    waiting = [rules.WaitingPrompt(i, NASTY, NOW) for i in range(rules.HOME_WAITING_LIMIT)]
    blocks = views.home_blocks(rules.MemberPrompts(waiting, NOW))
    assert block_kit_problems(blocks, surface="home") == []
    assert "Resume now" in json.dumps(blocks)
    assert views.home_blocks(rules.MemberPrompts([], None)) == []


def test_schedules_read_naturally() -> None:
    assert views.schedule_text(rules.Schedule("weekly", 1, time(10))) == "every Tuesday at 10:00"
    assert views.schedule_text(rules.Schedule("fortnightly", 4, time(9, 30))) == "every other Friday at 09:30"
    assert views.schedule_text(rules.Schedule("monthly", 0, time(14))) == "on the first Monday of each month at 14:00"
    assert views.schedule_text(rules.Schedule()) == "off"


def test_the_send_a_prompt_form_fits_a_long_bank_and_says_when_all_are_retired() -> None:
    lines = [rules.PromptLine(n, NASTY[:500], n, False) for n in range(1, 151)]
    found = rules.PromptListing(lines, [], rules.Schedule(), None)
    form = views.send_modal(found, channel_id="CGROUP")
    assert view_problems(form) == []  # questions are plain text in the options: nothing to escape
    select = next(b for b in form["blocks"] if b.get("block_id") == views.SEND_WHICH_BLOCK)["element"]
    assert len(select["options"]) == 100 and select["initial_option"]["value"] == "1"
    assert "any of the 150" in json.dumps(form)
    retired = views.send_modal(rules.PromptListing([], lines, rules.Schedule(), None), channel_id=None)
    assert view_problems(retired) == [] and "submit" not in retired and "Every prompt is retired" in json.dumps(retired)


def test_the_home_pages_waiting_prompts() -> None:
    waiting = [rules.WaitingPrompt(i, NASTY, NOW) for i in range(rules.HOME_WAITING_LIMIT)]
    blocks = views.home_blocks(rules.MemberPrompts(waiting, None, paging.window(12, 2, rules.HOME_WAITING_LIMIT)))
    assert block_kit_problems(blocks, surface="home") == []
    buttons = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["home_page_previous", "home_page_next"] and "Page 2 of 3" in json.dumps(blocks)
