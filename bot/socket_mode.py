"""Socket Mode for `python -m bot run`: Bolt on slack_sdk's websocket-client client, kept connected.

Why this client: Bolt's default SocketModeHandler (slack_sdk's built-in client) spins a CPU core
for tens of seconds when a connection is closed with a bare TCP FIN (its receive loop never sleeps
on EOF), and after a `refresh_requested` it keeps envelopes waiting about 3 s while the old socket's
read times out. The websocket-client client sees a FIN or a reset at once and reconnects in half a
second, a refresh in one (tests/e2e/test_socket_mode.py measures every kind of drop). What it
lacks is added here:

- a pong watchdog: a connection that goes silent without a FIN or a reset (a dead network path)
  is replaced once a ping is waiting and nothing has been heard for `ping_interval + pong_timeout`;
- a replacement for slack_sdk's own monitor, which raced the client's start (RECONNECT_GRACE_SECONDS);
- `close_now()`: a replaced or closing session's socket is shut at once, not after 3 + 10 s;
- paced reconnects: while Slack or the network is down, attempts back off up to
  MAX_RECONNECT_DELAY instead of calling `apps.connections.open` twice a second;
- a bound: a connection that stays down for `give_up_after` makes `wait()` return False, and
  `run` exits non-zero so systemd or the container runtime restarts it;
- an orderly close: `close()` closes the socket first and never reconnects.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.websocket_client import SocketModeClient
from websocket import WebSocketApp, WebSocketException

from bot.settings import ConfigurationError

logger = logging.getLogger(__name__)

# websocket-client pings Slack this often; a pong must come within PONG_TIMEOUT_SECONDS after that.
PING_SECONDS = 5.0
PONG_TIMEOUT_SECONDS = 5.0
# How often the watchdog looks at the connection.
WATCH_SECONDS = 0.5
# A session without a socket for this long gets a new connection. slack_sdk's own monitor does
# this at every ping with no grace, and so races the half second its runner takes to start a new
# session: it opened a second connection at almost every start. This watchdog replaces it.
RECONNECT_GRACE_SECONDS = 2.0
# Failed connection attempts wait 0.5 s, 1 s, 2 s... up to this before trying again.
FIRST_RECONNECT_DELAY = 0.5
MAX_RECONNECT_DELAY = 30.0
# Slack's answers to apps.connections.open that no retry will change.
REFUSED_APP_TOKEN = frozenset({"invalid_auth", "not_authed", "not_allowed_token_type", "token_revoked",
                               "account_inactive", "missing_scope"})
# Envelopes handled at once (Bolt acks each as soon as its listener calls ack()).
CONCURRENCY = 10


class ReconnectPace:
    """The first attempt after a good connection goes at once; each further failure waits twice as long."""

    def __init__(self, stopped: threading.Event, *, first: float = FIRST_RECONNECT_DELAY,
                 ceiling: float = MAX_RECONNECT_DELAY) -> None:
        self._stopped = stopped
        self._first = first
        self._ceiling = ceiling
        self._failures = 0
        self._lock = threading.Lock()

    def next_delay(self) -> float:
        with self._lock:
            failures = self._failures
            self._failures += 1
        return 0.0 if failures == 0 else min(self._first * 2 ** (failures - 1), self._ceiling)

    def wait_turn(self) -> None:
        delay = self.next_delay()
        if delay:
            logger.info("Socket Mode: trying again in %.1f s", delay)
            self._stopped.wait(delay)

    def connected(self) -> None:
        with self._lock:
            self._failures = 0


class _PacedClient(SocketModeClient):
    """slack_sdk's websocket-client Socket Mode client, pausing between failed connection attempts."""

    def __init__(self, *args: Any, pace: ReconnectPace, **kwargs: Any) -> None:
        self._pace = pace
        super().__init__(*args, **kwargs)

    def issue_new_wss_url(self) -> str:
        self._pace.wait_turn()
        if self.closed:
            raise ConnectionAbortedError("Socket Mode is closing")
        return super().issue_new_wss_url()

    def connect_to_new_endpoint(self, force: bool = False) -> None:
        if not self.closed:  # a drop noticed while closing is not a reason to reconnect
            super().connect_to_new_endpoint(force)

    def connect(self) -> None:
        """A new session replaces the current one, which is closed at once (see `close_now`)."""
        if self.current_session is not None:
            close_now(self.current_session)
        super().connect()


def close_now(session: WebSocketApp) -> None:
    """Send Slack a close frame and shut the socket without waiting for Slack's reply.

    websocket-client's own close() waits up to 3 s for that reply and then closes the socket without
    waking the thread that reads it, which sits in select() for up to 10 s more; slack_sdk runs every
    session on that one thread, so the next connection (after a refresh, or at shutdown) would wait
    as long. Shutting the socket down wakes the reader at once.
    """
    ws = session.sock
    if ws is None:
        return
    try:
        if ws.connected:
            ws.send_close()
    except (OSError, WebSocketException) as error:
        logger.debug("Socket Mode: the connection was already gone (%s)", error)
    raw = ws.sock
    if raw is not None:
        try:
            raw.shutdown(socket.SHUT_RDWR)
        except OSError as error:
            logger.debug("Socket Mode: the socket was already closed (%s)", error)


