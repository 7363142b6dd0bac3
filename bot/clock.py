"""Time as Convene reads it: injected everywhere so tests can set it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

Clock = Callable[[], datetime]
"""Returns the current instant as an aware UTC datetime."""


def system_clock() -> datetime:
    return datetime.now(timezone.utc)
