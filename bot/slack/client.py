"""The one WebClient factory: Slack's URL from settings, and retries that wait out 429s."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler, RetryState
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse

logger = logging.getLogger(__name__)

Sleep = Callable[[float], None]

# Enough to ride out a burst at Slack's tier limits (a minute of waiting) without giving up.
MAX_RATE_LIMIT_RETRIES = 10


class ShuttingDown(Exception):
    """Raised instead of waiting out a 429 once the process is stopping: the call was not made,
    and whatever needed it is picked up again by the next start."""


def interruptible_sleep(stopping: threading.Event) -> Sleep:
    """A sleep that ends early, raising ShuttingDown, as soon as `stopping` is set."""

    def sleep(seconds: float) -> None:
        if stopping.wait(seconds):
            raise ShuttingDown("stopped while waiting out Slack's rate limit")

    return sleep


class RetryAfterHandler(RetryHandler):
    """Retries HTTP 429 after the `Retry-After` Slack asks for, plus a little jitter.

    Like slack_sdk's RateLimitErrorRetryHandler, but the sleep is injected so tests never wait.
    """

    def __init__(self, *, max_retry_count: int = MAX_RATE_LIMIT_RETRIES, sleep: Sleep = time.sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 429

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:  # pragma: no cover - _can_retry only accepts responses
            raise error  # type: ignore[misc]
        state.next_attempt_requested = True
        wait = _retry_after_seconds(response) + random.uniform(0, 0.5)
        logger.warning("Slack rate-limited %s; retrying in %.1f s", request.url.rsplit("/", 1)[-1], wait)
        self._sleep(wait)
        state.increment_current_attempt()


def _retry_after_seconds(response: HttpResponse) -> float:
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return max(float(values[0]), 0.0)
            except ValueError:
                break
    return 1.0


def make_web_client(token: str | None, base_url: str, *, sleep: Sleep = time.sleep, timeout: int = 30) -> WebClient:
    """A WebClient that reaches `base_url` and retries 429s, connection errors and 5xx."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            RetryAfterHandler(sleep=sleep),
            ConnectionErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
