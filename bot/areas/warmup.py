"""What each area does once when a Slack-facing process starts."""

from __future__ import annotations

from collections.abc import Callable

from bot.services import poll_dates, volunteering

# Slow first-use work done before the first request (loading a parser's data…).
WARMERS: list[Callable[[], None]] = [
    poll_dates.warm,
    volunteering.warm_up,
]
