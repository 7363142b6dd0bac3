"""Global middleware: each Slack event is handled once, whatever Slack retries."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from bot.runtime import Runtime
from storage.repositories.ledger import EventLedger

logger = logging.getLogger(__name__)


def register(app: App, runtime: Runtime) -> None:
    def handle_each_event_once(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        if body.get("type") != "event_callback" or not body.get("event_id"):
            return next()
        team_id = body.get("team_id") or ""
        with runtime.db.unit_of_work() as session:
            first_time = EventLedger(session).record(team_id, body["event_id"], now=runtime.clock())
        if not first_time:
            logger.info("Ignoring a repeat delivery of event %s", body["event_id"])
            return BoltResponse(status=200, body="")
        return next()

    app.middleware(handle_each_event_once)
