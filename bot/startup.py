"""Work done once when a Slack-facing process starts, so the first request is as fast as the next."""

from __future__ import annotations

import logging

from bot.areas import WARMERS

logger = logging.getLogger(__name__)


def warm_up() -> None:
    for warmer in WARMERS:
        try:
            warmer()
        except Exception:
            logger.exception("Warm-up step %s failed; the first request will be slower", warmer.__name__)
