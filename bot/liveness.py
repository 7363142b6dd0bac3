"""Is a `run` or `clock` process working, not just alive? A heartbeat row every few seconds
(Socket Mode connected, scheduler running, database reachable) that `python -m bot check` reads,
and, with HEALTH_PORT set, `GET /healthz` for systemd, a container runtime or a platform's probe."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from apscheduler.schedulers.base import STATE_RUNNING, BaseScheduler
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.settings import ConfigurationError
from storage.db import Database
from storage.models import Heartbeat
from storage.repositories.processes import Heartbeats

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10
# Socket and scheduler are looked at this often, and a change is written at once.
LOOK_SECONDS = 1.0
# A heartbeat older than this belongs to a process that stopped or is stuck.
STALE_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)
# Rows of processes that died without removing theirs are forgotten after this.
KEEP_HEARTBEATS_FOR = timedelta(days=1)
HEALTH_PATH = "/healthz"


@dataclass(frozen=True)
class Health:
    socket_connected: bool | None  # None: this process has no socket (clock)
    scheduler_running: bool
    database_reachable: bool

    @property
    def problems(self) -> list[str]:
        found = []
        if self.socket_connected is False:
            found.append("Socket Mode is not connected")
        if not self.scheduler_running:
            found.append("the scheduler is not running")
        if not self.database_reachable:
            found.append("the database is unreachable")
        return found

    @property
    def ok(self) -> bool:
        return not self.problems


def scheduler_running(scheduler: BaseScheduler) -> bool:
    """Started, not paused, and (for a background scheduler) its thread still alive."""
    if scheduler.state != STATE_RUNNING:
        return False
    # BackgroundScheduler keeps its loop's thread here; a blocking one runs in the main thread.
    thread = getattr(scheduler, "_thread", None)
    return thread is None or thread.is_alive()


def process_id(kind: str, *, hostname: str | None = None, pid: int | None = None) -> str:
    return f"{kind}:{hostname or socket.gethostname()}:{pid or os.getpid()}"


class Liveness:
    """Keeps this process's heartbeat row up to date and answers "is it well?"."""

    def __init__(self, kind: str, *, db: Database, clock: Clock, scheduler: BaseScheduler,
                 socket_connected: Callable[[], bool] | None = None, interval: float = HEARTBEAT_SECONDS) -> None:
        self.kind = kind
        self.hostname = socket.gethostname()
        self.pid = os.getpid()
        self.process_id = process_id(kind, hostname=self.hostname, pid=self.pid)
        self.db = db
        self.clock = clock
        self.scheduler = scheduler
        self.socket_connected = socket_connected
        self.interval = interval
        self.started_at = clock()
        self._database_reachable = True
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def health(self) -> Health:
        """Socket and scheduler as they are now; the database as the last heartbeat found it."""
        return Health(
            socket_connected=None if self.socket_connected is None else self.socket_connected(),
            scheduler_running=scheduler_running(self.scheduler),
            database_reachable=self._database_reachable,
        )

    def beat(self) -> Health:
        """Write the heartbeat; failing to is what "the database is unreachable" means."""
        health = self.health()
        try:
            with self.db.unit_of_work() as session:
                Heartbeats(session).beat(
                    self.process_id, kind=self.kind, hostname=self.hostname, pid=self.pid,
                    started_at=self.started_at, now=self.clock(), socket_connected=health.socket_connected,
                    scheduler_running=health.scheduler_running, detail="; ".join(health.problems) or None,
                )
        except Exception:
            if self._database_reachable:
                logger.exception("Heartbeat: the database is unreachable")
            self._database_reachable = False
        else:
            if not self._database_reachable:
                logger.info("Heartbeat: the database is reachable again")
            self._database_reachable = True
        return self.health()

    def start(self) -> None:
        """Forget the rows of processes that are gone, beat once, then keep beating in a thread."""
        try:
            with self.db.unit_of_work() as session:
                removed = forget_dead(session, now=self.clock(), hostname=self.hostname)
            if removed:
                logger.info("Heartbeat: forgot %d heartbeat(s) of processes that are gone", removed)
        except Exception:
            logger.exception("Heartbeat: could not tidy old heartbeats")
        self.beat()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{self.kind}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        written = self.health()
        last = time.monotonic()
        while not self._stop.wait(min(LOOK_SECONDS, self.interval)):
            now = time.monotonic()
            looks = self.health()
            if looks != written or now - last >= self.interval:
                written, last = self.beat(), now

    def stop(self) -> None:
        """Stop beating and remove this process's row: a process that stopped cleanly is not stale."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            with self.db.unit_of_work() as session:
                Heartbeats(session).remove(self.process_id)
        except Exception:
            logger.exception("Heartbeat: could not remove this process's heartbeat")


def forget_dead(session: Session, *, now: datetime, hostname: str) -> int:
    """Remove heartbeats older than KEEP_HEARTBEATS_FOR, and those of processes on this host that are
    no longer running (a restart after a crash leaves the old pid's row behind)."""
    heartbeats = Heartbeats(session)
    removed = heartbeats.prune(before=now - KEEP_HEARTBEATS_FOR)
    for row in heartbeats.recent(since=now - KEEP_HEARTBEATS_FOR):
        if row.hostname == hostname and not _pid_running(row.pid):
            heartbeats.remove(row.process_id)
            removed += 1
    return removed


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return True


def describe(row: Heartbeat, *, now: datetime) -> tuple[bool, str]:
    """(well, one line) about a heartbeat, for `python -m bot check`."""
    age = max((now - row.beat_at).total_seconds(), 0.0)
    who = f"`{row.kind}` on {row.hostname} (pid {row.pid})"
    if now - row.beat_at > STALE_AFTER:
        return False, (f"{who}: last heartbeat {_ago(age)} ago, so it is stale: the process has stopped or is "
                       "stuck. Restart it.")
    parts = []
    if row.socket_connected is not None:
        parts.append("Socket Mode connected" if row.socket_connected else "Socket Mode NOT connected")
    parts.append("scheduler running" if row.scheduler_running else "scheduler NOT running")
    parts.append("database reachable")  # the row was written, so it was
    well = row.scheduler_running and row.socket_connected is not False
    return well, f"{who}: heartbeat {_ago(age)} ago: {', '.join(parts)}."


def _ago(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def serve_health(port: int | None, liveness: Liveness) -> HealthServer | None:
    """Start `GET /healthz` on HEALTH_PORT when it is set."""
    if port is None:
        return None
    try:
        server = HealthServer(port, liveness.health)
    except OSError as error:
        raise ConfigurationError(f"HEALTH_PORT {port}: cannot listen there ({error.strerror}).") from None
    server.start()
    return server


class HealthServer:
    """`GET /healthz` on `port`: 200 `ok` when socket, scheduler and database are well, else 503 and why."""

    def __init__(self, port: int, health: Callable[[], Health], *, host: str = "") -> None:
        self.server = _HealthHTTPServer((host, port), _HealthHandler, health)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> None:
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="healthz", daemon=True)
        self._thread.start()
        logger.info("Health checks on port %d%s", self.port, HEALTH_PATH)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


class _HealthHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 health: Callable[[], Health]) -> None:
        self.health = health
        super().__init__(address, handler)


class _HealthHandler(BaseHTTPRequestHandler):
    server: _HealthHTTPServer

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self._answer(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(body=False)

    def _answer(self, *, body: bool) -> None:
        if self.path.split("?", 1)[0] != HEALTH_PATH:
            status, text = 404, "not found\n"
        else:
            health = self.server.health()
            status, text = (200, "ok\n") if health.ok else (503, "; ".join(health.problems) + "\n")
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Probes every few seconds would fill the log; failures show in the heartbeat instead."""
