"""The thread pool that runs Slack listeners and after-ack work."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class WorkExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor that can tell when all submitted work has finished.

    Bolt runs every listener here; `wait_idle()` lets the CLI drain on shutdown and lets tests
    wait for a listener's after-ack work instead of sleeping. Work runs in the context it was
    submitted from, so it acts for the same workspace (`bot.slack.installations.acting_for`).
    """

    def __init__(self, max_workers: int = 16, thread_name_prefix: str = "convene-work") -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._pending += 1
        try:
            future = super().submit(contextvars.copy_context().run, fn, *args, **kwargs)
        except BaseException:
            self._done(None)
            raise
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future[Any] | None) -> None:
        with self._idle:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing submitted is still running; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)
