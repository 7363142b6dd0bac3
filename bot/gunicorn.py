"""HTTP mode under gunicorn: each worker builds its own runtime after the fork."""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.app.base import BaseApplication

from bot.web import ConveneWSGI

logger = logging.getLogger(__name__)


def create_wsgi_app() -> ConveneWSGI:
    """Build one worker's app: settings, runtime with a store-only scheduler, Bolt in HTTP mode.

    Also usable directly: `gunicorn 'bot.gunicorn:create_wsgi_app()'`.
    """
    from bot import startup
    from bot.app import build_app
    from bot.runtime import build_runtime
    from bot.scheduler import start
    from bot.settings import load_settings

    settings = load_settings()
    runtime = build_runtime(settings, scheduler_mode="store-only")
    start(runtime.scheduler, runtime.scheduler_mode)
    startup.warm_up()
    wsgi = ConveneWSGI(build_app(runtime, http=True), runtime.db)
    wsgi.runtime = runtime  # type: ignore[attr-defined]
    return wsgi


class _Server(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> ConveneWSGI:
        return create_wsgi_app()


def _close_worker_runtime(server: Any, worker: Any) -> None:
    # Let after-ack work finish and release database connections before the worker goes.
    wsgi = getattr(worker, "wsgi", None)
    runtime = getattr(wsgi, "runtime", None)
    if runtime is not None:
        runtime.close()


def serve(*, port: int, workers: int, threads: int, host: str = "0.0.0.0") -> None:
    """Run gunicorn in the foreground (gthread workers: Bolt acks while listeners keep working)."""
    _Server(
        {
            "bind": f"{host}:{port}",
            "workers": max(1, workers),
            "worker_class": "gthread",
            "threads": max(1, threads),
            "timeout": 60,
            "graceful_timeout": 30,
            "accesslog": None,
            "worker_exit": _close_worker_runtime,
        }
    ).run()
