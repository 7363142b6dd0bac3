"""HTTP mode: Slack's requests on POST /slack/events, health on GET /healthz."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from storage.db import Database

logger = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

StartResponse = Callable[..., Any]


class ConveneWSGI:
    """The WSGI application every HTTP worker serves."""

    def __init__(self, app: App, db: Database) -> None:
        self.slack = SlackRequestHandler(app, path=SLACK_PATH)
        self.db = db

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return self._health(start_response)
        return self.slack(environ, start_response)

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        try:
            with self.db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            logger.exception("Health check: the database is unreachable")
            start_response("503 Service Unavailable", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"database unreachable\n"]
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"ok\n"]
