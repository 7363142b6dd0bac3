"""Everything a handler or a job needs, built once per process and passed in."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from slack_sdk import WebClient

from bot.clock import Clock, system_clock
from bot.executor import WorkExecutor
from bot.scheduler import Jobs, SchedulerMode, build_scheduler
from bot.settings import Settings
from bot.slack.client import Sleep, make_web_client
from bot.slack.directory import MemberDirectory
from bot.slack.messages import OnceSender
from storage.db import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    client: WebClient
    clock: Clock
    scheduler: BaseScheduler
    scheduler_mode: SchedulerMode
    executor: WorkExecutor
    # How the process waits (spacing out message updates); tests record the waits instead.
    sleep: Sleep = field(default=time.sleep)
    jobs: Jobs = field(init=False)
    directory: MemberDirectory = field(init=False)
    sender: OnceSender = field(init=False)

    def __post_init__(self) -> None:
        self.jobs = Jobs(self.scheduler, self.clock)
        self.directory = MemberDirectory(self.client, self.db, self.clock)
        self.sender = OnceSender(self.client, self.db, self.clock)

    @property
    def home_zone(self) -> ZoneInfo:
        """CONVENE_TIMEZONE; a workspace may override it in Slack."""
        return self.settings.timezone

    def close(self) -> None:
        """Stop the scheduler, let running work finish, release connections."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.executor.shutdown(wait=True)
        self.db.dispose()


def build_runtime(
    settings: Settings,
    *,
    scheduler_mode: SchedulerMode,
    clock: Clock = system_clock,
    sleep: Sleep = time.sleep,
    client: WebClient | None = None,
    db: Database | None = None,
) -> Runtime:
    """Wire settings → database → Slack client → scheduler. Starts nothing."""
    db = db or Database(settings.database_url)
    if client is None:
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        client = make_web_client(token, settings.slack_api_url, sleep=sleep)
    return Runtime(
        settings=settings,
        db=db,
        client=client,
        clock=clock,
        scheduler=build_scheduler(db.engine, scheduler_mode),
        scheduler_mode=scheduler_mode,
        executor=WorkExecutor(),
        sleep=sleep,
    )
