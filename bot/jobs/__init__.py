"""Scheduled jobs: module-level functions taking IDs, so APScheduler can store them.

A stored job names its function (`bot.jobs.polls:close_poll`) and its arguments; it cannot hold
the database or the Slack client. The process that runs jobs binds its runtime here once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.runtime import Runtime

_runtime: Runtime | None = None


def bind(runtime: Runtime | None) -> None:
    """Make `runtime` the one jobs use in this process (None to unbind)."""
    global _runtime
    _runtime = runtime


def runtime() -> Runtime:
    if _runtime is None:
        raise RuntimeError("No runtime is bound: jobs run inside `python -m bot run` or `python -m bot clock`.")
    return _runtime
