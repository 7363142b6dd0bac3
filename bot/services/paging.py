"""Page arithmetic for every list Convene shows a page at a time.

`/issue list`, `/propose list`, `/prompt answers`, `/meet list` and each section of the App Home
use this one rule: pages count from 1, there is always at least one page, and a page asked for
past either end is the nearest page there is (a list that shrank between two clicks still shows
something). The Previous / Next buttons that go with a page are `bot.views.paging`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Window:
    """Which part of a list one page shows."""

    number: int  # 1-based, within 1..pages
    pages: int  # at least 1
    total: int  # items in the whole list
    size: int  # items per page

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first(self) -> int:
        """The 1-based position of the page's first item in the whole list."""
        return self.offset + 1

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def slice(self, items: Sequence[T]) -> list[T]:
        return list(items[self.offset:self.offset + self.size])


def page_count(total: int, size: int) -> int:
    """How many pages `total` items fill, `size` to a page; an empty list still has one page."""
    return max(1, math.ceil(max(total, 0) / size))


def window(total: int, requested: int, size: int) -> Window:
    """The page `requested` of a list of `total` items, moved to the nearest page that exists."""
    pages = page_count(total, size)
    return Window(number=min(max(requested, 1), pages), pages=pages, total=max(total, 0), size=size)


def page_of(items: Sequence[T], requested: int, size: int) -> tuple[Window, list[T]]:
    """One page of a list already in memory."""
    found = window(len(items), requested, size)
    return found, found.slice(items)


def fetch_page(fetch: Callable[[int, int], tuple[list[T], int]], requested: int,
               size: int) -> tuple[Window, list[T]]:
    """One page from a query that answers `(rows, total)` for `(offset, limit)`.

    The page asked for is fetched first (the usual case costs one query); when the list turns out
    shorter than that, its last page is fetched instead.
    """
    requested = max(requested, 1)
    rows, total = fetch((requested - 1) * size, size)
    found = window(total, requested, size)
    if found.number != requested:
        rows, total = fetch(found.offset, size)
        found = window(total, found.number, size)
    return found, rows