class SocketMode:
    """Bolt's listeners over one Socket Mode connection that is kept alive (see the module docstring)."""

    def __init__(
        self,
        app: App,
        app_token: str,
        *,
        web_client: WebClient,
        give_up_after: float,
        ping_interval: float = PING_SECONDS,
        pong_timeout: float = PONG_TIMEOUT_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.give_up_after = give_up_after
        self.ping_interval = ping_interval
        self.pong_timeout = pong_timeout
        self._monotonic = monotonic
        self._closing = threading.Event()
        self._pace = ReconnectPace(self._closing)
        self._greeted: WebSocketApp | None = None
        self._greeted_at = 0.0
        self._down_since: float | None = None
        self._socketless_since: float | None = None
        self._reconnecting = threading.Lock()
        self.socket_client = _PacedClient(
            app_token=app_token,
            logger=logging.getLogger("convene.socket_mode"),
            web_client=web_client,
            ping_interval=ping_interval,
            concurrency=CONCURRENCY,
            on_message_listeners=[self._heard],
            pace=self._pace,
        )
        self.socket_client.socket_mode_request_listeners.append(self._handle)
        # Marking slack_sdk's monitor as started keeps connect() from starting it (see RECONNECT_GRACE_SECONDS).
        self.socket_client.current_app_monitor_started = True

    # ---- state ---------------------------------------------------------------------------------

    def is_connected(self) -> bool:
        """True while the current connection has been greeted by Slack and answers pings."""
        session = self.socket_client.current_session
        return (session is not None and session is self._greeted and session.sock is not None
                and not self._unanswered(session))

    def _unanswered(self, session: WebSocketApp) -> bool:
        """A ping is waiting for its pong, and nothing has been heard for a ping interval plus the timeout."""
        # websocket-client stamps pings and pongs with time.time().
        waiting = session.last_ping_tm > session.last_pong_tm
        heard = max(session.last_pong_tm, self._greeted_at)
        return waiting and time.time() - heard > self.ping_interval + self.pong_timeout

    # ---- running -------------------------------------------------------------------------------

    def start(self) -> None:
        """Open the first connection (returns at once; Slack's hello arrives shortly after).

        An app-level token Slack refuses is a ConfigurationError: no retry would change it.
        """
        self._down_since = self._monotonic()
        try:
            self.socket_client.connect()
        except SlackApiError as error:
            code = error.response.get("error")
            if code not in REFUSED_APP_TOKEN:
                raise
            raise ConfigurationError(
                f"SLACK_APP_TOKEN was refused by Slack ({code}): it must be an app-level token with the "
                "connections:write scope (Basic Information → App-Level Tokens)."
            ) from None

    def wait(self, stop: threading.Event) -> bool:
        """Watch the connection until `stop` is set (True) or it stayed down past `give_up_after` (False)."""
        while not stop.wait(WATCH_SECONDS):
            if not self.watch():
                return False
        return True

    def watch(self) -> bool:
        """One look at the connection: replace a silent or lost one; False once it has been down too long."""
        now = self._monotonic()
        session = self.socket_client.current_session
        if session is None or session.sock is None:
            # A drop is normally followed by a new session at once; this catches an attempt that failed.
            if self._socketless_since is None:
                self._socketless_since = now
            elif now - self._socketless_since > RECONNECT_GRACE_SECONDS:
                self._socketless_since = None
                self._reconnect()
        else:
            self._socketless_since = None
            if session is self._greeted and self._unanswered(session):
                logger.warning("Socket Mode: Slack has not answered a ping, and nothing was heard for %.0f s; "
                               "opening a new connection", time.time() - max(session.last_pong_tm, self._greeted_at))
                self._greeted = None
                # The reading thread wakes and the client reconnects as after any other drop.
                close_now(session)
        now = self._monotonic()
        if self.is_connected():
            return True
        if self._down_since is None:
            self._down_since = now
            logger.warning("Socket Mode: the connection to Slack is down; reconnecting")
        elif now - self._down_since > self.give_up_after:
            logger.error("Socket Mode: no connection to Slack for %.0f s; stopping so the process is restarted",
                         now - self._down_since)
            return False
        return True

    def _reconnect(self) -> None:
        """Try a new connection in the background: an attempt may wait its turn (ReconnectPace), and
        the watchdog must stay free to notice a stop or the give-up bound meanwhile."""
        if not self._reconnecting.acquire(blocking=False):
            return  # one attempt at a time

        def attempt() -> None:
            try:
                self.socket_client.connect_to_new_endpoint()
            except (SlackApiError, OSError, WebSocketException) as error:
                logger.warning("Socket Mode: could not open a new connection (%s); trying again", error)
            except Exception:
                logger.exception("Socket Mode: could not open a new connection; trying again")
            finally:
                self._reconnecting.release()

        threading.Thread(target=attempt, name="socket-mode-reconnect", daemon=True).start()

    def close(self) -> None:
        """Close the socket first (no more envelopes arrive), then the client's threads."""
        self._closing.set()
        self.socket_client.auto_reconnect_enabled = False
        self.socket_client.closed = True
        if self.socket_client.current_session is not None:
            close_now(self.socket_client.current_session)
        # slack_sdk's processing thread waits for the next message with a timeout, and its close()
        # joins that thread; a None (which it skips) wakes it now, so stopping never waits on that
        # timeout (nor on a clock that jumps, as under libfaketime).
        self.socket_client.message_queue.put(None)
        self.socket_client.close()

    # ---- listeners ----------------------------------------------------------------------------

    def _heard(self, session: WebSocketApp, message: str) -> None:
        if '"hello"' not in message:
            return
        try:
            kind = json.loads(message).get("type")
        except ValueError:
            return
        if kind == "hello":
            self._greeted_at = time.time()
            self._greeted = session
            self._pace.connected()
            down_since, self._down_since = self._down_since, None
            if down_since is None:
                logger.info("Socket Mode: connected")
            else:
                logger.info("Socket Mode: connected after %.1f s", self._monotonic() - down_since)

    def _handle(self, client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        started = time.time()
        send_response(client, request, run_bolt_app(self.app, request), started)
