"""Speed and memory measurements: `python -m bench.<area>`. Loopback only, bounded in time."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def timed(runs: int, work: Callable[[], Any]) -> tuple[float, float]:
    """(median, worst) milliseconds over `runs`, after one warm-up."""
    work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)
