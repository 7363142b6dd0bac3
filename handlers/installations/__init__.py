"""Slack telling Convene it was uninstalled from a workspace, or that the workspace's bot token
was revoked: that workspace's jobs stop (`bot.jobs.workspaces.uninstalled`)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.jobs.workspaces import uninstalled
from bot.runtime import Runtime
from handlers.middleware import LEAVING_EVENTS

EVENTS = LEAVING_EVENTS


def register(app: App, runtime: Runtime) -> None:
    @app.event("app_uninstalled")
    def on_uninstalled(body: dict[str, Any]) -> None:
        uninstalled(runtime, body["team_id"])

    @app.event("tokens_revoked")
    def on_tokens_revoked(body: dict[str, Any], event: dict[str, Any]) -> None:
        # Convene holds bot tokens only; a user token revoked changes nothing here.
        if (event.get("tokens") or {}).get("bot"):
            uninstalled(runtime, body["team_id"])
