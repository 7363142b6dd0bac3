"""Slack's Socket Mode on loopback, for end-to-end tests of `python -m bot run`.

``SocketModeServer`` is a WebSocket server on ``127.0.0.1:<ephemeral>`` that behaves like
Slack's Socket Mode endpoint: each URL handed out by ``apps.connections.open``
(``FakeSlack.enable_socket_mode()`` wires that up) admits one connection, which is greeted
with ``hello``; envelopes of type ``slash_commands``, ``interactive`` and ``events_api`` are
delivered on the newest connection, and the app's acknowledgements (``envelope_id`` plus any
``payload``) are recorded with the time they took. It drops connections the ways Slack and
the network do:

* ``disconnect()``: Slack's ``{"type": "disconnect", "reason": "refresh_requested"}`` warning;
  the old connection is closed (with a close frame) a few seconds later unless the app closes it
  first, and envelopes go to the app's new connection as soon as it has one;
* ``reset()``: the TCP connection is reset (RST), no close frame;
* ``fin()``: the TCP connection is closed with a bare FIN and no WebSocket close frame, as
  proxies and NAT timeouts do;
* ``freeze()``: the connection goes silent, answering neither data nor pings (a dead network
  path that sends nothing at all).

``SocketModeSender`` sends the same payloads as ``tests.harness.signed.SlackSender`` (its
methods and arguments are the same) as envelopes over the server, waits for the ack and returns
it. Anything Slack would object to (an ack for an unknown envelope, a second ack, a payload
where none is accepted, an ack later than Slack's 3 seconds, a reused connection URL) is
reported through ``on_problem`` (``FakeSlack.problems`` when made by the fake).

Typical use::

    with FakeSlack() as fake:
        socket = fake.enable_socket_mode()
        ...                                            # start `python -m bot run` against fake.url
        socket.wait_for_connections(1)
        slack = SocketModeSender(socket, fake=fake)
        ack = slack.command("/convene", "help", user_id="U1")
        assert ack.elapsed < 3 and "blocks" in ack.payload
        socket.fin()                                  # a bare FIN
        socket.wait_for_connections(2)
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from .signed import SlackSender

if TYPE_CHECKING:
    from .fake_slack import FakeSlack

__all__ = ["SocketModeServer", "SocketModeSender", "Connection", "Envelope", "Ack", "NoConnection"]

DEFAULT_APP_ID = "A0CONVENE"
# Slack shows the person an error when an envelope is not acknowledged within this.
ACK_DEADLINE_SECONDS = 3.0
# After a refresh_requested warning Slack keeps the old connection about ten seconds.
REFRESH_CLOSE_AFTER_SECONDS = 10.0
# Envelope types whose ack may carry a response payload (the rest are acked bare).
RESPONSE_PAYLOAD_INTERACTIONS = frozenset({"view_submission", "block_suggestion"})


class NoConnection(AssertionError):
    """Nothing is connected to deliver an envelope to."""


@dataclass
class Connection:
    """One WebSocket connection from the app, as the server saw it (times are time.monotonic())."""

    id: int
    ticket: str
    opened_at: float
    closed_at: float | None = None
    # How it ended: "app" (the app sent a close frame), "server" (close frame from this side,
    # e.g. after a refresh), "reset", "fin", "frozen" (still open but silent), "lost" (TCP went
    # away without a close frame from the app), "stopped" (the server stopped).
    ended_by: str | None = None
    disconnect_sent_at: float | None = None
    frozen: bool = False
    messages: list[str] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.closed_at is None


@dataclass
class Envelope:
    envelope_id: str
    type: str
    body: dict[str, Any]
    connection_id: int
    sent_at: float

    @property
    def payload(self) -> dict[str, Any]:
        return self.body["payload"]


@dataclass
class Ack:
    """The app's acknowledgement of an envelope."""

    envelope_id: str
    payload: dict[str, Any] | None
    connection_id: int
    at: float
    elapsed: float  # seconds from delivering the envelope to its ack

    def json(self) -> dict[str, Any]:
        """The ack's payload (`{}` when bare), to read like an HTTP response body."""
        return dict(self.payload or {})


