"""Scheduled jobs: module-level functions taking IDs, so APScheduler can store them.

A stored job names its function (`bot.jobs.polls:close_poll`) and its arguments; it cannot hold
the database or the Slack client. The process that runs jobs binds its runtime here once.

A job for one workspace takes its `team_id` first and is wrapped in `for_workspace`: it calls
Slack with that workspace's token, and does nothing while the workspace has uninstalled Convene.
A job that sweeps every workspace skips those `Runtime.serving` leaves out and acts for each one
it touches (`bot.slack.installations.acting_for`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from bot.slack.installations import acting_for

if TYPE_CHECKING:
    from bot.runtime import Runtime

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

_runtime: Runtime | None = None


def bind(runtime: Runtime | None) -> None:
    """Make `runtime` the one jobs use in this process (None to unbind)."""
    global _runtime
    _runtime = runtime


def runtime() -> Runtime:
    if _runtime is None:
        raise RuntimeError("No runtime is bound: jobs run inside `python -m bot run` or `python -m bot clock`.")
    return _runtime


def for_workspace(func: Callable[Concatenate[str, P], R]) -> Callable[Concatenate[str, P], R | None]:
    """Run the job acting for the workspace of its first argument; None, doing nothing, when that
    workspace has uninstalled Convene."""

    @functools.wraps(func)
    def job(team_id: str, /, *args: P.args, **kwargs: P.kwargs) -> R | None:
        if not runtime().serving([team_id]):
            logger.info("%s: workspace %s has uninstalled Convene; nothing to do", func.__name__, team_id)
            return None
        with acting_for(team_id):
            return func(team_id, *args, **kwargs)

    return job
