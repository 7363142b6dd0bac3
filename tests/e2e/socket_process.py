"""`python -m bot run` as a real subprocess, reached over the fake Slack's Socket Mode endpoint."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.harness.bot import APP_TOKEN, BOT_TOKEN, TEAM_ID
from tests.harness.fake_slack import FakeSlack
from tests.harness.processes import clean_env
from tests.harness.socket_mode import Connection, SocketModeSender, SocketModeServer

CHANNEL = "CGROUP"
# Slack shows the person an error when an envelope is not acknowledged within this.
ACK_SECONDS = 3.0
_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(home: Path, fake: FakeSlack, database_url: str, **values: str) -> dict[str, str]:
    """A clean environment (nothing from the developer's shell or .env) pointed at the fake Slack."""
    return clean_env(home, DATABASE_URL=database_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN,
                     SLACK_API_URL=fake.url, CONVENE_CHANNEL=CHANNEL, **values)


@dataclass
class RunProcess:
    """A running `python -m bot run` and the Slack it talks to."""

    process: subprocess.Popen[bytes]
    fake: FakeSlack
    socket: SocketModeServer
    slack: SocketModeSender
    log: Path
    first: Connection

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def cpu_seconds(self) -> float:
        """User plus system CPU time the process (all its threads) has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS

    def terminate(self, timeout: float = 30) -> tuple[int, float]:
        """SIGTERM, as systemd or a container runtime stops it; (exit status, seconds it took)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        return code, time.monotonic() - started

    def wait_for_log(self, text: str, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not logged within {timeout} s:\n{self.output()[-3000:]}")
            time.sleep(0.05)


def start_run(home: Path, fake: FakeSlack, database_url: str, **values: str) -> RunProcess:
    """Start `python -m bot run` and wait for its first Socket Mode connection."""
    server = fake.enable_socket_mode()
    log = home / f"run-{time.monotonic_ns()}.log"
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=home,
                                   env=environment(home, fake, database_url, **values),
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        first = server.wait_for_connection(after=started, timeout=60)
    except AssertionError:
        process.kill()
        process.wait(timeout=10)
        raise AssertionError(f"`python -m bot run` never connected:\n{log.read_text(errors='replace')}") from None
    slack = SocketModeSender(server, fake=fake, team_id=TEAM_ID, timeout=10)
    return RunProcess(process, fake, server, slack, log, first)


@contextmanager
def running(home: Path, fake: FakeSlack, database_url: str, **values: str) -> Iterator[RunProcess]:
    """`python -m bot run` for the length of the block; it must stop cleanly afterwards."""
    bot = start_run(home, fake, database_url, **values)
    try:
        yield bot
    finally:
        if bot.process.poll() is None:
            bot.process.send_signal(signal.SIGTERM)
            try:
                bot.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                bot.process.kill()
                bot.process.wait(timeout=10)
                raise AssertionError(f"`python -m bot run` ignored SIGTERM:\n{bot.output()[-3000:]}") from None


def get(url: str, timeout: float = 5) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for_status(url: str, status: int, timeout: float = 15) -> str:
    """Poll `url` until it answers `status`; the body."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = get(url, timeout=2)
        except OSError as error:
            last = error
        else:
            if last[0] == status:
                return last[1]
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer {status} within {timeout} s (last: {last!r})")