class SocketModeServer:
    """Slack's Socket Mode endpoint on loopback (see the module docstring)."""

    def __init__(
        self,
        *,
        app_id: str = DEFAULT_APP_ID,
        on_problem: Callable[[str], None] | None = None,
        refresh_close_after: float = REFRESH_CLOSE_AFTER_SECONDS,
    ) -> None:
        self.app_id = app_id
        self.refresh_close_after = refresh_close_after
        self._on_problem = on_problem
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._tickets: dict[str, bool] = {}  # ticket -> used
        self._ids = itertools.count(1)
        self._connections: list[Connection] = []
        self._sockets: dict[int, ServerConnection] = {}
        self._envelopes: dict[str, Envelope] = {}
        self._acks: list[Ack] = []
        self._problems: list[str] = []
        self._refusing = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: Server | None = None
        self._port: int | None = None

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> SocketModeServer:
        """Start listening on an ephemeral loopback port (idempotent); returns ``self``."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        loop = asyncio.new_event_loop()

        async def open_server() -> None:
            # No keepalive pings from this side: Slack's endpoint answers the app's pings, and
            # a server ping would write to a connection a test has half-closed.
            self._server = await serve(self._handle, "127.0.0.1", 0, process_request=self._admit,
                                       ping_interval=None, close_timeout=1)
            self._port = self._server.sockets[0].getsockname()[1]
            ready.set()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(open_server())
            loop.run_forever()
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="FakeSocketMode", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the Socket Mode server did not start")
        return self

    def stop(self) -> None:
        """Close every connection and stop the server (idempotent)."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        self._loop = self._thread = None

        async def shut() -> None:
            with self._lock:
                for conn in self._connections:
                    if conn.open and conn.ended_by is None:
                        conn.ended_by = "stopped"
                sockets = list(self._sockets.values())
            for ws in sockets:  # no closing handshake: the app under test may be gone already
                ws.transport.abort()
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()

        try:
            asyncio.run_coroutine_threadsafe(shut(), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)

    def __enter__(self) -> SocketModeServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the Socket Mode server is not started")
        return self._port

    def open_url(self) -> str:
        """A new single-use connection URL, as `apps.connections.open` returns."""
        ticket = uuid.uuid4().hex
        with self._lock:
            self._tickets[ticket] = False
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    def refuse_connections(self, refuse: bool = True) -> None:
        """While true, new connections are turned away (HTTP 503), as during an outage."""
        with self._lock:
            self._refusing = refuse

    # ---- what happened ---------------------------------------------------------------------

    @property
    def connections(self) -> list[Connection]:
        """Every connection so far, oldest first (copies)."""
        with self._lock:
            return [_copy(conn) for conn in self._connections]

    def open_connections(self) -> list[Connection]:
        return [conn for conn in self.connections if conn.open]

    @property
    def acks(self) -> list[Ack]:
        with self._lock:
            return list(self._acks)

    @property
    def problems(self) -> list[str]:
        with self._lock:
            return list(self._problems)

    def wait_for_connections(self, count: int, timeout: float = 10.0) -> Connection:
        """Wait until `count` connections have been greeted in all; returns the newest."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._connections) >= count, timeout):
                raise AssertionError(f"{count} Socket Mode connection(s) not made within {timeout} s "
                                     f"(so far {len(self._connections)})")
            return _copy(self._connections[count - 1])

    def wait_for_connection(self, *, after: float = 0.0, timeout: float = 10.0) -> Connection:
        """Wait for a live connection greeted after `after` (a time.monotonic()); returns the first such."""
        def found() -> Connection | None:
            return next((c for c in self._connections if c.opened_at > after and c.open and not c.frozen), None)

        with self._changed:
            conn = self._changed.wait_for(found, timeout)
            if conn is None:
                raise AssertionError(f"No new Socket Mode connection within {timeout} s")
            return _copy(conn)

    def wait_until_closed(self, connection_id: int, timeout: float = 10.0) -> Connection:
        with self._changed:
            conn = self._by_id(connection_id)
            if not self._changed.wait_for(lambda: conn.closed_at is not None, timeout):
                raise AssertionError(f"Socket Mode connection {connection_id} still open after {timeout} s")
            return _copy(conn)

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> Ack:
        with self._changed:
            found = self._changed.wait_for(lambda: self._ack_of(envelope_id), timeout)
            if not found:
                envelope = self._envelopes.get(envelope_id)
                kind = envelope.type if envelope else "unknown"
                raise AssertionError(f"The {kind} envelope {envelope_id} was not acknowledged within {timeout} s")
            return found

    def ack_of(self, envelope_id: str) -> Ack | None:
        with self._lock:
            return self._ack_of(envelope_id)

    def _ack_of(self, envelope_id: str) -> Ack | None:
        return next((ack for ack in self._acks if ack.envelope_id == envelope_id), None)

    # ---- sending ---------------------------------------------------------------------------

    def deliver(
        self,
        envelope_type: str,
        payload: Mapping[str, Any],
        *,
        accepts_response_payload: bool,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        connection_id: int | None = None,
    ) -> Envelope:
        """Send one envelope (on the newest live connection unless `connection_id` is given)."""
        body: dict[str, Any] = {
            "envelope_id": str(uuid.uuid4()),
            "payload": dict(payload),
            "type": envelope_type,
            "accepts_response_payload": accepts_response_payload,
        }
        if envelope_type == "events_api":
            body["retry_attempt"] = retry_attempt or 0
            body["retry_reason"] = retry_reason or ""
        with self._lock:
            conn = self._target(connection_id)
            envelope = Envelope(body["envelope_id"], envelope_type, body, conn.id, time.monotonic())
            self._envelopes[envelope.envelope_id] = envelope
        self._send(conn.id, json.dumps(body))
        return envelope

    def disconnect(self, connection_id: int | None = None, *, reason: str = "refresh_requested") -> Connection:
        """Warn the app that a connection will be closed, then close it after `refresh_close_after` s."""
        with self._lock:
            conn = self._target(connection_id)
            conn.disconnect_sent_at = time.monotonic()
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake-1"}}
        self._send(conn.id, json.dumps(message))
        self._call(self._schedule_close(conn.id, self.refresh_close_after))
        return _copy(conn)

    def reset(self, connection_id: int | None = None) -> Connection:
        """Reset the TCP connection (RST), with no WebSocket close frame."""
        return self._drop(connection_id, "reset")

    def fin(self, connection_id: int | None = None) -> Connection:
        """Close the TCP connection with a bare FIN, with no WebSocket close frame."""
        return self._drop(connection_id, "fin")

    def freeze(self, connection_id: int | None = None) -> Connection:
        """Stop reading from and writing to a connection: the app hears nothing, not even pongs."""
        with self._lock:
            conn = self._target(connection_id)
            conn.frozen = True
            conn.ended_by = "frozen"
            ws = self._sockets[conn.id]
        self._loop_call(ws.transport.pause_reading)
        self._changed_notify()
        return _copy(conn)

    # ---- internals -------------------------------------------------------------------------

    def _target(self, connection_id: int | None) -> Connection:
        """The connection to use (lock held): the one named, or the newest live, unwarned one."""
        if connection_id is not None:
            conn = self._by_id(connection_id)
            if not conn.open:
                raise NoConnection(f"Socket Mode connection {connection_id} is closed")
            return conn
        live = [c for c in self._connections if c.open and not c.frozen]
        # Slack stops using a connection it has warned about as soon as there is another.
        fresh = [c for c in live if c.disconnect_sent_at is None] or live
        if not fresh:
            raise NoConnection("No Socket Mode connection is open")
        return fresh[-1]

    def _by_id(self, connection_id: int) -> Connection:
        for conn in self._connections:
            if conn.id == connection_id:
                return conn
        raise KeyError(f"no Socket Mode connection {connection_id}")

    def _problem(self, reason: str) -> None:
        with self._lock:
            self._problems.append(reason)
        if self._on_problem is not None:
            self._on_problem(reason)

    def _changed_notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def _call(self, coroutine: Any) -> Any:
        if self._loop is None:
            raise RuntimeError("the Socket Mode server is not running")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    def _loop_call(self, function: Callable[[], Any]) -> None:
        async def call() -> None:
            function()

        self._call(call())

    def _send(self, connection_id: int, text: str) -> None:
        with self._lock:
            ws = self._sockets.get(connection_id)
        if ws is None:
            raise NoConnection(f"Socket Mode connection {connection_id} is closed")
        try:
            self._call(ws.send(text))
        except ConnectionClosed as error:
            raise NoConnection(f"Socket Mode connection {connection_id} closed while sending") from error

    async def _schedule_close(self, connection_id: int, delay: float) -> None:
        """Close the connection with a close frame after `delay` s, unless it has ended by then."""

        async def close() -> None:
            await asyncio.sleep(delay)
            with self._lock:
                ws = self._sockets.get(connection_id)
                conn = self._by_id(connection_id)
                if ws is None or not conn.open or conn.ended_by is not None:
                    return
                conn.ended_by = "server"
            await ws.close(1001, "refresh")

        asyncio.get_running_loop().create_task(close())

    def _drop(self, connection_id: int | None, how: str) -> Connection:
        with self._lock:
            conn = self._target(connection_id)
            conn.ended_by = how
            ws = self._sockets[conn.id]

        def drop() -> None:
            sock = ws.transport.get_extra_info("socket")
            if how == "reset":
                # Linger on, for zero seconds: close() sends RST instead of FIN.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                sock.shutdown(socket.SHUT_WR)  # FIN now, whatever the app has in flight
            ws.transport.abort()

        self._loop_call(drop)
        self.wait_until_closed(conn.id)
        return _copy(self._by_id(conn.id))

    def _admit(self, ws: ServerConnection, request: Request) -> Response | None:
        query = parse_qs(urlsplit(request.path).query)
        ticket = (query.get("ticket") or [""])[0]
        with self._lock:
            refusing = self._refusing
            known = ticket in self._tickets
            used = self._tickets.get(ticket, False)
            if known:
                self._tickets[ticket] = True
        if refusing:
            return ws.respond(HTTPStatus.SERVICE_UNAVAILABLE, "Socket Mode is unavailable\n")
        if not known:
            self._problem(f"socket_mode: connection to {request.path!r}, a URL apps.connections.open never gave")
            return ws.respond(HTTPStatus.UNAUTHORIZED, "unknown ticket\n")
        if used:
            self._problem("socket_mode: a connection URL was used twice; call apps.connections.open for each")
            return ws.respond(HTTPStatus.UNAUTHORIZED, "ticket already used\n")
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        ticket = (parse_qs(urlsplit(ws.request.path).query).get("ticket") or [""])[0]
        with self._lock:
            conn = Connection(id=next(self._ids), ticket=ticket, opened_at=time.monotonic())
            live = sum(1 for c in self._connections if c.open) + 1
        hello = {
            "type": "hello",
            "num_connections": live,
            "debug_info": {"host": "applink-fake-1", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }
        try:
            await ws.send(json.dumps(hello))
        except ConnectionClosed:
            return
        with self._changed:
            self._connections.append(conn)
            self._sockets[conn.id] = ws
            self._changed.notify_all()
        try:
            async for message in ws:
                self._received(conn, message if isinstance(message, str) else message.decode("utf-8"))
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                conn.closed_at = time.monotonic()
                if conn.ended_by is None:
                    conn.ended_by = "app" if ws.protocol.close_rcvd is not None else "lost"
                self._sockets.pop(conn.id, None)
                self._changed.notify_all()

    def _received(self, conn: Connection, text: str) -> None:
        now = time.monotonic()
        with self._lock:
            conn.messages.append(text)
        try:
            message = json.loads(text)
        except ValueError:
            self._problem(f"socket_mode: the app sent something that is not JSON: {text[:100]!r}")
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        if not envelope_id:
            self._problem(f"socket_mode: the app sent a message without envelope_id: {text[:100]!r}")
            return
        with self._changed:
            envelope = self._envelopes.get(envelope_id)
            already = self._ack_of(envelope_id)
            ack = None
            if envelope is not None and already is None:
                ack = Ack(envelope_id, message.get("payload"), conn.id, now, now - envelope.sent_at)
                self._acks.append(ack)
                self._changed.notify_all()
        if envelope is None:
            self._problem(f"socket_mode: ack for an envelope never sent: {envelope_id}")
        elif already is not None:
            self._problem(f"socket_mode: {envelope.type} envelope {envelope_id} acknowledged twice")
        elif ack is not None:
            if ack.payload and not envelope.body["accepts_response_payload"]:
                self._problem(f"socket_mode: the ack of a {_kind(envelope)} envelope carries a payload, "
                              "which Slack ignores")
            if ack.elapsed > ACK_DEADLINE_SECONDS:
                self._problem(f"socket_mode: {_kind(envelope)} envelope acknowledged after {ack.elapsed:.1f} s; "
                              f"Slack gives up at {ACK_DEADLINE_SECONDS:.0f} s")


def _kind(envelope: Envelope) -> str:
    inner = envelope.payload.get("type") or envelope.payload.get("command") or ""
    return f"{envelope.type} ({inner})" if inner else envelope.type


def _copy(conn: Connection) -> Connection:
    return Connection(conn.id, conn.ticket, conn.opened_at, conn.closed_at, conn.ended_by, conn.disconnect_sent_at,
                      conn.frozen, list(conn.messages))


class SocketModeSender(SlackSender):
    """SlackSender's requests as Socket Mode envelopes: each method returns the app's `Ack`."""

    def __init__(self, server: SocketModeServer, *, fake: FakeSlack | None = None, timeout: float = 5.0,
                 **options: Any) -> None:
        super().__init__("socket-mode://", "", fake=fake, timeout=timeout, **options)
        self.server = server
        self.envelopes: list[Envelope] = []

    def _send_command(self, form: dict[str, str]) -> Ack:  # type: ignore[override]
        return self._deliver("slash_commands", form, accepts_response_payload=True)

    def _post_payload(self, payload: Mapping[str, Any]) -> Ack:  # type: ignore[override]
        accepts = payload.get("type") in RESPONSE_PAYLOAD_INTERACTIONS
        return self._deliver("interactive", payload, accepts_response_payload=accepts)

    def _send_event(self, envelope: dict[str, Any], *, retry_num: int | None,  # type: ignore[override]
                    retry_reason: str) -> Ack:
        return self._deliver("events_api", envelope, accepts_response_payload=False,
                             retry_attempt=retry_num or 0, retry_reason=retry_reason if retry_num else "")

    def raw(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("Socket Mode has no raw HTTP requests")

    def url_verification(self, challenge: str) -> Any:
        raise NotImplementedError("Socket Mode apps are never asked to verify a URL")

    def _deliver(self, envelope_type: str, payload: Mapping[str, Any], **options: Any) -> Ack:
        envelope = self.server.deliver(envelope_type, payload, **options)
        self.envelopes.append(envelope)
        return self.server.wait_for_ack(envelope.envelope_id, timeout=self.timeout)
