"""`python -m bot` (or `convene`): run, web, clock, migrate, check."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import TYPE_CHECKING

from bot.settings import ConfigurationError, Settings, load_settings

if TYPE_CHECKING:
    from bot.liveness import HealthServer
    from bot.scheduler import SchedulerMode

logger = logging.getLogger("convene")

# `run` exits with this when Socket Mode stayed disconnected past CONVENE_SOCKET_GIVE_UP_SECONDS,
# so that systemd (Restart=on-failure) or a container runtime starts it again.
EXIT_SOCKET_DEAD = 3


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="convene", description="Convene, a Slack bot for a working group.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="Socket Mode + scheduler + migrations: everything in one process")
    web = commands.add_parser("web", help="HTTP mode under gunicorn (POST /slack/events, GET /healthz)")
    web.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    web.add_argument("--threads", type=int, default=8)
    clock = commands.add_parser("clock", help="run the scheduler alone (exactly one of these)")
    clock.add_argument("--once", action="store_true", help="run whatever is due, then exit")
    commands.add_parser("migrate", help="apply database migrations")
    commands.add_parser("check", help="check configuration, database and the Slack token")
    args = parser.parse_args(argv)

    # `check` prints its own report; library chatter would only bury it.
    _configure_logging("WARNING" if args.command == "check" else os.environ.get("LOG_LEVEL", "INFO"))
    try:
        if args.command == "check":
            from bot.check import run_checks

            return run_checks()
        settings = load_settings()
        if args.command == "migrate":
            return _migrate(settings)
        if args.command == "run":
            return _run(settings)
        if args.command == "web":
            return _web(settings, workers=args.workers, threads=args.threads)
        return _clock(settings, once=args.once)
    except ConfigurationError as error:
        print(f"convene: {error}", file=sys.stderr)
        return 2


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # One line per job run is noise in production; failures are still logged.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def _migrate(settings: Settings) -> int:
    from storage.db import Database
    from storage.migrate import upgrade

    db = Database(settings.database_url)
    try:
        upgrade(db.engine)
    finally:
        db.dispose()
    logger.info("The database is up to date.")
    return 0


def _stop_on_signals() -> threading.Event:
    """An event that SIGTERM (systemd, containers, platforms) and Ctrl-C set, for an orderly stop."""
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("Received %s: stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop


def _exit_on_sigterm() -> None:
    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def _require_slack_credentials(settings: Settings) -> None:
    """The bot token for one workspace, or all three "Add to Slack" variables for many."""
    if settings.hosts_many_workspaces:
        settings.oauth_credentials()
    else:
        settings.bot_token()


def _require_migrated(settings: Settings) -> None:
    from storage.db import Database
    from storage.migrate import pending_revisions

    db = Database(settings.database_url)
    try:
        pending = pending_revisions(db.engine)
    finally:
        db.dispose()
    if pending:
        raise ConfigurationError(
            f"DATABASE_URL points at a database that needs {len(pending)} migration(s): run `python -m bot migrate`."
        )


def _run(settings: Settings) -> int:
    from bot import jobs, startup
    from bot.app import build_app
    from bot.jobs import standing
    from bot.liveness import Liveness, serve_health
    from bot.runtime import build_runtime
    from bot.scheduler import start
    from bot.slack.client import make_web_client
    from bot.socket_mode import SocketMode
    from storage.migrate import upgrade

    if settings.hosts_many_workspaces:
        raise ConfigurationError("SLACK_CLIENT_ID is set: hosting many workspaces needs HTTP mode, so run "
                                 "`python -m bot web` and one `python -m bot clock` instead of `run`.")
    settings.bot_token()  # a missing token stops us here, before anything starts
    app_token = settings.app_token()
    stop = _stop_on_signals()
    runtime = build_runtime(settings, scheduler_mode="background")
    socket_mode: SocketMode | None = None
    liveness: Liveness | None = None
    health: HealthServer | None = None
    kept_up = True
    try:
        upgrade(runtime.db.engine)
        jobs.bind(runtime)
        standing.install(runtime.jobs, runtime.db)
        start(runtime.scheduler, runtime.scheduler_mode)
        startup.warm_up()
        app = build_app(runtime, http=False)
        socket_mode = SocketMode(app, app_token, web_client=make_web_client(None, settings.slack_api_url),
                                 give_up_after=settings.convene_socket_give_up_seconds)
        liveness = Liveness("run", db=runtime.db, clock=runtime.clock, scheduler=runtime.scheduler,
                            socket_connected=socket_mode.is_connected)
        liveness.start()
        health = serve_health(settings.health_port, liveness)
        socket_mode.start()
        logger.info("Convene is running in Socket Mode. Press Ctrl-C to stop.")
        kept_up = socket_mode.wait(stop)
    finally:
        # The socket first: Slack sends nothing more here, and nothing reconnects while we stop.
        if socket_mode is not None:
            socket_mode.close()
        logger.info("Stopping…")
        if health is not None:
            health.stop()
        if liveness is not None:
            liveness.stop()
        jobs.bind(None)
        runtime.close()
    if not kept_up:
        return EXIT_SOCKET_DEAD
    return 0


def _web(settings: Settings, *, workers: int, threads: int) -> int:
    from bot.gunicorn import serve

    _require_slack_credentials(settings)
    settings.signing_secret()
    _require_migrated(settings)
    serve(port=settings.port, workers=workers, threads=threads)
    return 0


def _clock(settings: Settings, *, once: bool) -> int:
    from bot import jobs
    from bot.jobs import standing
    from bot.liveness import Liveness, serve_health
    from bot.runtime import build_runtime
    from bot.scheduler import start

    _require_slack_credentials(settings)
    _require_migrated(settings)
    mode: SchedulerMode = "once" if once else "blocking"
    runtime = build_runtime(settings, scheduler_mode=mode)
    jobs.bind(runtime)
    liveness: Liveness | None = None
    health: HealthServer | None = None
    try:
        if once:
            # Standing jobs are due by their own history, not by a next-run time a start would reset.
            ran = standing.run_due(runtime)
            logger.info("Ran the standing jobs that were due: %s", ", ".join(ran) or "none")
        else:
            standing.install(runtime.jobs, runtime.db)
            _exit_on_sigterm()
            liveness = Liveness("clock", db=runtime.db, clock=runtime.clock, scheduler=runtime.scheduler)
            liveness.start()
            health = serve_health(settings.health_port, liveness)
            logger.info("Convene's clock is running. Press Ctrl-C to stop.")
        start(runtime.scheduler, runtime.scheduler_mode)
    except KeyboardInterrupt:
        logger.info("Stopping…")
    finally:
        if health is not None:
            health.stop()
        if liveness is not None:
            liveness.stop()
        jobs.bind(None)
        runtime.close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
