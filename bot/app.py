"""The Bolt App factory: it only wires."""

from __future__ import annotations

import logging

from slack_bolt import App

import handlers
from bot.runtime import Runtime

logger = logging.getLogger(__name__)


def build_app(runtime: Runtime, *, http: bool, verify_token: bool = True) -> App:
    """A Bolt App on the runtime's client and executor, with every listener registered.

    `http` turns on request signature verification (HTTP mode); Socket Mode does without.
    """
    settings = runtime.settings
    app = App(
        client=runtime.client,
        signing_secret=settings.signing_secret() if http else "",
        request_verification_enabled=http,
        token_verification_enabled=verify_token,
        process_before_response=False,
        listener_executor=runtime.executor,
        logger=logging.getLogger("convene.bolt"),
    )
    handlers.register(app, runtime)
    return app
