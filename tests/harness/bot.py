"""The real bot in HTTP mode on loopback, talking to the fake Slack, for end-to-end tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bot import jobs
from bot.app import build_app
from bot.runtime import Runtime, build_runtime
from bot.scheduler import start
from bot.settings import Settings
from bot.web import ConveneWSGI
from tests.harness.clock import ManualClock, RecordingSleep
from tests.harness.fake_slack import FakeSlack
from tests.harness.signed import SlackSender

SIGNING_SECRET = "fake-signing-secret-for-tests"
BOT_TOKEN = "xoxb-fake-test-token"
APP_TOKEN = "xapp-fake-test-token"
TEAM_ID = "T0CONVENE"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # socketserver's default backlog of 5 resets connections when many clicks arrive at once;
    # gunicorn listens with 2048.
    request_queue_size = 256


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def bot_settings(database_url: str, fake: FakeSlack, **overrides: Any) -> Settings:
    """Settings as a deployment would have them, pointed at the fake Slack; no .env is read."""
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_app_token": APP_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": fake.url,
        "database_url": database_url,
        "convene_timezone": "Europe/London",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class BotUnderTest:
    """A running bot: send it signed requests with `.slack`, read what it did in `.fake`."""

    fake: FakeSlack
    runtime: Runtime
    clock: ManualClock
    sleep: RecordingSleep
    server: WSGIServer
    slack: SlackSender
    thread: threading.Thread
    url: str
    extra: dict[str, Any] = field(default_factory=dict)

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until every listener's after-ack work has finished."""
        if not self.runtime.executor.wait_idle(timeout):
            raise AssertionError(f"The bot was still working after {timeout} s")

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        jobs.bind(None)
        self.runtime.close()


def start_bot(database_url: str, fake: FakeSlack, *, clock: ManualClock | None = None,
              sleep: Callable[[float], None] | None = None, **overrides: Any) -> BotUnderTest:
    """Build the runtime exactly as `python -m bot web` does, and serve it on an ephemeral port.

    Waits are recorded, not slept, unless `sleep` is given (benchmarks pass `time.sleep`).
    """
    clock = clock or ManualClock()
    recording = RecordingSleep()
    runtime = build_runtime(bot_settings(database_url, fake, **overrides), scheduler_mode="store-only",
                            clock=clock, sleep=sleep or recording)
    start(runtime.scheduler, runtime.scheduler_mode)
    jobs.bind(runtime)
    wsgi = ConveneWSGI(build_app(runtime, http=True), runtime.db)
    server = make_server("127.0.0.1", 0, wsgi, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    # A short poll keeps shutdown() (every test's teardown) from waiting half a second.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="bot-http",
                              daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    return BotUnderTest(
        fake=fake,
        runtime=runtime,
        clock=clock,
        sleep=recording,
        server=server,
        slack=SlackSender(url, SIGNING_SECRET, team_id=TEAM_ID, fake=fake),
        thread=thread,
        url=url,
    )
