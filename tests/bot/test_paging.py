"""The one paging rule every list follows, and the Previous / Next that goes with it."""

from __future__ import annotations

import json

from bot.services import paging
from bot.views import paging as views
from bot.views.home import pages_metadata, read_pages
from tests.harness.blockkit import block_kit_problems


def test_a_page_asked_for_past_either_end_is_the_nearest_one() -> None:
    assert paging.window(33, 1, 5) == paging.Window(number=1, pages=7, total=33, size=5)
    assert paging.window(33, 9, 5).number == 7 and paging.window(33, 0, 5).number == 1
    assert paging.window(33, -3, 5).number == 1
    empty = paging.window(0, 4, 5)
    assert (empty.number, empty.pages, empty.offset) == (1, 1, 0)
    last = paging.window(33, 7, 5)
    assert (last.offset, last.first, last.has_previous, last.has_next) == (30, 31, True, False)
    assert paging.page_count(10, 5) == 2 and paging.page_count(11, 5) == 3 and paging.page_count(0, 5) == 1


def test_slicing_every_page_gives_every_item_once() -> None:
    items = list(range(37))
    seen = []
    for number in range(1, paging.page_count(len(items), 10) + 1):
        window, shown = paging.page_of(items, number, 10)
        assert window.number == number
        seen += shown
    assert seen == items


def test_a_query_is_asked_again_for_its_last_page_only_when_the_page_asked_for_is_past_it() -> None:
    asked: list[tuple[int, int]] = []
    rows = list(range(23))

    def fetch(offset: int, limit: int) -> tuple[list[int], int]:
        asked.append((offset, limit))
        return rows[offset:offset + limit], len(rows)

    assert paging.fetch_page(fetch, 2, 10) == (paging.window(23, 2, 10), list(range(10, 20)))
    assert asked == [(10, 10)]
    asked.clear()
    window, got = paging.fetch_page(fetch, 9, 10)
    assert (window.number, got, asked) == (3, [20, 21, 22], [(80, 10), (20, 10)])
    asked.clear()
    assert paging.fetch_page(fetch, 0, 10)[1] == list(range(10)) and asked == [(0, 10)]


def test_previous_and_next_say_which_page_and_nothing_else() -> None:
    assert views.pager(1, 1, "x", str) is None
    block = views.pager(2, 3, "issue_list_page", lambda n: f"p{n}", block_id="pages")
    assert block is not None and block["block_id"] == "pages"
    assert [(e["action_id"], e["value"], e["text"]["text"]) for e in block["elements"]] == [
        ("issue_list_page_previous", "p1", "‹ Previous"), ("issue_list_page_next", "p3", "Next ›")]
    home = views.home_pager("issues", paging.window(33, 7, 5), "open issues")
    assert block_kit_problems(home, surface="home") == []
    assert home[0]["elements"][0]["text"] == "Page 7 of 7 · 33 open issues"
    assert [e["action_id"] for e in home[1]["elements"]] == ["home_page_previous"]
    assert views.read_home_page_value(home[1]["elements"][0]["value"]) == ("issues", 6)
    assert views.home_pager("issues", paging.window(3, 1, 5), "open issues") == []
    for junk in (None, "", "[]", '{"s": 1, "p": 2}', '{"s": "issues", "p": true}', '{"s": "issues"}'):
        assert views.read_home_page_value(junk) is None


def test_the_home_remembers_the_pages_of_the_sections_it_knows() -> None:
    metadata = pages_metadata({"issues": 3, "calls": 1, "polls": 2})
    assert json.loads(metadata) == {"pages": {"issues": 3, "polls": 2}}
    assert read_pages({"private_metadata": metadata}) == {"issues": 3, "polls": 2}
    assert pages_metadata({}) == "" and read_pages({"private_metadata": ""}) == {} and read_pages(None) == {}
    forged = json.dumps({"pages": {"issues": "2", "<@UALICE>": 4, "calls": 0, "polls": 5}})
    assert read_pages({"private_metadata": forged}) == {"polls": 5}
    assert read_pages({"private_metadata": "not json"}) == {} and read_pages({"private_metadata": "[1]"}) == {}
