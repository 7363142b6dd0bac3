"""A clock tests set and move by hand."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


class ManualClock:
    """Callable like `bot.clock.system_clock`; returns the time it was set to."""

    def __init__(self, start: datetime | str = "2026-11-24T09:00:00+00:00") -> None:
        self._now = _aware(start)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime | str) -> None:
        with self._lock:
            self._now = _aware(moment)

    def advance(self, **delta: float) -> datetime:
        with self._lock:
            self._now += timedelta(**delta)
            return self._now


def _aware(moment: datetime | str) -> datetime:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        raise ValueError("ManualClock needs an aware datetime")
    return moment.astimezone(timezone.utc)


class RecordingSleep:
    """Stands in for time.sleep: remembers how long it was asked to wait, and does not wait."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
