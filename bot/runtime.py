"""Everything a handler or a job needs, built once per process and passed in."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED, JobEvent
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from slack_sdk import WebClient

from bot.clock import Clock, system_clock
from bot.executor import WorkExecutor
from bot.scheduler import Jobs, SchedulerMode, build_scheduler
from bot.settings import Settings
from bot.slack.client import Sleep, interruptible_sleep, make_web_client
from bot.slack.directory import MemberDirectory
from bot.slack.installations import Installations
from bot.slack.messages import OnceSender
from storage.db import Database
from storage.repositories.workspaces import WorkspaceRepository

# How long a stop waits for running jobs to wind down (they give up waits at once; a job in the
# middle of a Slack call finishes it) before shutting the scheduler down. Platforms kill at 30 s.
STOP_GRACE_SECONDS = 15.0


class RunningJobs:
    """How many scheduled jobs are running, from the scheduler's events, so a stop can wait for them."""

    MASK = EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR

    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    def __call__(self, event: JobEvent) -> None:
        with self._changed:
            self._count += 1 if event.code == EVENT_JOB_SUBMITTED else -1
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        # A job that ends before its submission is reported counts -1 for a moment; both sum to 0.
        with self._changed:
            return self._changed.wait_for(lambda: self._count <= 0, timeout)


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
    # Set when the process starts to stop: long work (a fan-out waiting out 429s) gives up and is
    # resumed by the next start.
    stopping: threading.Event = field(default_factory=threading.Event)
    # Hosting many workspaces: their installations; `client` then carries each workspace's token.
    installations: Installations | None = None
    jobs: Jobs = field(init=False)
    directory: MemberDirectory = field(init=False)
    sender: OnceSender = field(init=False)

    def __post_init__(self) -> None:
        self.jobs = Jobs(self.scheduler, self.clock)
        self.directory = MemberDirectory(self.client, self.db, self.clock)
        self.sender = OnceSender(self.client, self.db, self.clock)
        self._running_jobs = RunningJobs()
        self.scheduler.add_listener(self._running_jobs, RunningJobs.MASK)
        # Held while a job stores its own resumption, and while the scheduler starts shutting down:
        # APScheduler's shutdown holds its store lock while it waits for jobs, so a job adding
        # itself then would wait for ever.
        self._resume_lock = threading.Lock()
        self._shutting_down = False

    def resume_later(self, job_id: str, func: Callable[..., Any], *args: Any, executor: str = "default") -> bool:
        """Store `func(*args)` to run as soon as a scheduler can: at the next start when this process is
        stopping. False when the scheduler has already shut down (the standing jobs then pick it up)."""
        with self._resume_lock:
            if self._shutting_down or self.scheduler.state == STATE_STOPPED:
                return False
            self.jobs.at(job_id, func, self.clock(), *args, misfire_grace_time=None, executor=executor)
            return True

    def serving(self, team_ids: list[str]) -> list[str]:
        """Those of `team_ids` whose workspace has not uninstalled Convene: jobs work for these only."""
        if not team_ids:
            return []
        with self.db.unit_of_work() as session:
            gone = WorkspaceRepository(session).uninstalled(team_ids)
        return [team_id for team_id in team_ids if team_id not in gone]

    @property
    def home_zone(self) -> ZoneInfo:
        """CONVENE_TIMEZONE; a workspace may override it in Slack."""
        return self.settings.timezone

    def close(self) -> None:
        """Stop the scheduler, let running work finish or give up, release connections.

        The scheduler is paused first: a job that gives up can still write its own resumption to
        the job store, and nothing new starts.
        """
        if self.scheduler.running:
            self.scheduler.pause()
            self.stopping.set()
            self._running_jobs.wait_idle(STOP_GRACE_SECONDS)
        self.stopping.set()
        with self._resume_lock:
            self._shutting_down = True
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
    db = db or Database(settings.database_url, clock=clock)
    stopping = threading.Event()
    # A real process waits out 429s on the stop event, so that stopping never waits for Slack;
    # tests' recorded sleeps stay as they are.
    retry_sleep = interruptible_sleep(stopping) if sleep is time.sleep else sleep
    installations: Installations | None = None
    if settings.hosts_many_workspaces:
        client_id, client_secret, _state_secret = settings.oauth_credentials()
        installations = Installations(client_id=client_id, client_secret=client_secret, db=db, clock=clock,
                                      oauth_client=make_web_client(None, settings.slack_api_url, sleep=retry_sleep))
        if client is None:
            client = make_web_client(None, settings.slack_api_url, sleep=retry_sleep, installations=installations)
    if client is None:
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        client = make_web_client(token, settings.slack_api_url, sleep=retry_sleep)
    return Runtime(
        settings=settings,
        db=db,
        client=client,
        clock=clock,
        scheduler=build_scheduler(db.engine, scheduler_mode),
        scheduler_mode=scheduler_mode,
        executor=WorkExecutor(),
        sleep=sleep,
        stopping=stopping,
        installations=installations,
    )
