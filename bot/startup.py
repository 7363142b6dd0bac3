"""Work done once when a Slack-facing process starts, so the first request is as fast as the next."""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

# Areas add warm-up functions here (loading a parser's data, compiling templates…).
WARMERS: list[Callable[[], None]] = []


def warm_up() -> None:
    for warmer in WARMERS:
        try:
            warmer()
        except Exception:
            logger.exception("Warm-up step %s failed; the first request will be slower", warmer.__name__)
