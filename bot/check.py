"""`python -m bot check`: is this installation ready to talk to Slack?"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO

from slack_sdk.errors import SlackApiError
from sqlalchemy import text

from bot.clock import Clock, system_clock
from bot.settings import ConfigurationError, Settings, load_settings


@dataclass
class Report:
    ok: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def print(self, out: TextIO) -> None:
        for line in self.ok:
            print(f"  ok       {line}", file=out)
        for line in self.notes:
            print(f"  note     {line}", file=out)
        for line in self.problems:
            print(f"  PROBLEM  {line}", file=out)
        if self.problems:
            print(f"\n{len(self.problems)} problem(s): Convene is not ready.", file=out)
        else:
            print("\nConvene is ready.", file=out)


def run_checks(out: TextIO = sys.stdout) -> int:
    """Check settings, database and token; print the findings; 0 when ready, 1 otherwise."""
    report = Report()
    try:
        settings = load_settings()
    except ConfigurationError as error:
        report.problems.append(str(error))
        report.print(out)
        return 1
    _check_modes(settings, report)
    database_ready = _check_database(settings, report)
    if database_ready:
        _check_processes(settings, report)
    if settings.hosts_many_workspaces:
        _check_hosting(settings, report, database_ready=database_ready)
    else:
        _check_token(settings, report)
    report.print(out)
    return 1 if report.problems else 0


def _check_modes(settings: Settings, report: Report) -> None:
    if settings.slack_app_token:
        report.ok.append("SLACK_APP_TOKEN is set: `python -m bot run` (Socket Mode) can start.")
    if settings.slack_signing_secret:
        report.ok.append("SLACK_SIGNING_SECRET is set: `python -m bot web` (HTTP mode) can start.")
    if not settings.slack_app_token and not settings.slack_signing_secret:
        report.problems.append(
            "Neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP mode) is set: "
            "Slack has no way to reach Convene."
        )
    if settings.hosts_many_workspaces:
        report.notes.append("Hosting many workspaces: each group picks its channel and coordinators in Slack "
                            "(CONVENE_CHANNEL and CONVENE_COORDINATORS are not used).")
    elif settings.convene_channel:
        report.ok.append(f"CONVENE_CHANNEL is {settings.convene_channel}.")
    else:
        report.notes.append("CONVENE_CHANNEL is not set: a coordinator can pick one with `/convene settings`.")


def _check_database(settings: Settings, report: Report) -> bool:
    """True when the database is reachable and up to date."""
    from storage.db import Database
    from storage.migrate import pending_revisions

    db = Database(settings.database_url)
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        pending = pending_revisions(db.engine)
    except Exception as error:  # any driver error means the same thing to the person reading
        report.problems.append(
            f"DATABASE_URL: cannot use the database ({type(error).__name__}: {str(error).splitlines()[0][:200]})."
        )
        return False
    finally:
        db.dispose()
    backend = settings.database_url.split(":", 1)[0]
    if pending:
        report.notes.append(
            f"The database ({backend}) is reachable and needs {len(pending)} migration(s): `python -m bot run` "
            "applies them as it starts; before `web` or `clock`, run `python -m bot migrate`."
        )
        return False
    report.ok.append(f"The database ({backend}) is reachable and up to date.")
    return True


def _check_processes(settings: Settings, report: Report, *, clock: Clock = system_clock) -> None:
    """The heartbeats of running `run` and `clock` processes, and those that went quiet."""
    from bot.liveness import KEEP_HEARTBEATS_FOR, describe
    from storage.db import Database
    from storage.repositories.processes import Heartbeats

    now = clock()
    db = Database(settings.database_url)
    try:
        with db.unit_of_work() as session:
            rows = Heartbeats(session).recent(since=now - KEEP_HEARTBEATS_FOR)
    finally:
        db.dispose()
    if not rows:
        report.notes.append("No `run` or `clock` process has a heartbeat: none is running (with `web` and cron "
                            "`clock --once` that is as it should be).")
    for row in rows:
        well, line = describe(row, now=now)
        (report.ok if well else report.problems).append(line)


def _check_token(settings: Settings, report: Report) -> None:
    from bot.slack.client import make_web_client

    try:
        token = settings.bot_token()
    except ConfigurationError as error:
        report.problems.append(str(error))
        return
    client = make_web_client(token, settings.slack_api_url, timeout=10)
    try:
        response = client.auth_test()
    except SlackApiError as error:
        report.problems.append(
            f"SLACK_BOT_TOKEN was refused by Slack ({error.response.get('error')}): copy it again from the app's "
            "OAuth & Permissions page."
        )
        return
    except Exception as error:
        report.problems.append(f"SLACK_API_URL: cannot reach {settings.slack_api_url} ({type(error).__name__}).")
        return
    report.ok.append(
        f"SLACK_BOT_TOKEN works: bot @{response.get('user')} in workspace {response.get('team')} ({response.get('team_id')})."
    )


def _check_hosting(settings: Settings, report: Report, *, database_ready: bool) -> None:
    """Hosting many workspaces: the three "Add to Slack" variables, HTTP mode, and the installations."""
    from storage.db import Database

    try:
        client_id, _secret, _state = settings.oauth_credentials()
    except ConfigurationError as error:
        report.problems.append(str(error))
        return
    if not settings.slack_signing_secret:
        report.problems.append("SLACK_SIGNING_SECRET is not set: hosting many workspaces needs HTTP mode "
                               "(`python -m bot web`).")
    report.ok.append(f"Hosting many workspaces (\"Add to Slack\" at /slack/install, Slack app {client_id}); "
                     f"installs go to {settings.authorize_url}.")
    if not database_ready:
        return
    from bot.slack.installations import installed_team_ids

    db = Database(settings.database_url)
    try:
        teams = installed_team_ids(db, client_id)
    finally:
        db.dispose()
    report.notes.append(f"{len(teams)} workspace(s) have installed Convene." if teams else
                        "No workspace has installed Convene yet: send groups to /slack/install.")
