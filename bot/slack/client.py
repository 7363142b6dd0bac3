"""The one WebClient factory: Slack's URL from settings, and retries that wait out 429s.

A 5xx or a dropped connection is retried only for methods that are safe to send twice (reads,
and writes whose second call changes nothing). A `chat.postMessage` that failed that way may
have been posted; retrying it blindly could post it twice, so it is left to the caller, who can
tell (the once-ledger, message metadata, a lookup): see `bot.slack.messages`.
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
from collections.abc import Callable
from http.client import RemoteDisconnected
from typing import TYPE_CHECKING, Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler, RetryState
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse

if TYPE_CHECKING:
    from bot.slack.installations import Installations

logger = logging.getLogger(__name__)

Sleep = Callable[[float], None]

# Enough to ride out a burst at Slack's tier limits (a minute of waiting) without giving up.
MAX_RATE_LIMIT_RETRIES = 10
MAX_SERVER_ERROR_RETRIES = 2
# Methods Slack may receive twice without anything appearing twice.
IDEMPOTENT_METHODS = frozenset({
    "auth.test", "users.info", "users.list", "conversations.info", "conversations.members",
    "conversations.history", "conversations.replies", "conversations.open", "chat.getPermalink", "team.info",
    "chat.update", "chat.delete", "views.publish", "views.update", "reactions.add", "files.getUploadURLExternal",
})


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


def method_of(request: HttpRequest) -> str:
    """`chat.postMessage` from `https://slack.com/api/chat.postMessage?…`."""
    return request.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def never_reached_slack(error: BaseException | None) -> bool:
    """The connection was refused or the host not found: Slack cannot have acted on the request."""
    reason = error.reason if isinstance(error, URLError) else error
    return isinstance(reason, (ConnectionRefusedError, socket.gaierror))


def connection_dropped(error: BaseException | None) -> bool:
    """The connection broke or timed out after the request may have reached Slack."""
    reason = error.reason if isinstance(error, URLError) else error
    return isinstance(reason, (ConnectionResetError, RemoteDisconnected, TimeoutError, socket.timeout,
                               ConnectionAbortedError, BrokenPipeError))


class SafeRetryHandler(RetryHandler):
    """Retries a 5xx or a broken connection when sending again cannot make anything appear twice:
    for idempotent methods, and for any method whose request never reached Slack."""

    def __init__(self, *, max_retry_count: int = MAX_SERVER_ERROR_RETRIES, sleep: Sleep = time.sleep) -> None:
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
        if never_reached_slack(error):
            return True
        if method_of(request) not in IDEMPOTENT_METHODS:
            return False
        if response is not None:
            return response.status_code >= 500
        return connection_dropped(error)

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        wait = 0.5 * 2 ** state.current_attempt + random.uniform(0, 0.25)
        logger.warning("Slack did not answer %s (%s); retrying in %.1f s", method_of(request),
                       response.status_code if response is not None else type(error).__name__, wait)
        self._sleep(wait)
        state.increment_current_attempt()


def make_web_client(token: str | None, base_url: str, *, sleep: Sleep = time.sleep, timeout: int = 30,
                    installations: Installations | None = None) -> WebClient:
    """A WebClient that reaches `base_url`, waits out 429s and retries what is safe to retry.

    With `installations` (hosting many workspaces) each call carries the token of the workspace
    Convene is acting for, instead of `token`.
    """
    options: dict[str, Any] = {
        "base_url": base_url,
        "timeout": timeout,
        "retry_handlers": [RetryAfterHandler(sleep=sleep), SafeRetryHandler(sleep=sleep)],
    }
    if installations is not None:
        from bot.slack.installations import WorkspaceClient

        return WorkspaceClient(installations, **options)
    return WebClient(token=token, **options)
