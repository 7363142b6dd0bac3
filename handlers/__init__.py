"""Slack listeners, one package per area. `register` wires them all onto the App."""

from __future__ import annotations

import logging
from types import ModuleType
from typing import Any

from slack_bolt import App

from bot.runtime import Runtime
from handlers import (
    availability,
    context,
    convene,
    digest,
    home,
    installations,
    issues,
    middleware,
    polls,
    prompts,
    proposals,
    volunteering,
)

logger = logging.getLogger(__name__)

# Each area module exposes register(app, runtime) and the names it listens to, so the manifest
# can be checked against the code.
AREAS: tuple[ModuleType, ...] = (convene, home, polls, availability, volunteering, issues, prompts, digest,
                                 proposals, installations)


def register(app: App, runtime: Runtime) -> None:
    middleware.register(app, runtime)
    context.register(app, runtime)
    for area in AREAS:
        area.register(app, runtime)

    @app.error
    def log_unhandled(error: Exception, body: dict[str, Any]) -> None:
        logger.error("Unhandled error in a Slack listener (request type %s)", body.get("type"), exc_info=error)


def declared(kind: str) -> set[str]:
    """Every COMMANDS / EVENTS / SHORTCUTS name the areas declare."""
    return {name for area in AREAS for name in getattr(area, kind, ())}
